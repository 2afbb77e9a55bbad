use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::gelu;
use serde::{Deserialize, Serialize};

use crate::gaussian::DiagGaussian;

/// A light variational head: hidden state → (μ, log σ) per slot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GaussianHeadConfig {
    pub d_model: usize,
    pub d_hidden: usize,
    pub d_latent: usize,
    pub log_std_min: f64,
    pub log_std_max: f64,
}

impl GaussianHeadConfig {
    pub fn init(&self, device: &Device) -> GaussianHead {
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        GaussianHead {
            hidden: LinearConfig::new(self.d_model, self.d_hidden).init(device),
            mean: LinearConfig::new(self.d_hidden, self.d_latent)
                .with_initializer(small.clone())
                .init(device),
            log_std: LinearConfig::new(self.d_hidden, self.d_latent)
                .with_initializer(small)
                .init(device),
            log_std_min: self.log_std_min,
            log_std_max: self.log_std_max,
        }
    }
}

/// Prior and posterior are two instances of this head.
#[derive(Module, Debug)]
pub struct GaussianHead {
    pub hidden: Linear,
    pub mean: Linear,
    pub log_std: Linear,
    pub log_std_min: f64,
    pub log_std_max: f64,
}

impl GaussianHead {
    /// Hidden states at the latent slots [batch, slots, d_model] → one Gaussian per slot.
    pub fn forward(&self, hidden: Tensor<3>) -> DiagGaussian {
        let h = gelu(self.hidden.forward(hidden));
        let log_std = self
            .log_std
            .forward(h.clone())
            .clamp(self.log_std_min, self.log_std_max);
        DiagGaussian::new(self.mean.forward(h), log_std)
    }
}
