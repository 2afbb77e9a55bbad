use std::ops::Range;

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
        let seq = x.dims()[1];
        self.forward_rows(x, rope, mask, cache, 0..seq)
    }

    /// [`forward`](Self::forward) with queries at the positions `rows` of `x` only: keys and
    /// values (and the returned cache) cover every position. `mask` [batch, n_kv_heads,
    /// groups · rows.len(), cached + seq]. Returns [batch, rows.len(), d_model].
    pub fn forward_rows(
        &self,
        x: Tensor<3>,
        rope: &RotaryTables,
        mask: Tensor<4, Bool>,
        cache: Option<&LayerCache>,
        rows: Range<usize>,
    ) -> (Tensor<3>, LayerCache) {
        let [batch, seq, d_model] = x.dims();
        let n = rows.len();
        let new_cache = self.keys_values(x.clone(), rope, cache);
        let (x, rope) = if n == seq {
            (x, rope.clone())
        } else {
            (x.slice([0..batch, rows.clone(), 0..d_model]), rope.rows(rows))
        };
        // [batch, heads, n, head_dim]
        let q = self.q_proj.forward(x).reshape([batch, n, self.n_heads, self.head_dim]);
        let q = rope.apply(q).swap_dims(1, 2);
        let q = q.reshape([batch, self.n_kv_heads, self.groups() * n, self.head_dim]);
        let out = attention(
            q,
            new_cache.key.clone(),
            new_cache.value.clone(),
            Some(mask),
            None,
            AttentionModuleOptions::default(),
        );
        let out = out
            .reshape([batch, self.n_heads, n, self.head_dim])
            .swap_dims(1, 2)
            .reshape([batch, n, self.n_heads * self.head_dim]);
        (self.o_proj.forward(out), new_cache)
    }

    /// This layer's cache extended by the keys and values of `x` [batch, seq, d_model].
    pub fn keys_values(&self, x: Tensor<3>, rope: &RotaryTables, cache: Option<&LayerCache>) -> LayerCache {
        let [batch, seq, _] = x.dims();
        let heads = |t: Tensor<3>| t.reshape([batch, seq, self.n_kv_heads, self.head_dim]);
        // [batch, n_kv_heads, seq, head_dim]
        let k = rope.apply(heads(self.k_proj.forward(x.clone()))).swap_dims(1, 2);
        let v = heads(self.v_proj.forward(x)).swap_dims(1, 2);
        match cache {
            Some(c) => LayerCache {
                key: Tensor::cat(vec![c.key.clone(), k], 2),
                value: Tensor::cat(vec![c.value.clone(), v], 2),
            },
            None => LayerCache { key: k, value: v },
        }
    }
}
