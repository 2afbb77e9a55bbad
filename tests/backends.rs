//! flex and wgpu compute the same model: outputs, every gradient, a short training run, and
//! checkpoints that move between them. Skips visibly without a wgpu adapter (never in CI).
mod backend_common;

use amvl::burn::prelude::*;
use amvl::burn::tensor::FloatDType;
use amvl_bench::backends::{DeviceStatus, ParityOptions, compare, probe_device, to_host};
use amvl_train::trainer::{init_model, optimizer};
use amvl_train::{Checkpoints, TrainState};
use backend_common::*;

/// Compares `name` with flex over a few steps and checks every group is within tolerance.
fn agrees_with_flex(name: &str, test: &str) {
    if device_or_skip(name, test, FloatDType::F32).is_none() {
        return;
    }
    let mut options = ParityOptions::new(tiny_run_config(), std::env::temp_dir().join("amvl-tests"));
    options.steps = 4;
    let report = compare(&options, &[name.to_string()]).expect("comparison runs");
    say(&report.table());
    let device = &report.devices[0];
    assert_eq!(device.status, "compared");
    let groups: Vec<&str> = device.groups.iter().map(|g| g.group.as_str()).collect();
    for expected in [
        "logits",
        "prior mean",
        "prior log_std",
        "posterior mean",
        "posterior log_std",
        "loss terms",
        "grad vision",
        "grad projector",
        "grad decoder",
        "grad latent",
        "loss, 4 steps",
    ] {
        assert!(groups.contains(&expected), "missing group {expected}: {groups:?}");
    }
    for g in &device.groups {
        assert!(
            g.max_rel <= g.tolerance,
            "{name} {}: relative error {:.3e} > {:.0e}",
            g.group,
            g.max_rel,
            g.tolerance
        );
    }
}

#[test]
fn flex_and_wgpu_agree_on_outputs_gradients_and_training() {
    agrees_with_flex("wgpu", "flex_and_wgpu_agree");
}

#[test]
fn flex_and_cuda_agree_on_outputs_gradients_and_training() {
    agrees_with_flex("cuda", "flex_and_cuda_agree");
}

#[test]
fn a_backend_that_is_not_built_in_is_reported_not_passed() {
    let mut options = ParityOptions::new(tiny_run_config(), std::env::temp_dir().join("amvl-tests"));
    options.steps = 1;
    let report = compare(&options, &["cuda".to_string(), "tpu".to_string()]).expect("comparison runs");
    let cuda = &report.devices[0];
    if cfg!(feature = "cuda") {
        assert_ne!(cuda.status, "not compiled");
    } else {
        assert_eq!(cuda.status, "not compiled", "{cuda:?}");
        assert!(
            cuda.reason.as_deref().unwrap_or("").contains("--features cuda"),
            "{cuda:?}"
        );
    }
    assert_eq!(report.devices[1].status, "unavailable");
    assert!(!cuda.passed() || cfg!(feature = "cuda"));
    assert!(report.table().contains("UNAVAILABLE"), "{}", report.table());
}

/// Forward outputs of `model` on a fixed batch and latent noise made on flex, copied to `device`.
fn outputs(model: &amvl::AmvlModel, device: &Device) -> Vec<f32> {
    let config = tiny_run_config();
    let flex = Device::flex();
    let suite = amvl_train::session::DataSource::Suite;
    let items = amvl_train::session::open_split(&suite, &config, amvl_data::Split::Train, 16).unwrap();
    let tok = amvl_train::session::tokenizer(&amvl_train::session::DataSource::Suite, &config, &items).unwrap();
    let batcher = amvl_train::session::batcher(&config, tok);
    let batch = amvl_train::batches::ItemBatches {
        items: &items,
        batcher: &batcher,
    };
    let batch = amvl_train::BatchSource::batch(&batch, &[0, 5, 17, 30], &flex)
        .unwrap()
        .to_device(device);
    let latent = &config.model.latent;
    let noise = amvl::core::random::standard_normal([4, latent.slots, latent.d_latent], 5, device);
    let out = model.forward_train_with(&batch, true, Some(noise));
    let mut v = to_host(out.logits);
    v.extend(to_host(out.prior.unwrap().mean));
    v.extend(to_host(out.posterior.unwrap().log_std));
    v
}

fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, x| m.max(x.abs()));
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
}

fn checkpoint_round_trip(from: &Device, to: &Device, dir: &std::path::Path) -> f32 {
    let mut config = tiny_run_config();
    config.model.decoder.vocab_size = 512;
    let model = init_model(&config, from);
    let state = TrainState {
        step: 3,
        seed: 0,
        samples_seen: 12,
        skipped_steps: 0,
        elapsed_seconds: 0.0,
    };
    let checkpoints = Checkpoints::new(dir);
    let saved = checkpoints.save(&model, &optimizer(&config), &state).expect("save");
    let loaded = Checkpoints::load_model(&saved, init_model(&config, to)).expect("load on the other backend");
    assert_eq!(Checkpoints::load_state(&saved).unwrap(), state);
    max_rel(&outputs(&loaded, to), &outputs(&model, from))
}

#[test]
fn checkpoints_move_between_flex_and_wgpu() {
    let Some(wgpu) = device_or_skip("wgpu", "checkpoints_move_between_flex_and_wgpu", FloatDType::F32) else {
        return;
    };
    let flex = Device::flex();
    let dir = std::env::temp_dir().join(format!("amvl-portable-{}", std::process::id()));
    let flex_to_wgpu = checkpoint_round_trip(&flex, &wgpu, &dir.join("a"));
    let wgpu_to_flex = checkpoint_round_trip(&wgpu, &flex, &dir.join("b"));
    let _ = std::fs::remove_dir_all(&dir);
    say(&format!(
        "checkpoint flex→wgpu max rel {flex_to_wgpu:.2e}, wgpu→flex {wgpu_to_flex:.2e}"
    ));
    assert!(flex_to_wgpu < 1e-4, "flex → wgpu: {flex_to_wgpu:.3e}");
    assert!(wgpu_to_flex < 1e-4, "wgpu → flex: {wgpu_to_flex:.3e}");
}

#[test]
fn probing_reports_a_working_flex() {
    assert!(matches!(
        probe_device("flex", FloatDType::F32),
        DeviceStatus::Ready { .. }
    ));
}
