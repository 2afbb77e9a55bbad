//! `[train] check_every`: the loss terms read to the host every N steps instead of every step.
//! The run and its metrics are the same; a non-finite loss still stops it, at the next read.
mod common;

use amvl_train::run::{TrainRequest, run_training};
use amvl_train::session::DataSource;
use amvl_train::{InvalidConfig, RunError, StopAt, TrainError};
use burn::prelude::*;
use common::{Quiet, tiny_run_config, train_suite, weights};
use std::path::{Path, PathBuf};

fn records(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn flat(run: &Path) -> Vec<f32> {
    weights(run).into_iter().flat_map(|(_, v)| v).collect()
}

#[test]
fn reading_every_few_steps_changes_neither_the_run_nor_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let every = |n: u64| {
        let mut config = tiny_run_config();
        config.train.check_every = n;
        train_suite(config, dir.path().join(format!("check{n}")))
    };
    let (one, four) = (every(1), every(4));
    let (a, b) = (flat(&one), flat(&four));
    let diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(diff == 0.0, "weights differ by {diff}");
    let (ra, rb) = (records(&one), records(&four));
    assert_eq!(ra.len(), 3);
    assert_eq!(ra.len(), rb.len());
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x["step"], y["step"]);
        for key in ["total", "ntp", "forward", "reverse", "kl_qp", "kl_pq"] {
            let (p, q) = (x[key].as_f64().unwrap(), y[key].as_f64().unwrap());
            assert!(
                (p - q).abs() <= 1e-5 * p.abs().max(1.0),
                "step {}: {key} {p} vs {q}",
                x["step"]
            );
        }
    }
}

fn diverging(check_every: u64, out: PathBuf) -> RunError {
    let mut config = tiny_run_config();
    config.train.learning_rate = 1e30;
    config.train.check_every = check_every;
    let request = TrainRequest {
        pretrained: Default::default(),
        config,
        data: DataSource::Suite,
        out,
        resume: false,
        stop: StopAt(None),
    };
    match run_training(&request, &Device::flex(), &mut Quiet) {
        Ok(_) => panic!("a learning rate of 1e30 trained to the end"),
        Err(e) => e,
    }
}

#[test]
fn a_non_finite_loss_stops_the_run_either_way_and_no_checkpoint_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let each = diverging(1, dir.path().join("each"));
    assert!(
        matches!(each, RunError::Train(TrainError::NonFinite { .. })),
        "{each:?}"
    );
    let each = each.to_string();
    assert!(
        each.contains("non-finite loss at step") && each.contains("no NaN reached the weights"),
        "{each}"
    );
    let later = diverging(3, dir.path().join("later"));
    assert!(
        matches!(
            later,
            RunError::Train(TrainError::NonFiniteWindow { check_every: 3, .. })
        ),
        "{later:?}"
    );
    let later = later.to_string();
    assert!(
        later.contains("non-finite loss in steps") && later.contains("train.check_every = 3"),
        "{later}"
    );
    let saved = std::fs::read_dir(dir.path().join("later/checkpoints")).map_or(0, |d| d.count());
    assert_eq!(saved, 0, "a checkpoint was written after the non-finite loss");
}

#[test]
fn check_every_is_validated() {
    let mut config = tiny_run_config();
    config.train.check_every = 0;
    let error = config.validate().unwrap_err();
    assert_eq!(error, InvalidConfig::CheckEvery(0));
    assert!(error.to_string().contains("train.check_every"));
    config.train.check_every = 5;
    config.validate().unwrap();
    config.train.skip_nonfinite = true;
    let error = config.validate().unwrap_err();
    assert_eq!(error, InvalidConfig::CheckEvery(5));
    assert!(error.to_string().contains("1 with train.skip_nonfinite"), "{error}");
}
