use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::gelu;
use serde::{Deserialize, Serialize};

use crate::bounds::LogStdBounds;
use crate::gaussian::DiagGaussian;

/// A light variational head: hidden state → (μ, log σ) per slot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GaussianHeadConfig {
    pub d_model: usize,
    pub d_hidden: usize,
    pub d_latent: usize,
    pub log_std_min: f64,
    pub log_std_max: f64,
    /// log σ of every dimension at initialisation (the log σ layer's bias; its weights start small).
    pub log_std_init: f64,
    pub bounds: LogStdBounds,
    /// Give the head a second input, a summary of the target's states [batch, d_model], through
    /// its own layer (the posterior's reader of y).
    pub reads_target: bool,
}

impl GaussianHeadConfig {
    pub fn init(&self, device: &Device) -> GaussianHead {
        let small = Initializer::Normal { mean: 0.0, std: 0.02 };
        let bias = self
            .bounds
            .raw_for(self.log_std_init, self.log_std_min, self.log_std_max);
        let mut log_std = LinearConfig::new(self.d_hidden, self.d_latent)
            .with_initializer(small.clone())
            .init(device);
        // A trainable parameter of its own: a bias mapped from the layer's (`Param::map`) would not
        // track gradients until a checkpoint reload made it, so a resumed run would differ.
        log_std.bias = Some(Param::from_tensor(Tensor::full([self.d_latent], bias, device)));
        GaussianHead {
            hidden: LinearConfig::new(self.d_model, self.d_hidden).init(device),
            target: self.reads_target.then(|| {
                LinearConfig::new(self.d_model, self.d_hidden)
                    .with_bias(false)
                    .init(device)
            }),
            mean: LinearConfig::new(self.d_hidden, self.d_latent)
                .with_initializer(small)
                .init(device),
            log_std,
            log_std_min: self.log_std_min,
            log_std_max: self.log_std_max,
            bounds: self.bounds,
        }
    }
}

/// Prior and posterior are two instances of this head; the posterior's may also read y.
#[derive(Module, Debug)]
pub struct GaussianHead {
    pub hidden: Linear,
    /// The reader of the target summary (posterior only, when configured).
    pub target: Option<Linear>,
    pub mean: Linear,
    pub log_std: Linear,
    pub log_std_min: f64,
    pub log_std_max: f64,
    #[module(skip)]
    pub bounds: LogStdBounds,
}

impl GaussianHead {
    /// Hidden states at the latent slots [batch, slots, d_model] → one Gaussian per slot.
    pub fn forward(&self, hidden: Tensor<3>) -> DiagGaussian {
        self.forward_with_target(hidden, None)
    }

    /// As [`forward`](Self::forward), adding the reader's view of `target` [batch, d_model]
    /// (a summary of y's states) to every slot's hidden layer. Ignored by a head without a reader.
    pub fn forward_with_target(&self, hidden: Tensor<3>, target: Option<Tensor<2>>) -> DiagGaussian {
        let mut pre = self.hidden.forward(hidden);
        if let (Some(reader), Some(target)) = (&self.target, target) {
            let [batch, d_hidden] = [target.dims()[0], self.mean.weight.dims()[0]];
            pre = pre + reader.forward(target).reshape([batch, 1, d_hidden]);
        }
        let h = gelu(pre);
        let log_std = self
            .bounds
            .apply(self.log_std.forward(h.clone()), self.log_std_min, self.log_std_max);
        DiagGaussian::new(self.mean.forward(h), log_std)
    }

    /// Whether the head reads a target summary.
    pub fn reads_target(&self) -> bool {
        self.target.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_std_bias_starts_at_log_std_init_and_is_trained() {
        let device = Device::flex().autodiff();
        let config = GaussianHeadConfig {
            d_model: 8,
            d_hidden: 6,
            d_latent: 3,
            log_std_min: -5.0,
            log_std_max: 2.0,
            log_std_init: -2.0,
            bounds: LogStdBounds::Soft,
            reads_target: false,
        };
        let head = config.init(&device);
        let g = head.forward(Tensor::zeros([2, 4, 8], &device));
        // Zero input: gelu(bias of `hidden`) feeds small weights, so log σ sits near its init.
        let log_std: Vec<f32> = g.log_std.clone().into_data().try_into_vec_as().unwrap();
        assert!(log_std.iter().all(|v| (v + 2.0).abs() < 0.05), "{log_std:?}");
        let grads = g.log_std.sum().backward();
        let bias = head.log_std.bias.as_ref().unwrap();
        assert!(
            bias.val().grad(&grads).is_some(),
            "the log σ bias must receive a gradient"
        );
    }
}
