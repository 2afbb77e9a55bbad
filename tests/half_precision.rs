//! A half-precision forward and training run on wgpu stays within the stated tolerance of flex
//! in f32. Its own test binary: the float dtype is set once per device and process.
mod backend_common;

use amvl::burn::tensor::FloatDType;
use amvl_train::backends::{DeviceStatus, ParityOptions, Tolerances, compare, probe_device};
use backend_common::*;

#[test]
fn wgpu_in_f16_stays_close_to_flex_in_f32() {
    match probe_device("wgpu", FloatDType::F16) {
        DeviceStatus::Ready { .. } => {}
        DeviceStatus::Unavailable(why) if why.contains("does not support") => {
            say(&format!("SKIPPED wgpu_in_f16: the adapter has no f16 ({why})"));
            return;
        }
        DeviceStatus::NotCompiled(why) | DeviceStatus::Unavailable(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("wgpu must run in CI, but: {why}");
            }
            say(&format!("SKIPPED wgpu_in_f16: {why}"));
            return;
        }
    }
    let mut options = ParityOptions::new(tiny_run_config(), std::env::temp_dir().join("amvl-tests"));
    options.steps = 4;
    options.float = FloatDType::F16;
    options.tolerances = Tolerances::for_dtype(FloatDType::F16);
    let report = compare(&options, &["wgpu".to_string()]).expect("comparison runs");
    say(&report.table());
    let wgpu = &report.devices[0];
    assert_eq!(wgpu.status, "compared", "{wgpu:?}");
    for g in &wgpu.groups {
        assert!(g.max_rel <= g.tolerance, "{}: relative error {:.3e} > {:.0e}", g.group, g.max_rel, g.tolerance);
        assert!(g.max_rel > 0.0, "{}: f16 identical to f32 — was f16 really used?", g.group);
    }
}
