#![allow(dead_code)]

use amvl_train::RunConfig;
use std::path::PathBuf;

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
