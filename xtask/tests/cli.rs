//! Bad command lines fail fast with a message that names the problem.

use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn unknown_variant_is_named_with_the_choices() {
    let (ok, err) = xtask(&["train", "--variant", "amvll", "--no-eval"]);
    assert!(!ok);
    assert!(err.contains("amvll") && err.contains("amvl_reverse_first"), "{err}");
}

#[test]
fn unknown_flag_is_refused() {
    let (ok, err) = xtask(&["train", "--stepz", "3"]);
    assert!(!ok);
    assert!(err.contains("--stepz"), "{err}");
}

#[test]
fn unknown_device_and_bad_config_are_reported() {
    let (ok, err) = xtask(&["train", "--device", "tpu", "--config", "configs/tiny.toml"]);
    assert!(!ok && err.contains("`tpu`"), "{err}");
    let dir = std::env::temp_dir().join(format!("amvl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[train]\nstep = 3\n").unwrap();
    let (ok, err) = xtask(&["train", "--config", bad.to_str().unwrap()]);
    assert!(!ok && err.contains("`step`") && err.contains("steps"), "{err}");
    let (ok, err) = xtask(&[
        "train",
        "--config",
        "configs/tiny.toml",
        "--data",
        "/definitely/not/here",
    ]);
    assert!(!ok && err.contains("/definitely/not/here"), "{err}");
}

#[cfg(not(feature = "mpi"))]
#[test]
fn a_multi_rank_mpi_launch_without_the_mpi_feature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "train",
            "--config",
            "configs/tiny.toml",
            "--no-eval",
            "--steps",
            "1",
            "--out",
        ])
        .arg(dir.path().join("run"))
        .env("OMPI_COMM_WORLD_SIZE", "2")
        .output()
        .expect("xtask runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--features mpi"), "{err}");
    assert!(!dir.path().join("run").exists(), "nothing was trained");
}

#[test]
fn bf16_mixed_with_another_dtype_is_refused_by_every_command() {
    for command in ["train", "bench", "backends"] {
        let (ok, err) = xtask(&[command, "--precision", "bf16-mixed", "--dtype", "f16"]);
        assert!(!ok && err.contains("drop --dtype f16"), "{command}: {err}");
    }
}
