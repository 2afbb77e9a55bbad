//! Shared by the cross-backend tests: the tiny run config, the wgpu device (or a visible skip),
//! and a batch built once on flex and copied to other devices.
#![allow(dead_code)]

use amvl::burn::tensor::FloatDType;
use amvl_bench::backends::{DeviceStatus, probe_device};
use amvl_train::RunConfig;
use std::io::Write;
use std::path::PathBuf;

/// configs/tiny.toml with two tasks and batch 4: few distinct kernel shapes on lavapipe.
pub fn tiny_run_config() -> RunConfig {
    // From the source tree, or from the working directory when the test binary was carried to
    // another machine (scripts/gpu-check.sh runs it from a copy of the repository).
    let built_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/tiny.toml");
    let path = if built_in.is_file() {
        built_in
    } else {
        PathBuf::from("configs/tiny.toml")
    };
    let mut config = RunConfig::load(&path).expect("tiny config");
    config.data.tasks = vec!["counting".into(), "object_localization".into()];
    config.data.train_per_task = 16;
    config.train.batch_size = 4;
    config.loss.warmup_steps = 2;
    config
}

/// Written straight to the process's stderr, past the test harness's capture, so a skip is seen.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// `name`'s device with `float` as its dtype, or `None` after a visible skip message. Under CI
/// (`CI` set) a missing wgpu adapter is a failure: `.ci/run` installs lavapipe. CUDA skips
/// everywhere it is absent (CI has no GPU).
pub fn device_or_skip(name: &str, test: &str, float: FloatDType) -> Option<amvl::burn::tensor::Device> {
    match probe_device(name, float) {
        DeviceStatus::Ready { device, .. } => Some(device),
        DeviceStatus::NotCompiled(why) | DeviceStatus::Unavailable(why) => {
            if name == "wgpu" && std::env::var_os("CI").is_some() {
                panic!("{test}: wgpu must run in CI, but: {why}");
            }
            say(&format!("SKIPPED {test}: {why}"));
            None
        }
    }
}
