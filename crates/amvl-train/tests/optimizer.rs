//! The optimizer the trainer builds: AdamW's ε as configured.

use amvl_train::RunConfig;
use amvl_train::trainer::optimizer;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;

/// One AdamW step on w (1×1, w = 1) with gradient g = 1e-6: the first update is
/// lr · g / (|g| + ε) (bias-corrected moments are g and g²), no decay, no clipping.
fn first_update(epsilon: f64) -> f32 {
    let device = Device::flex().autodiff();
    let mut config = RunConfig::default();
    config.train.adam_epsilon = epsilon;
    config.train.weight_decay = 0.0;
    config.train.grad_clip = 0.0;
    let mut linear: Linear = LinearConfig::new(1, 1).with_bias(false).init(&device);
    linear.weight = Param::from_tensor(Tensor::<2>::ones([1, 1], &device));
    let x = Tensor::<2>::full([1, 1], 1e-6, &device);
    let grads = GradientsParams::from_grads(linear.forward(x).sum().backward(), &linear);
    let mut optim = optimizer(&config);
    let stepped = optim.step(0.1, linear, grads);
    1.0 - stepped.weight.val().into_scalar::<f32>()
}

#[test]
fn adam_epsilon_sets_how_far_a_tiny_gradient_moves_a_weight() {
    let burn_default = first_update(1e-5);
    let torch_default = first_update(1e-8);
    assert!((burn_default - 0.1 * 1e-6 / (1e-6 + 1e-5)).abs() < 2e-4, "{burn_default}");
    assert!((torch_default - 0.1 * 1e-6 / (1e-6 + 1e-8)).abs() < 2e-4, "{torch_default}");
    let mut bad = RunConfig::default();
    bad.train.adam_epsilon = 0.0;
    assert!(bad.validate().unwrap_err().contains("adam_epsilon"));
}
