//! `cargo xtask chaos` in small: three runs killed with SIGKILL at seeded moments (one aimed
//! inside checkpoint writes) and resumed end with the reference run's weights, byte for byte.

use std::process::Command;

#[test]
fn killed_and_resumed_runs_end_bit_identical_to_the_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("chaos.json");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "chaos",
            "--trials",
            "3",
            "--steps",
            "60",
            "--checkpoint-every",
            "5",
            "--seed",
            "1",
        ])
        .arg("--out")
        .arg(dir.path().join("runs"))
        .arg("--json")
        .arg(&json)
        .output()
        .expect("xtask runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["equal"], 3, "{stdout}");
    assert_eq!(report["trials"].as_array().unwrap().len(), 3);
    assert!(report["kills"].as_u64().unwrap() >= 2, "too few kills landed: {stdout}");
    assert!(stdout.contains("3 of 3 bit-identical"), "{stdout}");
}
