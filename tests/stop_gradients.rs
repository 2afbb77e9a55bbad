//! Which parameters each loss term reaches.
mod common;

use amvl::burn::tensor::Gradients;
use amvl::latent::GaussianHead;
use amvl::loss::{forward_kl, masked_cross_entropy, reverse_kl};
use common::*;

/// Σ|grad| of every parameter of the head (`None` where no gradient reached it).
fn head_grads(head: &GaussianHead, grads: &Gradients) -> Vec<Option<f32>> {
    let mut out = Vec::new();
    for linear in [&head.hidden, &head.mean, &head.log_std] {
        out.push(
            linear
                .weight
                .val()
                .grad(grads)
                .map(|g| g.abs().sum().into_scalar::<f32>()),
        );
        let bias = linear.bias.as_ref().expect("heads have biases");
        out.push(bias.val().grad(grads).map(|g| g.abs().sum().into_scalar::<f32>()));
    }
    out
}

fn reaches(grads: &[Option<f32>]) -> bool {
    grads.iter().all(|g| matches!(g, Some(v) if *v > 0.0))
}

fn untouched(grads: &[Option<f32>]) -> bool {
    grads.iter().all(|g| g.is_none_or(|v| v == 0.0))
}

enum Term {
    Forward,
    Reverse,
    Ntp,
}

fn grads_for(term: Term) -> (Vec<Option<f32>>, Vec<Option<f32>>) {
    let device = device().autodiff();
    device.seed(11);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 1).to_device(&device);
    let out = model.forward_train(&batch);
    let prior = out.prior.unwrap();
    let posterior = out.posterior.unwrap();
    let loss = match term {
        Term::Forward => forward_kl(&posterior, &prior).sum(),
        Term::Reverse => reverse_kl(&prior, &posterior).sum(),
        Term::Ntp => masked_cross_entropy(out.logits, batch.answer_target.clone(), batch.answer_mask.clone()),
    };
    let grads = loss.backward();
    let block = model.latent.as_ref().unwrap();
    (
        head_grads(&block.prior_head, &grads),
        head_grads(&block.posterior_head, &grads),
    )
}

#[test]
fn forward_term_trains_only_the_prior_head() {
    let (prior, posterior) = grads_for(Term::Forward);
    assert!(reaches(&prior), "prior head: {prior:?}");
    assert!(untouched(&posterior), "posterior head: {posterior:?}");
}

#[test]
fn reverse_term_trains_only_the_posterior_head() {
    let (prior, posterior) = grads_for(Term::Reverse);
    assert!(untouched(&prior), "prior head: {prior:?}");
    assert!(reaches(&posterior), "posterior head: {posterior:?}");
}

#[test]
fn ntp_reaches_the_posterior_head_but_not_the_prior_head() {
    let (prior, posterior) = grads_for(Term::Ntp);
    assert!(untouched(&prior), "prior head: {prior:?}");
    assert!(reaches(&posterior), "posterior head: {posterior:?}");
}
