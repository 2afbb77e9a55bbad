use burn::module::Param;
use burn::nn::{Initializer, LayerNorm, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::module::linear;

use crate::attention::multi_head_attention;
use crate::encoder::layer_norm;
use crate::{Mlp, VisionConfig};

/// PyTorch `nn.MultiheadAttention` (batch first) with its packed input projection
/// (HF `head.attention`).
#[derive(Module, Debug)]
pub struct PoolingAttention {
    /// Packed q/k/v projection in PyTorch layout, [3 * d, d] (rows: q, then k, then v).
    pub in_proj_weight: Param<Tensor<2>>,
    /// [3 * d]
    pub in_proj_bias: Param<Tensor<1>>,
    pub out_proj: Linear,
    pub num_heads: usize,
}

impl PoolingAttention {
    /// Random initialisation.
    pub fn new(d_model: usize, num_heads: usize, device: &Device) -> Self {
        let xavier = Initializer::XavierUniform { gain: 1.0 };
        Self {
            in_proj_weight: xavier.init_with([3 * d_model, d_model], Some(d_model), Some(3 * d_model), device),
            in_proj_bias: Initializer::Zeros.init([3 * d_model], device),
            out_proj: LinearConfig::new(d_model, d_model).init(device),
            num_heads,
        }
    }

    /// query [batch, q_len, d], key_value [batch, kv_len, d] → [batch, q_len, d]
    pub fn forward(&self, query: Tensor<3>, key_value: Tensor<3>) -> Tensor<3> {
        let [d_packed, d] = self.in_proj_weight.dims();
        debug_assert_eq!(d_packed, 3 * d);
        let project = |x: Tensor<3>, index: usize| {
            let weight = self.in_proj_weight.val().narrow(0, index * d, d).transpose();
            let bias = self.in_proj_bias.val().narrow(0, index * d, d);
            linear(x, weight, Some(bias))
        };
        let q = project(query, 0);
        let k = project(key_value.clone(), 1);
        let v = project(key_value, 2);
        self.out_proj.forward(multi_head_attention(q, k, v, self.num_heads))
    }
}

/// SigLIP's multi-head attention pooling head (HF `head`): a learned probe attends over
/// the tokens, then a residual MLP.
#[derive(Module, Debug)]
pub struct AttentionPoolingHead {
    /// [1, 1, d_vision]
    pub probe: Param<Tensor<3>>,
    pub attention: PoolingAttention,
    pub layernorm: LayerNorm,
    pub mlp: Mlp,
}

impl AttentionPoolingHead {
    /// Random initialisation for `config`.
    pub fn new(config: &VisionConfig, device: &Device) -> Self {
        let d = config.hidden_size;
        Self {
            probe: Initializer::Normal { mean: 0.0, std: 1.0 }.init([1, 1, d], device),
            attention: PoolingAttention::new(d, config.num_heads, device),
            layernorm: layer_norm(config, device),
            mlp: Mlp::new(d, config.intermediate_size, config.activation, device),
        }
    }

    /// [batch, tokens, d_vision] → [batch, d_vision]
    pub fn forward(&self, tokens: Tensor<3>) -> Tensor<2> {
        let [batch, _, d] = tokens.dims();
        let probe = self.probe.val().expand([batch, 1, d]);
        let pooled = self.attention.forward(probe, tokens);
        let pooled = pooled.clone() + self.mlp.forward(self.layernorm.forward(pooled));
        pooled.reshape([batch, d])
    }
}
