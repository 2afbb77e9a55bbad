use burn::nn::{EmbeddingConfig, Initializer, LinearConfig, RmsNormConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::attention::GroupedQueryAttention;
use crate::decoder::Decoder;
use crate::layer::DecoderLayer;
use crate::mlp::SwiGlu;

/// Shape of the decoder. Missing keys take the defaults of the `tiny` shape.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DecoderConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    /// SwiGLU inner width.
    pub intermediate_size: usize,
    /// Per-head width; `hidden_size / num_heads` when absent.
    pub head_dim: Option<usize>,
    pub rope_theta: f64,
    pub rms_eps: f64,
    /// q/k/v projections carry a bias (Qwen2).
    pub qkv_bias: bool,
    /// The LM head reuses the token embedding table.
    pub tie_embeddings: bool,
    /// Standard deviation of the normal initialisation.
    pub init_std: f64,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self {
            vocab_size: 512,
            hidden_size: 64,
            num_layers: 2,
            num_heads: 4,
            num_kv_heads: 2,
            intermediate_size: 192,
            head_dim: None,
            rope_theta: 10_000.0,
            rms_eps: 1e-6,
            qkv_bias: false,
            tie_embeddings: false,
            init_std: 0.02,
        }
    }
}

impl DecoderConfig {
    pub fn head_dim(&self) -> usize {
        self.head_dim.unwrap_or(self.hidden_size / self.num_heads.max(1))
    }

    /// Checks the shape is buildable; the message names the offending keys.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
            ("num_heads", self.num_heads),
            ("num_kv_heads", self.num_kv_heads),
            ("intermediate_size", self.intermediate_size),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(format!("decoder.{name} must be positive"));
            }
        }
        if self.head_dim.is_none() && !self.hidden_size.is_multiple_of(self.num_heads) {
            return Err(format!(
                "decoder.hidden_size ({}) is not divisible by decoder.num_heads ({})",
                self.hidden_size, self.num_heads
            ));
        }
        if !self.num_heads.is_multiple_of(self.num_kv_heads) {
            return Err(format!(
                "decoder.num_heads ({}) is not divisible by decoder.num_kv_heads ({})",
                self.num_heads, self.num_kv_heads
            ));
        }
        if !self.head_dim().is_multiple_of(2) {
            return Err(format!(
                "decoder head width ({}) must be even for rotary positions",
                self.head_dim()
            ));
        }
        Ok(())
    }

    pub fn init(&self, device: &Device) -> Decoder {
        self.validate().expect("invalid decoder config");
        let init = Initializer::Normal {
            mean: 0.0,
            std: self.init_std,
        };
        let linear = |d_in: usize, d_out: usize, bias: bool| {
            LinearConfig::new(d_in, d_out)
                .with_bias(bias)
                .with_initializer(init.clone())
                .init(device)
        };
        let hd = self.head_dim();
        let layers = (0..self.num_layers)
            .map(|_| DecoderLayer {
                self_attn: GroupedQueryAttention {
                    q_proj: linear(self.hidden_size, self.num_heads * hd, self.qkv_bias),
                    k_proj: linear(self.hidden_size, self.num_kv_heads * hd, self.qkv_bias),
                    v_proj: linear(self.hidden_size, self.num_kv_heads * hd, self.qkv_bias),
                    o_proj: linear(self.num_heads * hd, self.hidden_size, false),
                    n_heads: self.num_heads,
                    n_kv_heads: self.num_kv_heads,
                    head_dim: hd,
                },
                mlp: SwiGlu {
                    gate_proj: linear(self.hidden_size, self.intermediate_size, false),
                    up_proj: linear(self.hidden_size, self.intermediate_size, false),
                    down_proj: linear(self.intermediate_size, self.hidden_size, false),
                },
                input_layernorm: RmsNormConfig::new(self.hidden_size)
                    .with_epsilon(self.rms_eps)
                    .init(device),
                post_attention_layernorm: RmsNormConfig::new(self.hidden_size)
                    .with_epsilon(self.rms_eps)
                    .init(device),
            })
            .collect();
        Decoder {
            embed_tokens: EmbeddingConfig::new(self.vocab_size, self.hidden_size)
                .with_initializer(init.clone())
                .init(device),
            layers,
            norm: RmsNormConfig::new(self.hidden_size)
                .with_epsilon(self.rms_eps)
                .init(device),
            lm_head: (!self.tie_embeddings).then(|| linear(self.hidden_size, self.vocab_size, false)),
            rope_theta: self.rope_theta,
            head_dim: hd,
        }
    }
}
