//! Closed-form KL, sampling and entropy of the diagonal Gaussian.
mod common;

use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::latent::DiagGaussian;
use common::*;

fn gaussian(seed: u64, device: &Device) -> DiagGaussian {
    device.seed(seed);
    DiagGaussian::new(
        Tensor::random([2, 3, 4], Distribution::Normal(0.0, 1.0), device),
        Tensor::random([2, 3, 4], Distribution::Uniform(-0.7, 0.5), device),
    )
}

#[test]
fn kl_matches_closed_form_formula_by_hand() {
    let device = device();
    let q = DiagGaussian::new(
        Tensor::<1>::from_floats([0.5, -1.0], &device).reshape([1, 1, 2]),
        Tensor::<1>::from_floats([0.2f32.ln(), 1.5f32.ln()], &device).reshape([1, 1, 2]),
    );
    let p = DiagGaussian::new(
        Tensor::<1>::from_floats([0.0, 0.0], &device).reshape([1, 1, 2]),
        Tensor::<1>::from_floats([1.0f32.ln(), 0.5f32.ln()], &device).reshape([1, 1, 2]),
    );
    let by_hand: f64 = [(0.5, 0.2, 0.0, 1.0), (-1.0, 1.5, 0.0, 0.5)]
        .iter()
        .map(|&(m1, s1, m2, s2): &(f64, f64, f64, f64)| {
            (s2 / s1).ln() + (s1 * s1 + (m1 - m2).powi(2)) / (2.0 * s2 * s2) - 0.5
        })
        .sum();
    let kl = q.kl(&p).into_scalar::<f32>() as f64;
    assert!((kl - by_hand).abs() < 1e-5, "{kl} vs {by_hand}");
}

#[test]
fn kl_agrees_with_monte_carlo() {
    let device = device();
    let q = gaussian(1, &device);
    let p = gaussian(2, &device);
    let closed = to_vec(q.kl(&p));
    let n = 20_000;
    device.seed(3);
    let mut mc = [0f64; 6];
    let mut mc_sq = [0f64; 6];
    let chunks = 10;
    for _ in 0..chunks {
        let reps = n / chunks;
        let expand = |g: &DiagGaussian| {
            DiagGaussian::new(
                g.mean.clone().repeat_dim(0, reps),
                g.log_std.clone().repeat_dim(0, reps),
            )
        };
        let (qe, pe) = (expand(&q), expand(&p));
        let z = qe.sample(1.0);
        let log_ratio = to_vec(qe.log_prob(z.clone()) - pe.log_prob(z));
        for (i, v) in log_ratio.iter().enumerate() {
            mc[i % 6] += *v as f64;
            mc_sq[i % 6] += (*v as f64).powi(2);
        }
    }
    for i in 0..6 {
        let mean = mc[i] / n as f64;
        let var = mc_sq[i] / n as f64 - mean * mean;
        let stderr = (var / n as f64).sqrt();
        let diff = (mean - closed[i] as f64).abs();
        assert!(
            diff < 4.0 * stderr + 1e-4,
            "slot {i}: MC {mean} ± {stderr}, closed {}",
            closed[i]
        );
    }
}

#[test]
fn kl_is_zero_for_identical_and_positive_otherwise() {
    let device = device();
    let q = gaussian(5, &device);
    let same = to_vec(q.kl(&q.clone()));
    assert!(same.iter().all(|v| v.abs() < 1e-6), "{same:?}");
    let p = gaussian(6, &device);
    let other = to_vec(q.kl(&p));
    assert!(other.iter().all(|v| *v > 0.0), "{other:?}");
}

#[test]
fn temperature_zero_returns_the_mean_and_samples_scale_with_tau() {
    let device = device();
    let q = gaussian(7, &device);
    assert_eq!(max_abs_diff(q.sample(0.0), q.mean.clone()), 0.0);
    device.seed(8);
    let eps = Tensor::<3>::random([2, 3, 4], Distribution::Normal(0.0, 1.0), &device);
    let half = q.sample_with_noise(eps.clone(), 0.5) - q.mean.clone();
    let full = q.sample_with_noise(eps, 1.0) - q.mean.clone();
    assert!(max_abs_diff(half * 2.0, full) < 1e-6);
}

#[test]
fn entropy_matches_closed_form() {
    let device = device();
    let q = gaussian(9, &device);
    let entropy = to_vec(q.entropy());
    let log_std = to_vec(q.log_std.clone());
    for slot in 0..6 {
        let expected: f64 = (0..4)
            .map(|d| 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln() + log_std[slot * 4 + d] as f64)
            .sum();
        assert!((entropy[slot] as f64 - expected).abs() < 1e-4);
    }
}
