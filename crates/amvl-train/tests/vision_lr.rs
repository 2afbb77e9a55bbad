//! `[train] vision_lr_scale`: the tower's step is the schedule's rate times the scale, the rest of
//! the model's step is unchanged.
mod common;

use common::{tiny_run_config, train_suite, weights};
use std::collections::BTreeMap;

/// Every parameter (name → f32 values) after one training step with the given scale.
fn one_step(scale: f64, dir: &std::path::Path) -> BTreeMap<String, Vec<f32>> {
    let mut config = tiny_run_config();
    config.train.steps = 1;
    config.train.lr_warmup_steps = 0;
    config.train.vision_lr_scale = scale;
    weights(&train_suite(config, dir.join(format!("scale-{scale}"))))
        .into_iter()
        .collect()
}

#[test]
fn the_tower_moves_by_the_scaled_rate_and_the_rest_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let frozen = one_step(0.0, dir.path());
    let plain = one_step(1.0, dir.path());
    let doubled = one_step(2.0, dir.path());
    assert_eq!(frozen.len(), plain.len());
    let (mut vision, mut moved) = (0, 0);
    for (name, start) in &frozen {
        let (a, b) = (&plain[name], &doubled[name]);
        if !name.starts_with("vision.") {
            // The first step's gradients do not depend on the scale: same update, bit for bit.
            assert_eq!(start, a, "{name}: scale 0 vs 1");
            assert_eq!(a, b, "{name}: scale 1 vs 2");
            continue;
        }
        vision += 1;
        // Scale 0 leaves the tower at its (seeded) initialisation, so `start` is θ₀ and the
        // AdamW step lr·(m̂/(√v̂+ε) + λθ₀) is linear in lr: twice the rate, twice the step.
        for ((&w0, &w1), &w2) in start.iter().zip(a).zip(b) {
            let (d1, d2) = (w1 - w0, w2 - w0);
            assert!(
                (d2 - 2.0 * d1).abs() <= 1e-6 + 1e-3 * d1.abs(),
                "{name}: Δ₂ = {d2}, Δ₁ = {d1}"
            );
        }
        moved += (start != a) as usize;
    }
    assert!(
        vision > 0 && moved == vision,
        "{moved} of {vision} vision tensors moved at scale 1"
    );

    let mut bad = tiny_run_config();
    bad.train.vision_lr_scale = -1.0;
    let error = bad.validate().unwrap_err();
    assert!(
        matches!(error, amvl_train::InvalidConfig::VisionLrScale(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("vision_lr_scale"));
}
