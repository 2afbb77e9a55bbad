use std::ops::Range;

use burn::nn::RmsNorm;
use burn::prelude::*;

use crate::attention::GroupedQueryAttention;
use crate::cache::LayerCache;
use crate::mlp::SwiGlu;
use crate::rope::RotaryTables;

/// One pre-norm decoder block: `x + attn(norm(x))`, then `x + mlp(norm(x))`.
#[derive(Module, Debug)]
pub struct DecoderLayer {
    pub self_attn: GroupedQueryAttention,
    pub mlp: SwiGlu,
    pub input_layernorm: RmsNorm,
    pub post_attention_layernorm: RmsNorm,
}

impl DecoderLayer {
    /// [batch, seq, d_model] → [batch, seq, d_model]
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

    /// The block's output at positions `rows` only, [batch, rows.len(), d_model]; the cache
    /// covers every position (`mask` as [`GroupedQueryAttention::forward_rows`] takes it).
    pub fn forward_rows(
        &self,
        x: Tensor<3>,
        rope: &RotaryTables,
        mask: Tensor<4, Bool>,
        cache: Option<&LayerCache>,
        rows: Range<usize>,
    ) -> (Tensor<3>, LayerCache) {
        let [batch, seq, d_model] = x.dims();
        let (attn, cache) =
            self.self_attn
                .forward_rows(self.input_layernorm.forward(x.clone()), rope, mask, cache, rows.clone());
        let x = if rows.len() == seq {
            x
        } else {
            x.slice([0..batch, rows, 0..d_model])
        };
        let x = x + attn;
        let x = x.clone() + self.mlp.forward(self.post_attention_layernorm.forward(x));
        (x, cache)
    }

    /// Only this layer's keys and values for `x` (what a later pass reads from a prefix).
    pub fn keys_values(&self, x: Tensor<3>, rope: &RotaryTables, cache: Option<&LayerCache>) -> LayerCache {
        self.self_attn.keys_values(self.input_layernorm.forward(x), rope, cache)
    }
}
