//! `xtask data export|check|preview`: the commands run end to end on a small suite split, refuse
//! to overwrite without `--force`, and report bad input with the file, line and field.

use std::path::Path;
use std::process::Command;

/// Runs `xtask data <args>`: (success, stdout, stderr).
fn data(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("data")
        .args(args)
        .output()
        .expect("xtask runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn export(out: &Path, tasks: &str, extra: &[&str]) -> (bool, String, String) {
    let out = out.to_str().unwrap();
    let base = [
        "export",
        "--split",
        "test-ood",
        "--per-task",
        "2",
        "--out",
        out,
        "--tasks",
        tasks,
    ];
    data(&[&base[..], extra].concat())
}

#[test]
fn export_check_and_preview_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    let (ok, stdout, stderr) = export(
        &out,
        "counting,jigsaw",
        &["--image-size", "32", "--tokenizer-items", "10"],
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(out.join("data.jsonl").is_file() && out.join("tokenizer.json").is_file());

    let (ok, _, stderr) = export(&out, "counting", &[]);
    assert!(!ok && stderr.contains("--force"), "{stderr}");

    let (ok, stdout, stderr) = data(&["check", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("4 items loaded") && stdout.contains("0 skipped"),
        "{stdout}"
    );

    let sheet = d.path().join("sheet.png");
    let args = [
        "preview",
        "--split",
        "val",
        "--out",
        sheet.to_str().unwrap(),
        "--per-task",
        "1",
        "--tasks",
        "iq_test",
    ];
    let (ok, stdout, stderr) = data(&args);
    assert!(ok, "{stdout}{stderr}");
    let img = amvl_data::load_image(&sheet, "preview test").expect("the sheet is a readable image");
    assert!(img.width() > 0 && img.height() > 0);
}

#[test]
fn check_names_the_line_and_field_of_bad_input() {
    let d = tempfile::tempdir().unwrap();
    let line = r#"{"id":"a","task":"t","images":["a.png"],"question":"q","options":["x","y"],"answer":"C"}"#;
    std::fs::write(d.path().join("data.jsonl"), format!("{line}\n")).unwrap();
    let (ok, _, stderr) = data(&["check", d.path().to_str().unwrap()]);
    assert!(!ok && stderr.contains("data.jsonl:1: field `answer`"), "{stderr}");
}

#[test]
fn an_unknown_split_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    let (ok, _, stderr) = data(&[
        "export",
        "--split",
        "nope",
        "--per-task",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("nope"), "{stderr}");
    assert!(!out.exists());
}
