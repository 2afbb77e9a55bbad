#![allow(dead_code)]

use amvl_train::run::{TrainRequest, load_run, run_training};
use amvl_train::session::DataSource;
use amvl_train::{Progress, RunConfig, StepRecord, StopAt};
use burn::prelude::*;
use burn::store::ModuleSnapshot;
use std::path::{Path, PathBuf};

/// A progress sink that prints nothing.
pub struct Quiet;
impl Progress for Quiet {
    fn record(&mut self, _: &StepRecord, _: u64) {}
    fn message(&mut self, _: &str) {}
}

/// (name, raw bytes) of every parameter of the run's final model, sorted by name.
pub fn parameters(run: &Path) -> Vec<(String, Vec<u8>)> {
    let (_, _, model) = load_run(run, &Device::flex()).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = model
        .collect(None, None, false)
        .into_iter()
        .map(|tensor| {
            let (name, _, _, _, bytes) = tensor.into_parts().unwrap();
            (name, bytes.to_vec())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// (name, f32 values) of every parameter of the run's final model, sorted by name.
pub fn weights(run: &Path) -> Vec<(String, Vec<f32>)> {
    parameters(run)
        .into_iter()
        .map(|(name, bytes)| {
            let values = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (name, values)
        })
        .collect()
}

/// Trains `config` on the suite into `out` on flex, quietly, start to end; returns `out`.
pub fn train_suite(config: RunConfig, out: PathBuf) -> PathBuf {
    let request = TrainRequest {
        pretrained: Default::default(),
        config,
        data: DataSource::Suite,
        out: out.clone(),
        resume: false,
        stop: StopAt(None),
    };
    run_training(&request, &Device::flex(), &mut Quiet).unwrap();
    out
}

/// configs/tiny.toml cut down to a few seconds: 2 tasks, batch 4, 6 steps.
pub fn tiny_run_config() -> RunConfig {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs/tiny.toml");
    let mut config = RunConfig::load(&path).expect("tiny config");
    config.data.tasks = vec!["counting".into(), "spatial_relation".into()];
    config.data.train_per_task = 16;
    config.data.eval_per_task = 4;
    config.train.steps = 6;
    config.train.batch_size = 4;
    config.train.log_every = 2;
    config.train.checkpoint_every = 100;
    config.loss.warmup_steps = 2;
    config
}
