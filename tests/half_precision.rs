//! Half precision stays within the stated tolerance of flex in f32: the forward outputs and
//! every gradient (and, in bf16, a few training steps). Its own test binary: a device's float
//! dtype is set once per process. wgpu (lavapipe in CI) runs f16; CUDA runs f16 and bf16 where
//! a GPU is present and skips visibly elsewhere.
mod backend_common;

use amvl::burn::tensor::FloatDType;
use amvl_bench::backends::{DeviceStatus, ParityOptions, Tolerances, compare, probe_device};
use backend_common::*;

/// Compares `name` in `float` with flex f32; skips visibly when the device or the dtype is absent.
fn half_agrees(name: &str, float: FloatDType, test: &str) {
    match probe_device(name, float) {
        DeviceStatus::Ready { .. } => {}
        DeviceStatus::Unavailable(why) if why.contains("does not support") => {
            say(&format!("SKIPPED {test}: {why}"));
            return;
        }
        DeviceStatus::NotCompiled(why) | DeviceStatus::Unavailable(why) => {
            if name == "wgpu" && std::env::var_os("CI").is_some() {
                panic!("wgpu must run in CI, but: {why}");
            }
            say(&format!("SKIPPED {test}: {why}"));
            return;
        }
    }
    let mut options = ParityOptions::new(tiny_run_config(), std::env::temp_dir().join("amvl-tests"));
    options.steps = 4;
    options.float = float;
    options.tolerances = Tolerances::for_dtype(float);
    let report = compare(&options, &[name.to_string()]).expect("comparison runs");
    say(&report.table());
    let device = &report.devices[0];
    assert_eq!(device.status, "compared", "{device:?}");
    assert!(device.groups.len() >= 10, "{:?}", device.groups);
    for g in &device.groups {
        assert!(
            g.max_rel <= g.tolerance,
            "{name} {}: relative error {:.3e} > {:.0e}",
            g.group,
            g.max_rel,
            g.tolerance
        );
        assert!(
            g.max_rel > 0.0,
            "{name} {}: identical to f32 — was {float:?} really used?",
            g.group
        );
    }
}

#[test]
fn wgpu_in_f16_stays_close_to_flex_in_f32() {
    half_agrees("wgpu", FloatDType::F16, "wgpu_in_f16");
}

#[test]
fn cuda_in_bf16_stays_close_to_flex_in_f32() {
    half_agrees("cuda", FloatDType::BF16, "cuda_in_bf16");
}
