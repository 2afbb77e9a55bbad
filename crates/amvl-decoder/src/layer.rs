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
        let (attn, cache) =
            self.self_attn
                .forward(self.input_layernorm.forward(x.clone()), rope, mask, cache);
        let x = x + attn;
        let x = x.clone() + self.mlp.forward(self.post_attention_layernorm.forward(x));
        (x, cache)
    }
}
