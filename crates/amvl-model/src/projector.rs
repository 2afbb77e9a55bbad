use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::gelu;

/// Two-layer MLP from vision width to decoder width.
#[derive(Module, Debug)]
pub struct Projector {
    pub linear_1: Linear,
    pub linear_2: Linear,
}

impl Projector {
    /// [batch, tokens, d_vision] → [batch, tokens, d_model]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.linear_2.forward(gelu(self.linear_1.forward(x)))
    }
}
