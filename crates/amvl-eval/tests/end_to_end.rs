//! Train → checkpoint → evaluate on the tiny config, and exact resume.
#[path = "../../amvl-train/tests/common/mod.rs"]
mod common;

use amvl_data::Split;
use amvl_eval::EvalOptions;
use amvl_eval::run_eval;
use amvl_train::run::{FINAL_MODEL_FILE, TrainRequest, load_run, run_training};
use amvl_train::session::DataSource;
use amvl_train::{Checkpoints, MetricsLog, RunError, StopAt};
use burn::prelude::*;
use common::{Quiet, parameters as weights, tiny_run_config};

/// Burn seeds its random generator per process, so tests that train must not interleave.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn request(out: &std::path::Path, resume: bool, stop: Option<u64>) -> TrainRequest {
    TrainRequest {
        pretrained: Default::default(),
        config: tiny_run_config(),
        data: DataSource::Suite,
        out: out.to_path_buf(),
        resume,
        stop: StopAt(stop),
    }
}

#[test]
fn train_checkpoint_and_evaluate_end_to_end() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let device = Device::flex();
    let (outcome, config, tok) = run_training(&request(&out, false, None), &device, &mut Quiet).unwrap();
    assert_eq!(outcome.state.step, 6);
    assert!(out.join(FINAL_MODEL_FILE).is_file());
    assert!(out.join("config.toml").is_file() && out.join("tokenizer.json").is_file());
    assert_eq!(Checkpoints::load_state(&outcome.last_checkpoint).unwrap().step, 6);
    let records = MetricsLog::read(&out).unwrap();
    assert_eq!(records.iter().map(|r| r.step).collect::<Vec<_>>(), vec![2, 4, 6]);
    assert!(
        records
            .iter()
            .all(|r| r.total.is_finite() && (r.total - (r.ntp + r.forward + r.reverse)).abs() < 1e-4)
    );

    let (_, _, model) = load_run(&out, &device).unwrap();
    let options = EvalOptions {
        taus: vec![0.2],
        batch_size: 4,
        controls: true,
        seed: 0,
        ..EvalOptions::default()
    };
    let report = run_eval(
        &out,
        &model,
        &config,
        tok,
        &DataSource::Suite,
        &[Split::TestId],
        &options,
        &device,
    )
    .unwrap();
    assert_eq!(report.tasks.len(), 2);
    for task in &report.tasks {
        assert_eq!(task.scorable, 4);
        for label in [
            "prior_mean",
            "prior_tau_0.2",
            "posterior_mean",
            "zero",
            "shuffled",
            "swapped",
            "removed",
        ] {
            let acc = task.accuracy[label];
            assert!((0.0..=1.0).contains(&acc), "{label}: {acc}");
        }
        assert_eq!(task.kl_per_slot.len(), 4);
    }
    assert!(out.join("eval.json").is_file());

    // The run folder is never overwritten by a second, fresh run.
    let again = run_training(&request(&out, false, None), &device, &mut Quiet);
    let again = again.unwrap_err();
    assert!(matches!(again, RunError::AlreadyHoldsRun(_)), "{again:?}");
    assert!(again.to_string().contains("--resume"));
}

#[test]
fn interrupted_and_resumed_run_ends_with_the_same_weights() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let straight = dir.path().join("straight");
    run_training(&request(&straight, false, None), &device, &mut Quiet).unwrap();

    let resumed = dir.path().join("resumed");
    let (first, _, _) = run_training(&request(&resumed, false, Some(3)), &device, &mut Quiet).unwrap();
    assert_eq!(first.state.step, 3);
    assert!(!resumed.join(FINAL_MODEL_FILE).exists());
    let (second, _, _) = run_training(&request(&resumed, true, None), &device, &mut Quiet).unwrap();
    assert_eq!(second.state.step, 6);

    let (a, b) = (weights(&straight), weights(&resumed));
    assert_eq!(a.len(), b.len());
    for ((name_a, wa), (name_b, wb)) in a.iter().zip(&b) {
        assert_eq!(name_a, name_b);
        assert_eq!(wa, wb, "{name_a} differs after resume");
    }
    let steps: Vec<u64> = MetricsLog::read(&resumed).unwrap().iter().map(|r| r.step).collect();
    assert_eq!(steps, vec![2, 3, 4, 6]);
}

#[test]
fn a_rationale_first_run_trains_and_is_scored_after_its_answer_marker() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chain");
    let device = Device::flex();
    let mut req = request(&out, false, None);
    req.config.data.rationale_before_answer = true;
    req.config.data.max_answer_len = 64;
    req.config.data.truncate = true;
    let (outcome, config, tok) = run_training(&req, &device, &mut Quiet).unwrap();
    assert_eq!(outcome.state.step, 6);
    let (_, _, model) = load_run(&out, &device).unwrap();
    let options = amvl_train::session::generate_options(&config, &tok, amvl_model::LatentChoice::PriorMean);
    assert_eq!(
        (options.answer_start, options.answer_marker),
        (tok.rationale_id(), Some(tok.answer_id()))
    );
    assert_eq!(options.max_new_tokens, 65);
    let eval = EvalOptions {
        taus: vec![],
        batch_size: 4,
        controls: false,
        seed: 0,
        ..EvalOptions::default()
    };
    let report = run_eval(
        &out,
        &model,
        &config,
        tok,
        &DataSource::Suite,
        &[Split::TestId],
        &eval,
        &device,
    )
    .unwrap();
    for task in &report.tasks {
        assert_eq!(task.scorable, 4);
        assert!((0.0..=1.0).contains(&task.accuracy["prior_mean"]));
    }

    let mut both = config.clone();
    both.data.rationale_after_answer = true;
    let error = both.validate().unwrap_err();
    assert_eq!(error, amvl_train::InvalidConfig::RationaleBothWays);
    assert!(error.to_string().contains("exclude each other"));
}
