//! `train --dtype`: bf16 trains (in its own process: the dtype is fixed per device and process)
//! with a finite, falling loss and a non-negative KL; f16 and unknown dtypes are refused.

use std::path::Path;
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

/// (ntp, kl(q‖p)) per logged step from `metrics.csv`.
fn metrics(run: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(run.join("metrics.csv")).expect("metrics.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ntp, kl) = (col("ntp"), col("kl_qp"));
    lines
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            (v[ntp], v[kl])
        })
        .collect()
}

#[test]
fn bf16_training_on_flex_learns_with_a_non_negative_kl() {
    let run = std::env::temp_dir().join(format!("amvl-bf16-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run);
    let (ok, out, err) = xtask(&[
        "train",
        "--config",
        "configs/tiny.toml",
        "--dtype",
        "bf16",
        "--steps",
        "20",
        "--no-eval",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(ok, "{out}\n{err}");
    let m = metrics(&run);
    let _ = std::fs::remove_dir_all(&run);
    assert_eq!(m.len(), 4, "{m:?}");
    assert!(m.iter().all(|(ntp, kl)| ntp.is_finite() && kl.is_finite()), "{m:?}");
    assert!(m.iter().all(|&(_, kl)| kl >= 0.0), "KL(q‖p) < 0 in bf16: {m:?}");
    assert!(m[3].0 < 0.8 * m[0].0, "bf16 loss did not fall: {m:?}");
}

#[test]
fn f16_and_unknown_dtypes_are_refused_with_the_reason() {
    let (ok, _, err) = xtask(&["train", "--config", "configs/tiny.toml", "--dtype", "f16", "--no-eval"]);
    assert!(!ok && err.contains("bf16") && err.contains("underflow"), "{err}");
    let (ok, _, err) = xtask(&["train", "--config", "configs/tiny.toml", "--dtype", "f8", "--no-eval"]);
    assert!(!ok && err.contains("`f8`"), "{err}");
}
