use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use crate::HiddenAct;

/// `fc2(act(fc1(x)))` (HF `mlp`).
#[derive(Module, Debug)]
pub struct Mlp {
    pub fc1: Linear,
    pub fc2: Linear,
    #[module(skip)]
    pub activation: HiddenAct,
}

impl Mlp {
    /// Random initialisation.
    pub fn new(d_model: usize, d_hidden: usize, activation: HiddenAct, device: &Device) -> Self {
        Self {
            fc1: LinearConfig::new(d_model, d_hidden).init(device),
            fc2: LinearConfig::new(d_hidden, d_model).init(device),
            activation,
        }
    }

    /// [..., d_model] → [..., d_model]
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.fc2.forward(self.activation.apply(self.fc1.forward(x)))
    }
}
