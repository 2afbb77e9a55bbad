use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::cache::LayerCache;
use crate::rope::RotaryTables;

/// Grouped-query self-attention with rotary positions.
///
/// Query head `h` reads key/value head `h / groups` (Hugging Face's `repeat_kv` order). Instead
/// of repeating keys and values per query head, the `groups` query heads of one key/value head
/// are stacked into one block of `groups · seq` query rows: the same scores, no copies of k and v.
#[derive(Module, Debug)]
pub struct GroupedQueryAttention {
    pub q_proj: Linear,
    pub k_proj: Linear,
    pub v_proj: Linear,
    pub o_proj: Linear,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
}

impl GroupedQueryAttention {
    /// Query heads per key/value head.
    pub fn groups(&self) -> usize {
        self.n_heads / self.n_kv_heads
    }

    /// `x` [batch, seq, d_model]; `mask` [batch, n_kv_heads, groups · seq, cached + seq]
    /// (`true` = hidden; [`grouped_mask`](crate::mask::grouped_mask) of the causal mask).
    /// Returns [batch, seq, d_model] and this layer's cache extended by the new keys/values.
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RotaryTables,
        mask: Tensor<4, Bool>,
        cache: Option<&LayerCache>,
    ) -> (Tensor<3>, LayerCache) {
        let [batch, seq, _] = x.dims();
        let heads = |t: Tensor<3>, n: usize| t.reshape([batch, seq, n, self.head_dim]);
        // [batch, heads, seq, head_dim]
        let q = rope.apply(heads(self.q_proj.forward(x.clone()), self.n_heads)).swap_dims(1, 2);
        let k = rope.apply(heads(self.k_proj.forward(x.clone()), self.n_kv_heads)).swap_dims(1, 2);
        let v = heads(self.v_proj.forward(x), self.n_kv_heads).swap_dims(1, 2);
        let (k, v) = match cache {
            Some(c) => (
                Tensor::cat(vec![c.key.clone(), k], 2),
                Tensor::cat(vec![c.value.clone(), v], 2),
            ),
            None => (k, v),
        };
        let new_cache = LayerCache {
            key: k.clone(),
            value: v.clone(),
        };
        let rows = self.groups() * seq;
        let q = q.reshape([batch, self.n_kv_heads, rows, self.head_dim]);
        let out = attention(q, k, v, Some(mask), None, AttentionModuleOptions::default());
        let out = out
            .reshape([batch, self.n_heads, seq, self.head_dim])
            .swap_dims(1, 2)
            .reshape([batch, seq, self.n_heads * self.head_dim]);
        (self.o_proj.forward(out), new_cache)
    }
}
