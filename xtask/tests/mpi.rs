//! Data-parallel training over MPI (`--features mpi`; `mpirun` on the PATH): two ranks end with
//! the single-process run's weights, a checkpoint written by two ranks resumes in one process,
//! and a rank that dies or hangs stops the run with a clear error, its last checkpoint intact.
#![cfg(feature = "mpi")]

use amvl_train::{Checkpoints, RunConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// configs/tiny.toml: 12 steps of 2 micro-batches of 4, a checkpoint every 4 steps.
fn config(dir: &Path, grad_accum: usize) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut config = RunConfig::load(&root.join("configs/tiny.toml")).unwrap();
    config.data.tasks = vec!["counting".into(), "spatial_relation".into()];
    config.data.train_per_task = 32;
    config.train.steps = 12;
    config.train.batch_size = 4;
    config.train.grad_accum = grad_accum;
    config.train.checkpoint_every = 4;
    config.train.log_every = 4;
    config.train.collective_timeout_s = 5;
    let path = dir.join(format!("dp-{grad_accum}.toml"));
    std::fs::write(&path, toml::to_string_pretty(&config).unwrap()).unwrap();
    path
}

fn train(config: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "train",
        "--no-eval",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.into_iter().map(String::from).collect()
}

fn single(args: &[String]) -> Output {
    Command::new(XTASK).args(args).output().unwrap()
}

fn mpirun(ranks: usize, args: &[String], env: &[(&str, &str)]) -> Option<Output> {
    let mut command = Command::new("mpirun");
    command.args(["--allow-run-as-root", "--oversubscribe", "-np", &ranks.to_string()]);
    for (key, value) in env {
        command.env(key, value).args(["-x", key]);
    }
    match command.arg(XTASK).args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("SKIPPED: cannot run mpirun ({e})");
            None
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Largest |a − b| over the f32 tensors of two safetensors files with the same names.
fn max_difference(a: &Path, b: &Path) -> f32 {
    fn tensors(path: &Path) -> std::collections::BTreeMap<String, Vec<f32>> {
        let bytes = std::fs::read(path).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let data = &bytes[8 + n..];
        header
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "__metadata__")
            .map(|(k, v)| {
                let offsets = &v["data_offsets"];
                let (s, e) = (
                    offsets[0].as_u64().unwrap() as usize,
                    offsets[1].as_u64().unwrap() as usize,
                );
                let values = data[s..e]
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()));
                (k.clone(), values.collect())
            })
            .collect()
    }
    let (a, b) = (tensors(a), tensors(b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    a.iter()
        .flat_map(|(k, va)| va.iter().zip(&b[k]).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f32::max)
}

#[test]
fn two_ranks_train_the_single_process_run_and_resume_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), 2);
    let reference = dir.path().join("single");
    let out = single(&train(&config, &reference, &[]));
    assert!(out.status.success(), "{}", text(&out));

    let two = dir.path().join("two-ranks");
    let Some(out) = mpirun(2, &train(&config, &two, &[]), &[]) else {
        return;
    };
    assert!(out.status.success(), "{}", text(&out));
    let model = "model.safetensors";
    let difference = max_difference(&reference.join(model), &two.join(model));
    assert!(difference <= 1e-5, "two ranks differ from one process by {difference}");
    assert_eq!(
        std::fs::read_to_string(reference.join("metrics.csv"))
            .unwrap()
            .lines()
            .count(),
        std::fs::read_to_string(two.join("metrics.csv"))
            .unwrap()
            .lines()
            .count()
    );

    let resumed = dir.path().join("resumed");
    let out = mpirun(2, &train(&config, &resumed, &["--stop-after", "8"]), &[]).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!resumed.join(model).exists());
    let out = single(&train(&config, &resumed, &["--resume"]));
    assert!(out.status.success(), "{}", text(&out));
    let difference = max_difference(&reference.join(model), &resumed.join(model));
    assert!(difference <= 1e-5, "resumed at world size 1: {difference}");
}

fn fault(kind: &str) -> Option<(Output, Duration, PathBuf, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), 2);
    let out = dir.path().join(kind);
    let started = Instant::now();
    let spec = format!("1:6:{kind}");
    let output = mpirun(2, &train(&config, &out, &[]), &[("AMVL_CHAOS_RANK_FAULT", &spec)])?;
    Some((output, started.elapsed(), out, dir))
}

/// Runs the two-rank job with rank 1 failing at step 6 as `kind` says; the others must stop
/// within a minute, non-zero, with the step-4 checkpoint intact. Returns what they printed.
fn assert_stopped(kind: &str) -> Option<String> {
    let (out, took, run, _dir) = fault(kind)?;
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let good = Checkpoints::new(run.join("checkpoints"))
        .newest_good()
        .unwrap()
        .unwrap();
    assert!(good.path.ends_with("step-00000004"), "{:?}", good.path);
    Some(text)
}

#[test]
fn a_rank_that_hangs_stops_the_run_with_an_error_within_the_timeout() {
    if let Some(text) = assert_stopped("hang") {
        assert!(
            text.contains("did not complete within 5 s") && text.contains("step 6"),
            "{text}"
        );
    }
}

#[test]
fn a_rank_that_dies_stops_the_run_and_the_last_checkpoint_stays_good() {
    assert_stopped("exit");
}

#[test]
fn a_world_size_that_does_not_divide_the_micro_batches_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), 3);
    let Some(out) = mpirun(2, &train(&config, &dir.path().join("odd"), &[]), &[]) else {
        return;
    };
    assert!(!out.status.success());
    let text = text(&out);
    assert!(
        text.contains("grad_accum = 3 is not a multiple of the world size 2"),
        "{text}"
    );
}

#[test]
fn the_bench_times_a_data_parallel_step_and_records_the_world_size() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let args: Vec<String> = [
        "bench",
        "--config",
        "tiny",
        "--figures",
        "train_shared",
        "--steps",
        "3",
        "--warmup",
        "1",
        "--micro-batches",
        "2",
        "--json",
        json.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let Some(out) = mpirun(2, &args, &[]) else {
        return;
    };
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("2 micro-batches over 2 MPI ranks"),
        "{}",
        text(&out)
    );
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(record["world_size"], 2);
    assert_eq!(record["figures"]["train_shared"]["n"], 3);
}
