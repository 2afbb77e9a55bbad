use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::cache::LayerCache;
use crate::rope::RotaryTables;

/// Grouped-query self-attention with rotary positions.
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
    /// `x` [batch, seq, d_model]; `mask` [batch, n_heads, seq, cached + seq] (`true` = hidden).
    /// Returns [batch, seq, d_model] and this layer's cache extended by the new keys/values.
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RotaryTables,
        mask: Tensor<4, Bool>,
        cache: Option<&LayerCache>,
    ) -> (Tensor<3>, LayerCache) {
        let [batch, seq, _] = x.dims();
        let split = |t: Tensor<3>, heads: usize| {
            t.reshape([batch, seq, heads, self.head_dim]).swap_dims(1, 2)
        };
        let q = rope.apply(split(self.q_proj.forward(x.clone()), self.n_heads));
        let k = rope.apply(split(self.k_proj.forward(x.clone()), self.n_kv_heads));
        let v = split(self.v_proj.forward(x), self.n_kv_heads);
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
        let out = attention(
            q,
            self.repeat_kv(k),
            self.repeat_kv(v),
            Some(mask),
            None,
            AttentionModuleOptions::default(),
        );
        let out = out.swap_dims(1, 2).reshape([batch, seq, self.n_heads * self.head_dim]);
        (self.o_proj.forward(out), new_cache)
    }

    /// [batch, n_kv_heads, len, head_dim] → [batch, n_heads, len, head_dim]
    fn repeat_kv(&self, t: Tensor<4>) -> Tensor<4> {
        let groups = self.n_heads / self.n_kv_heads;
        if groups == 1 {
            return t;
        }
        let [b, kv, len, d] = t.dims();
        t.reshape([b, kv, 1, len, d])
            .expand([b, kv, groups, len, d])
            .reshape([b, kv * groups, len, d])
    }
}
