use burn::nn::{LayerNorm, LayerNormConfig};
use burn::prelude::*;

use crate::{Mlp, SelfAttention, VisionConfig};

/// Pre-LN transformer block (HF `encoder.layers.N`).
#[derive(Module, Debug)]
pub struct EncoderLayer {
    pub layer_norm1: LayerNorm,
    pub self_attn: SelfAttention,
    pub layer_norm2: LayerNorm,
    pub mlp: Mlp,
}

impl EncoderLayer {
    /// Random initialisation for `config`.
    pub fn new(config: &VisionConfig, device: &Device) -> Self {
        let norm = || layer_norm(config, device);
        Self {
            layer_norm1: norm(),
            self_attn: SelfAttention::new(config.hidden_size, config.num_heads, device),
            layer_norm2: norm(),
            mlp: Mlp::new(config.hidden_size, config.intermediate_size, config.activation, device),
        }
    }

    /// [batch, tokens, d] → [batch, tokens, d]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let x = x.clone() + self.self_attn.forward(self.layer_norm1.forward(x));
        x.clone() + self.mlp.forward(self.layer_norm2.forward(x))
    }
}

/// The stack of blocks (HF `encoder`).
#[derive(Module, Debug)]
pub struct Encoder {
    pub layers: Vec<EncoderLayer>,
}

impl Encoder {
    /// Random initialisation for `config`.
    pub fn new(config: &VisionConfig, device: &Device) -> Self {
        Self {
            layers: (0..config.num_layers)
                .map(|_| EncoderLayer::new(config, device))
                .collect(),
        }
    }

    /// [batch, tokens, d] → [batch, tokens, d]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.layers.iter().fold(x, |x, layer| layer.forward(x))
    }
}

/// A LayerNorm of width `hidden_size` with the config's epsilon.
pub(crate) fn layer_norm(config: &VisionConfig, device: &Device) -> LayerNorm {
    LayerNormConfig::new(config.hidden_size)
        .with_epsilon(config.layer_norm_eps)
        .init(device)
}
