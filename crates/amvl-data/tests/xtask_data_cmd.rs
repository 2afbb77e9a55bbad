//! Temporary: compiles and exercises xtask's `data` command module from this crate.
#[path = "../../../xtask/src/data_cmd.rs"]
mod data_cmd;

use clap::Parser;

#[derive(clap::Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: data_cmd::DataCommand,
}

#[test]
fn export_preview_check_commands_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    let o = out.to_str().unwrap();
    let run = |args: &[&str]| {
        data_cmd::run(
            Cli::try_parse_from(std::iter::once("data").chain(args.iter().copied()))
                .unwrap()
                .cmd,
        )
    };
    run(&[
        "export",
        "--split",
        "test-ood",
        "--per-task",
        "2",
        "--out",
        o,
        "--tasks",
        "counting,jigsaw",
        "--image-size",
        "32",
        "--tokenizer-items",
        "10",
    ])
    .unwrap();
    assert!(out.join("data.jsonl").is_file() && out.join("tokenizer.json").is_file());
    let e = run(&[
        "export",
        "--split",
        "test-ood",
        "--per-task",
        "2",
        "--out",
        o,
        "--tasks",
        "counting",
    ])
    .unwrap_err();
    assert!(format!("{e:#}").contains("--force"));
    run(&["check", o]).unwrap();
    let sheet = d.path().join("sheet.png");
    run(&[
        "preview",
        "--split",
        "val",
        "--out",
        sheet.to_str().unwrap(),
        "--per-task",
        "1",
        "--tasks",
        "iq_test",
    ])
    .unwrap();
    assert!(image::open(&sheet).is_ok());
    assert!(
        Cli::try_parse_from([
            "data",
            "export",
            "--split",
            "nope",
            "--per-task",
            "1",
            "--out",
            o
        ])
        .is_err()
    );
}
