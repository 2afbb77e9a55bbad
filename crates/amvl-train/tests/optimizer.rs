//! The optimizer the trainer builds: AdamW's ε, β₁ and β₂ as configured.

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
    assert!(
        (burn_default - 0.1 * 1e-6 / (1e-6 + 1e-5)).abs() < 2e-4,
        "{burn_default}"
    );
    assert!(
        (torch_default - 0.1 * 1e-6 / (1e-6 + 1e-8)).abs() < 2e-4,
        "{torch_default}"
    );
    let mut bad = RunConfig::default();
    bad.train.adam_epsilon = 0.0;
    let error = bad.validate().unwrap_err();
    assert!(matches!(error, amvl_train::InvalidConfig::AdamEpsilon(_)), "{error:?}");
    assert!(error.to_string().contains("adam_epsilon"));
}

/// AdamW on w (1×1) with one large gradient (1) followed by 50 small ones (0.01): the last
/// update, measured, and lr · m̂ / (√v̂ + ε) from the moments' recurrences for the configured betas.
fn last_update(beta1: f64, beta2: f64) -> (f64, f64) {
    let device = Device::flex().autodiff();
    let mut config = RunConfig::default();
    (config.train.adam_beta1, config.train.adam_beta2) = (beta1, beta2);
    config.train.adam_epsilon = 1e-8;
    config.train.weight_decay = 0.0;
    config.train.grad_clip = 0.0;
    let mut linear: Linear = LinearConfig::new(1, 1).with_bias(false).init(&device);
    linear.weight = Param::from_tensor(Tensor::<2>::ones([1, 1], &device));
    let mut optim = optimizer(&config);
    let lr = 0.1;
    let gradients: Vec<f64> = std::iter::once(1.0).chain(std::iter::repeat_n(0.01, 50)).collect();
    let (mut m, mut v) = (0.0, 0.0);
    for (t, &g) in gradients.iter().enumerate() {
        let before = linear.weight.val().into_scalar::<f32>() as f64;
        let x = Tensor::<2>::full([1, 1], g, &device);
        let grads = GradientsParams::from_grads(linear.forward(x).sum().backward(), &linear);
        linear = optim.step(lr, linear, grads);
        m = beta1 * m + (1.0 - beta1) * g;
        v = beta2 * v + (1.0 - beta2) * g * g;
        if t + 1 == gradients.len() {
            let n = gradients.len() as i32;
            let (m_hat, v_hat) = (m / (1.0 - beta1.powi(n)), v / (1.0 - beta2.powi(n)));
            let measured = before - linear.weight.val().into_scalar::<f32>() as f64;
            return (measured, lr * m_hat / (v_hat.sqrt() + 1e-8));
        }
    }
    unreachable!()
}

#[test]
fn adam_betas_set_how_long_a_large_gradient_damps_later_updates() {
    for (beta1, beta2) in [(0.9, 0.999), (0.9, 0.95), (0.8, 0.9)] {
        let (measured, expected) = last_update(beta1, beta2);
        assert!(
            (measured - expected).abs() < 1e-3 * expected.abs(),
            "β = ({beta1}, {beta2}): {measured} vs {expected}"
        );
    }
    // The shorter v memory forgets the large first gradient sooner: about twice the step.
    assert!(last_update(0.9, 0.95).0 > 1.8 * last_update(0.9, 0.999).0);
    for (key, value) in [("adam_beta1", 1.0), ("adam_beta2", -0.1)] {
        let mut bad = RunConfig::default();
        match key {
            "adam_beta1" => bad.train.adam_beta1 = value,
            _ => bad.train.adam_beta2 = value,
        }
        assert!(
            bad.validate().unwrap_err().to_string().contains(key),
            "{key} = {value} accepted"
        );
    }
}
