//! The AMVL loss on its own, with Gaussians from "your own model" (here: plain tensors).
//!
//! `cargo run --example loss_only`

use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::latent::DiagGaussian;
use amvl::loss::{AmvlLoss, LossConfig, Objective};

fn main() {
    let device = Device::flex().autodiff();
    device.seed(0);
    let (batch, seq, vocab, slots, d) = (2, 5, 11, 4, 8);
    let logits = Tensor::<3>::random([batch, seq, vocab], Distribution::Normal(0.0, 1.0), &device).require_grad();
    let targets = Tensor::<2, Int>::random([batch, seq], Distribution::Uniform(0.0, vocab as f64), &device);
    let mask = Tensor::<2, Bool>::full([batch, seq], true, &device);
    let gaussian = || {
        DiagGaussian::new(
            Tensor::random([batch, slots, d], Distribution::Normal(0.0, 1.0), &device).require_grad(),
            Tensor::random([batch, slots, d], Distribution::Uniform(-1.0, 0.0), &device).require_grad(),
        )
    };
    let (prior, posterior) = (gaussian(), gaussian());
    for objective in Objective::ALL {
        let loss = AmvlLoss::new(LossConfig::default().with_objective(objective));
        let t = loss.compute(
            1000,
            logits.clone(),
            targets.clone(),
            mask.clone(),
            Some(&prior),
            Some(&posterior),
        );
        let grads = t.total.backward();
        let reaches = |g: &DiagGaussian| {
            g.mean
                .grad(&grads)
                .is_some_and(|g| g.abs().sum().into_scalar::<f32>() > 0.0)
        };
        println!(
            "{:<20} total {:.4} = ntp {:.4} + fwd {:.4} + rev {:.4}   (β {:.2}, γ {:.2})  grad→prior {:5}  grad→posterior {}",
            objective.name(),
            t.total.into_scalar::<f32>(),
            t.ntp.into_scalar::<f32>(),
            t.forward.into_scalar::<f32>(),
            t.reverse.into_scalar::<f32>(),
            t.beta,
            t.gamma,
            reaches(&prior),
            reaches(&posterior),
        );
    }
}
