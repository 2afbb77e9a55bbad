//! The backend comparison's bf16-mixed workload on flex, against pure bf16 on the same device:
//! the first forward pass and gradients are the same (both compute on the same bf16 weights),
//! the gradients come back as f32 masters' gradients, and the optimizer steps then part ways
//! because mixed precision keeps the updates that bf16 weights round away. Its own test binary:
//! flex's float dtype becomes bf16 for the whole process.
mod backend_common;

use amvl::burn::tensor::FloatDType;
use amvl_bench::backends::{Agreement, Capture, ParityOptions, capture_on};
use amvl_train::precision::Precision;
use backend_common::*;

fn run(precision: Precision, device: &amvl::burn::tensor::Device) -> Capture {
    let mut config = tiny_run_config();
    config.train.learning_rate = 2e-4;
    let mut options = ParityOptions::new(config, std::env::temp_dir().join("amvl-tests"));
    options.steps = 12;
    options.float = FloatDType::BF16;
    options.precision = precision;
    capture_on(&options, device).expect("capture runs")
}

#[test]
fn bf16_mixed_matches_pure_bf16_at_first_and_keeps_small_updates() {
    let device = device_or_skip("flex", "bf16_mixed_parity", FloatDType::BF16).expect("flex computes in bf16");
    let pure = run(Precision::Device, &device);
    let mixed = run(Precision::Bf16Mixed, &device);
    assert_eq!(mixed.outputs.len(), pure.outputs.len());
    for (a, b) in mixed.outputs.iter().zip(&pure.outputs) {
        assert_eq!(a.name, b.name);
        assert_eq!(
            Agreement::of(&a.values, &b.values).max_rel,
            0.0,
            "{}: first forward pass differs",
            a.name
        );
    }
    assert!(mixed.grads.len() >= 20, "{} gradients", mixed.grads.len());
    for (a, b) in mixed.grads.iter().zip(&pure.grads) {
        assert_eq!(
            Agreement::of(&a.values, &b.values).max_rel,
            0.0,
            "{}: first gradient differs",
            a.name
        );
    }
    say(&format!("pure  {:?}\nmixed {:?}", pure.losses, mixed.losses));
    assert_eq!(mixed.losses.len(), 12);
    assert!(mixed.losses.iter().all(|l| l.is_finite()), "{:?}", mixed.losses);
    assert_eq!(mixed.losses[0], pure.losses[0]);
    let parted = mixed
        .losses
        .iter()
        .zip(&pure.losses)
        .map(|(m, p)| (m - p).abs() / p.abs())
        .fold(0f32, f32::max);
    assert!(
        parted > 1e-2,
        "mixed and pure bf16 trained alike ({parted:.2e}): the f32 masters kept nothing bf16 lost"
    );
}
