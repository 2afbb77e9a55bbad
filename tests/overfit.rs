//! A tiny model memorises one fixed batch.
mod common;

use amvl::burn::optim::{AdamWConfig, GradientsParams};
use amvl::loss::{AmvlLoss, LossConfig, Objective};
use common::*;

#[test]
fn tiny_model_overfits_one_batch() {
    let device = device().autodiff();
    device.seed(51);
    let mut model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 8).to_device(&device);
    let loss = AmvlLoss::new(LossConfig {
        warmup_steps: 50,
        ..LossConfig::default().with_objective(Objective::Amvl)
    });
    let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
    let mut first = None;
    let mut last = f32::MAX;
    for step in 0..300u64 {
        let out = model.forward_train(&batch);
        let terms = loss.compute(
            step,
            out.logits,
            batch.answer_target.clone(),
            batch.answer_mask.clone(),
            out.prior.as_ref(),
            out.posterior.as_ref(),
        );
        let value = terms.total.clone().into_scalar::<f32>();
        assert!(value.is_finite(), "step {step}: loss {value}");
        first.get_or_insert(value);
        last = value;
        let grads = GradientsParams::from_grads(terms.total.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    let first = first.unwrap();
    assert!(last < 0.1 * first, "loss went from {first} to {last}");
}
