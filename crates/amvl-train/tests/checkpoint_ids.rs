//! Checkpoints bring back parameter ids (the optimizer's moments are keyed by them) and survive
//! a crash in the middle of a write.
mod common;

use amvl_train::trainer::{init_model, optimizer};
use amvl_train::{Checkpoints, TrainState};
use burn::prelude::*;
use common::tiny_run_config;

fn state(step: u64) -> TrainState {
    TrainState {
        step,
        seed: 0,
        samples_seen: 0,
        skipped_steps: 0,
        elapsed_seconds: 0.0,
    }
}

#[test]
fn loading_a_checkpoint_restores_parameter_ids() {
    let dir = tempfile::tempdir().unwrap();
    let config = tiny_run_config();
    let device = Device::flex().autodiff();
    let model = init_model(&config, &device);
    let saved_id = model.decoder.norm.gamma.id;
    let checkpoints = Checkpoints::new(dir.path());
    let path = checkpoints.save(&model, &optimizer(&config), &state(1)).unwrap();
    let fresh = init_model(&config, &device);
    assert_ne!(fresh.decoder.norm.gamma.id, saved_id);
    let loaded = Checkpoints::load_model(&path, fresh).unwrap();
    assert_eq!(loaded.decoder.norm.gamma.id, saved_id);
}

#[test]
fn a_crash_while_writing_leaves_the_previous_checkpoint_loadable() {
    let dir = tempfile::tempdir().unwrap();
    let config = tiny_run_config();
    let device = Device::flex().autodiff();
    let model = init_model(&config, &device);
    let checkpoints = Checkpoints::new(dir.path());
    let first = checkpoints.save(&model, &optimizer(&config), &state(1)).unwrap();
    // The process died while writing step 2: a half-written folder and a half-written pointer.
    let partial = dir.path().join(".partial-step-00000002");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("model.bpk"), b"\x00\x01truncated").unwrap();
    std::fs::write(dir.path().join(".latest.tmp"), b"step-0000").unwrap();
    assert_eq!(checkpoints.latest().unwrap(), first);
    assert_eq!(Checkpoints::load_state(&first).unwrap().step, 1);
    Checkpoints::load_model(&first, init_model(&config, &device)).unwrap();
    // The next save succeeds and replaces the debris.
    let second = checkpoints.save(&model, &optimizer(&config), &state(2)).unwrap();
    assert_eq!(checkpoints.latest().unwrap(), second);
    assert!(!partial.exists());
    assert!(first.exists(), "the previous checkpoint is kept");
}
