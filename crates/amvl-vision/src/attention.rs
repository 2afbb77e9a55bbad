use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

/// Bidirectional multi-head self-attention (HF `self_attn`).
#[derive(Module, Debug)]
pub struct SelfAttention {
    pub q_proj: Linear,
    pub k_proj: Linear,
    pub v_proj: Linear,
    pub out_proj: Linear,
    pub num_heads: usize,
}

impl SelfAttention {
    /// Random initialisation.
    pub fn new(d_model: usize, num_heads: usize, device: &Device) -> Self {
        let linear = || LinearConfig::new(d_model, d_model).init(device);
        Self {
            q_proj: linear(),
            k_proj: linear(),
            v_proj: linear(),
            out_proj: linear(),
            num_heads,
        }
    }

    /// [batch, tokens, d] → [batch, tokens, d]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let q = self.q_proj.forward(x.clone());
        let k = self.k_proj.forward(x.clone());
        let v = self.v_proj.forward(x);
        let context = multi_head_attention(q, k, v, self.num_heads);
        self.out_proj.forward(context)
    }
}

/// Scaled dot-product attention over already-projected inputs, no mask.
///
/// q [batch, q_len, d], k and v [batch, kv_len, d] → [batch, q_len, d]
pub(crate) fn multi_head_attention(q: Tensor<3>, k: Tensor<3>, v: Tensor<3>, num_heads: usize) -> Tensor<3> {
    let [batch, q_len, d] = q.dims();
    let split = |t: Tensor<3>| {
        let [b, len, _] = t.dims();
        t.reshape([b, len, num_heads, d / num_heads]).swap_dims(1, 2)
    };
    let out = attention(
        split(q),
        split(k),
        split(v),
        None,
        None,
        AttentionModuleOptions::default(),
    );
    out.swap_dims(1, 2).reshape([batch, q_len, d])
}
