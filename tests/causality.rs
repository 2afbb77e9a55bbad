//! The prior never sees the answer; teacher forcing is causal; z matters to the answer.
mod common;

use amvl::AmvlBatch;
use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::core::LanguageModel;
use common::*;

fn with_other_answers(batch: &AmvlBatch) -> AmvlBatch {
    let mut changed = batch.clone();
    changed.target = batch.target.clone() + 1;
    changed.answer_target = batch.answer_target.clone() + 3;
    let first = batch.answer_input.clone().narrow(1, 0, 1);
    let rest = batch.answer_input.clone().narrow(1, 1, 2) + 3;
    changed.answer_input = Tensor::cat(vec![first, rest], 1);
    changed
}

#[test]
fn changing_the_answer_changes_neither_the_prior_nor_earlier_logits() {
    let device = device();
    device.seed(21);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 2);
    let changed = with_other_answers(&batch);

    let prior_a = model.prior(&model.run_prefix(&batch, true));
    let prior_b = model.prior(&model.run_prefix(&changed, true));
    assert_eq!(max_abs_diff(prior_a.mean, prior_b.mean), 0.0);
    assert_eq!(max_abs_diff(prior_a.log_std, prior_b.log_std), 0.0);

    // Whole sequence [x, z, <answer>, a...] in one pass: logits up to and including <answer>
    // (which predicts a_0) must not move when the answer tokens change.
    let z = Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device);
    let full_logits = |b: &AmvlBatch| {
        let (prefix, prefix_real) = model.prefix_embeds(b);
        let block = model.latent.as_ref().unwrap();
        let answer = model.decoder.embed_tokens(b.answer_input.clone());
        let embeds = Tensor::cat(vec![prefix, block.injector.forward(z.clone()), answer], 1);
        let real = Tensor::cat(
            vec![
                prefix_real,
                Tensor::<2, Bool>::full([3, 4], true, &device),
                b.answer_mask.clone(),
            ],
            1,
        );
        model.decoder.logits(model.decoder.forward_embeds(embeds, real, None).0)
    };
    let a = full_logits(&batch);
    let b = full_logits(&changed);
    let [_, total, vocab] = a.dims();
    let upto = total - 2; // positions before the first changed input token
    assert_eq!(
        max_abs_diff(
            a.clone().slice([0..3, 0..upto, 0..vocab]),
            b.clone().slice([0..3, 0..upto, 0..vocab])
        ),
        0.0
    );
    assert!(
        max_abs_diff(
            a.slice([0..3, upto..total, 0..vocab]),
            b.slice([0..3, upto..total, 0..vocab])
        ) > 1e-4
    );
}

#[test]
fn teacher_forced_logits_are_causal_in_the_answer() {
    let device = device();
    device.seed(22);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 3);
    let z = Some(Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device));
    let prefix = model.run_prefix(&batch, true);
    let logits = |input: Tensor<2, Int>| model.decode_logits(&prefix, z.clone(), input, batch.answer_mask.clone());
    let base = logits(batch.answer_input.clone());
    let last_changed = Tensor::cat(
        vec![
            batch.answer_input.clone().narrow(1, 0, 2),
            batch.answer_input.clone().narrow(1, 2, 1) + 5,
        ],
        1,
    );
    let moved = logits(last_changed);
    let vocab = base.dims()[2];
    assert_eq!(
        max_abs_diff(
            base.clone().slice([0..3, 0..2, 0..vocab]),
            moved.clone().slice([0..3, 0..2, 0..vocab])
        ),
        0.0
    );
    assert!(max_abs_diff(base.slice([0..3, 2..3, 0..vocab]), moved.slice([0..3, 2..3, 0..vocab])) > 1e-4);
}

#[test]
fn changing_z_changes_the_answer_logits() {
    let device = device();
    device.seed(23);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 4);
    let prefix = model.run_prefix(&batch, true);
    let z1 = Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device);
    let z2 = Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device);
    let a = model.decode_logits(&prefix, Some(z1), batch.answer_input.clone(), batch.answer_mask.clone());
    let b = model.decode_logits(&prefix, Some(z2), batch.answer_input.clone(), batch.answer_mask.clone());
    assert!(max_abs_diff(a, b) > 1e-4);
}
