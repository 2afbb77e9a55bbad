//! `cargo xtask bench` plumbing on the tiny size: the JSON record states the fixed shapes and
//! carries every figure, the derived ratios and where it was measured. Numbers, never timing.

use std::path::PathBuf;
use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amvl-bench-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_record_has_the_fixed_shapes_and_every_field() {
    let path = temp("tiny.json");
    let (ok, stdout, stderr) = xtask(&[
        "bench",
        "--config",
        "tiny",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--micro-batches",
        "1",
        "--peak-tflops",
        "0.5",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("amvl-burn tiny b=4 on flex f32"), "{stdout}");
    assert!(stdout.contains("model TFLOP/s (MFU "), "{stdout}");
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let shape = &record["shape"];
    for (key, value) in [
        ("batch", 4),
        ("image_size", 32),
        ("images_per_sample", 1),
        ("image_tokens", 16),
        ("question_len", 12),
        ("answer_len", 6),
        ("latent_slots", 4),
        ("vocab", 512),
        ("prefix_len", 28),
        ("full_len", 44),
        ("decode_tokens", 64),
    ] {
        assert_eq!(shape[key], value, "shape.{key}");
    }
    for figure in [
        "train_shared",
        "train_naive",
        "train_one_pass",
        "prefill",
        "decode_cached",
        "decode_recompute",
    ] {
        let f = &record["figures"][figure];
        assert_eq!(f["n"], 2, "{figure}");
        assert_eq!(f["warmup_s"].as_array().map(Vec::len), Some(1), "{figure}");
        let (p10, median, p90) = (
            f["p10_s"].as_f64().unwrap(),
            f["median_s"].as_f64().unwrap(),
            f["p90_s"].as_f64().unwrap(),
        );
        assert!(0.0 < p10 && p10 <= median && median <= p90, "{figure}: {f}");
    }
    for key in [
        "samples_per_s",
        "decoder_tokens_per_s",
        "shared_over_one_pass",
        "kv_cache_speedup",
    ] {
        assert!(
            record["derived"][key].as_f64().is_some_and(|v| v > 0.0),
            "derived.{key}"
        );
    }
    assert_eq!(record["device"], "flex");
    assert_eq!(record["dtype"], "f32");
    assert_eq!(record["micro_batches"], 1);
    assert_eq!(record["loss_finite"], true);
    assert!(record["date_utc"].as_str().unwrap().ends_with('Z'));
    assert!(record["machine"]["threads"].as_u64().unwrap() >= 1);
    assert!(record["memory"]["host_peak_rss_bytes"].as_u64().unwrap() > 0);
    assert_eq!(record["spec"]["model"]["decoder"]["vocab_size"], 512);
    let flops = &record["flops"];
    let step_flops = flops["model"]["train_step"].as_f64().unwrap();
    assert!(step_flops > 0.0);
    assert_eq!(flops["peak_tflops"], 0.5);
    for figure in ["train_shared", "train_naive", "train_one_pass"] {
        let median = record["figures"][figure]["median_s"].as_f64().unwrap();
        let achieved = flops["achieved_tflops"][figure].as_f64().unwrap();
        assert!(
            (achieved - step_flops / median / 1e12).abs() < 1e-9 * achieved,
            "{figure}"
        );
        let mfu = flops["mfu"][figure].as_f64().unwrap();
        assert!((mfu - achieved / 0.5).abs() < 1e-9, "{figure}");
    }
    assert!(flops["mfu"].get("prefill").is_none());
}

#[test]
fn the_checked_in_specs_are_what_the_bench_builds() {
    // bench/specs/*.json are what the PyTorch reference reads with --config NAME.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    for name in ["tiny", "small", "base"] {
        let path = temp(&format!("{name}-spec.json"));
        let (ok, _, stderr) = xtask(&["bench", "--config", name, "--write-spec", path.to_str().unwrap()]);
        assert!(ok, "{stderr}");
        let built: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let shipped_path = root.join(format!("bench/specs/{name}.json"));
        let shipped: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&shipped_path).unwrap()).unwrap();
        assert_eq!(
            built,
            shipped,
            "{} is stale: run `cargo xtask bench --config {name} --write-spec bench/specs/{name}.json`",
            shipped_path.display()
        );
    }
}

#[test]
fn bad_bench_arguments_are_named() {
    let (ok, _, err) = xtask(&["bench", "--config", "huge"]);
    assert!(
        !ok && err.contains("huge") && err.contains("tiny, small, base"),
        "{err}"
    );
    let (ok, _, err) = xtask(&["bench", "--config", "tiny", "--dtype", "f8"]);
    assert!(!ok && err.contains("f8"), "{err}");
    let (ok, _, err) = xtask(&["bench", "--config", "tiny", "--figures", "train_fast"]);
    assert!(
        !ok && err.contains("train_fast") && err.contains("decode_cached"),
        "{err}"
    );
}

#[test]
fn parallel_micro_batches_are_stated_in_the_record() {
    let path = temp("tiny-micro.json");
    let (ok, stdout, stderr) = xtask(&[
        "bench",
        "--config",
        "tiny",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--figures",
        "train_shared",
        "--micro-batches",
        "2",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("tiny b=4 (2 parallel micro-batches) on flex"),
        "{stdout}"
    );
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(record["micro_batches"], 2);
    assert_eq!(record["loss_finite"], true);
    let (ok, _, stderr) = xtask(&["bench", "--config", "tiny", "--steps", "1", "--micro-batches", "5"]);
    assert!(!ok && stderr.contains("5 micro-batches for a batch of 4"), "{stderr}");
}

#[test]
fn bf16_mixed_is_timed_and_recorded_as_such() {
    let path = temp("tiny-mixed.json");
    let (ok, stdout, stderr) = xtask(&[
        "bench",
        "--config",
        "tiny",
        "--precision",
        "bf16-mixed",
        "--figures",
        "train_shared,prefill",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("on flex bf16-mixed"), "{stdout}");
    let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(record["dtype"], "bf16-mixed");
    assert_eq!(record["figures"]["train_shared"]["n"], 2);
    assert!(
        record["loss_after_bench"].as_f64().is_some_and(f64::is_finite),
        "{record}"
    );
}
