//! Every objective's total is the sum of its reported terms; `no_latent` has no latent block.
mod common;

use amvl::burn::optim::GradientsParams;
use amvl::burn::prelude::*;
use amvl::loss::{AmvlLoss, LossConfig, Objective};
use common::*;

fn terms_for(objective: Objective, step: u64) -> (amvl::loss::LossTerms, usize, usize) {
    let device = device().autodiff();
    device.seed(41);
    let mut config = tiny_config();
    if !objective.uses_latent() {
        config.latent.slots = 0;
    }
    let model = config.init(&device);
    let batch = synthetic_batch(&device, 7).to_device(&device);
    let out = model.forward_train_path(&batch, true, None, objective.latent_path());
    let loss = AmvlLoss::new(LossConfig::default().with_objective(objective));
    let terms = loss.compute(
        step,
        out.logits,
        batch.answer_target.clone(),
        batch.answer_mask.clone(),
        out.prior.as_ref(),
        out.posterior.as_ref(),
    );
    let grads = GradientsParams::from_grads(terms.total.backward(), &model);
    (terms, grads.len(), model.num_params())
}

#[test]
fn totals_equal_the_sum_of_reported_terms() {
    for objective in Objective::ALL {
        let (t, _, _) = terms_for(objective, 500);
        let total = t.total.into_scalar::<f32>();
        let sum = t.ntp.into_scalar::<f32>()
            + t.forward.clone().into_scalar::<f32>()
            + t.reverse.clone().into_scalar::<f32>();
        assert!((total - sum).abs() < 1e-6, "{objective}: total {total} vs sum {sum}");
        let (fwd, rev) = (t.forward.into_scalar::<f32>(), t.reverse.into_scalar::<f32>());
        let (want_fwd, want_rev) = match objective {
            Objective::Amvl | Objective::AmvlReverseFirst | Objective::Dreamer => (true, true),
            Objective::Fwd | Objective::Elbo => (true, false),
            Objective::Rev => (false, true),
            Objective::NtpOnly | Objective::NoLatent | Objective::PriorNtp | Objective::Pause => (false, false),
        };
        assert_eq!(fwd > 0.0, want_fwd, "{objective}: forward term {fwd}");
        assert_eq!(rev > 0.0, want_rev, "{objective}: reverse term {rev}");
    }
}

#[test]
fn forward_comes_first_in_amvl_and_reverse_first_swaps_it() {
    let config = LossConfig::default();
    let amvl = config.clone().with_objective(Objective::Amvl);
    let swapped = config.with_objective(Objective::AmvlReverseFirst);
    let w = amvl.warmup_steps;
    assert!(amvl.beta_schedule().value(w / 2) > 0.0);
    assert_eq!(amvl.gamma_schedule().value(w / 2), 0.0);
    assert!(amvl.gamma_schedule().value(10 * w) < amvl.beta_schedule().value(10 * w));
    assert_eq!(swapped.beta_schedule().value(w / 2), 0.0);
    assert!(swapped.gamma_schedule().value(w / 2) > 0.0);
}

#[test]
fn no_latent_has_no_latent_parameters_in_its_gradient() {
    let (_, with_grad, total) = terms_for(Objective::NoLatent, 500);
    let (_, amvl_grad, amvl_total) = terms_for(Objective::Amvl, 500);
    let mut config = tiny_config();
    config.latent.slots = 0;
    let device = device();
    let model = config.init(&device);
    assert!(model.latent.is_none());
    assert_eq!(total, model.num_params());
    // Every parameter of the latent-free model gets a gradient, and those are all there are.
    assert!(with_grad > 0 && amvl_grad > with_grad, "{with_grad} vs {amvl_grad}");
    assert!(amvl_total > total);
}

#[test]
fn free_bits_floor_the_kl_and_stop_its_gradient() {
    use amvl::loss::FreeBits;
    let device = device();
    let kl = Tensor::<1>::from_floats([0.1, 0.2, 3.0, 0.4], &device).reshape([2, 2]);
    // per slot: batch means (1.55, 0.3) floored at 0.5 → 1.55 + 0.5
    let per_slot = FreeBits::PerSlot { nats: 0.5 }.apply(kl.clone()).into_scalar::<f32>();
    assert!((per_slot - 2.05).abs() < 1e-6, "{per_slot}");
    // total: batch mean of sums (0.3, 3.4) = 1.85, floored at 2.0
    let total = FreeBits::Total { nats: 2.0 }.apply(kl.clone()).into_scalar::<f32>();
    assert!((total - 2.0).abs() < 1e-6, "{total}");
    let none = FreeBits::None.apply(kl).into_scalar::<f32>();
    assert!((none - 1.85).abs() < 1e-6, "{none}");
}

#[test]
fn unknown_objective_names_the_choices() {
    let err = "amvll".parse::<Objective>().unwrap_err().to_string();
    assert!(err.contains("amvll") && err.contains("amvl_reverse_first"), "{err}");
}

/// `prior_ntp` trains the prior head through NTP and never builds a posterior; `pause` reads
/// neither head: its slots are the learned embeddings.
#[test]
fn prior_ntp_and_pause_fill_the_slots_without_a_posterior() {
    let device = device().autodiff();
    device.seed(43);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 9).to_device(&device);
    for (objective, prior_grads) in [(Objective::PriorNtp, true), (Objective::Pause, false)] {
        let out = model.forward_train_path(&batch, true, None, objective.latent_path());
        assert!(out.posterior.is_none(), "{objective}");
        assert_eq!(out.prior.is_some(), prior_grads, "{objective}");
        let loss = amvl::loss::masked_cross_entropy(out.logits, batch.answer_target.clone(), batch.answer_mask.clone());
        let grads = loss.backward();
        let block = model.latent.as_ref().unwrap();
        let head = block
            .prior_head
            .mean
            .weight
            .val()
            .grad(&grads)
            .map(|g| g.abs().sum().into_scalar::<f32>());
        assert_eq!(
            head.is_some_and(|g| g > 0.0),
            prior_grads,
            "{objective}: prior head gradient {head:?}"
        );
        let slots = block
            .slots
            .embedding
            .val()
            .grad(&grads)
            .map(|g| g.abs().sum().into_scalar::<f32>());
        assert!(
            slots.is_some_and(|g| g > 0.0),
            "{objective}: slot embeddings reach the loss"
        );
        let posterior = block.posterior_head.mean.weight.val().grad(&grads);
        assert!(
            posterior.is_none_or(|g| g.abs().sum().into_scalar::<f32>() == 0.0),
            "{objective}"
        );
    }
}
