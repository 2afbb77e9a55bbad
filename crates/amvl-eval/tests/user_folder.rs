//! A user's JSONL folder is evaluated once per split it holds: a folder without split
//! subfolders once, as `all` (not once per asked split, which would score the same items twice).
#[path = "../../amvl-train/tests/common/mod.rs"]
mod common;

use amvl_data::{ExportOptions, Split, Task, export_suite};
use amvl_eval::{EvalOptions, run_eval};
use amvl_train::session::{DataSource, EvalSplit, eval_splits, tokenizer};
use amvl_train::trainer::init_model;
use burn::prelude::*;
use common::tiny_run_config;
use std::path::Path;

const PER_TASK: usize = 3;

fn export(split: Split, out: &Path, image_size: u32) {
    let options = ExportOptions {
        tasks: vec![Task::Counting, Task::SpatialRelation],
        image_size,
        tokenizer_items_per_task: 20,
        ..ExportOptions::new(split, PER_TASK, out)
    };
    export_suite(&options).unwrap();
}

#[test]
fn a_folder_without_split_subfolders_is_evaluated_once_as_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = tiny_run_config();
    let image_size = config.model.vision.image_size as u32;
    let flat = dir.path().join("flat");
    export(Split::TestId, &flat, image_size);
    let asked = [Split::TestId, Split::TestOod];
    let data = DataSource::Dir(flat.clone());
    assert_eq!(eval_splits(&data, &asked), vec![EvalSplit::All]);

    let device = Device::flex();
    let items = amvl_data::JsonlDataset::open(flat.join(amvl_data::JSONL_FILE), Default::default()).unwrap();
    let tok = tokenizer(&data, &config, &items).unwrap();
    config.model.decoder.vocab_size = tok.vocab_size();
    let model = init_model(&config, &device);
    let options = EvalOptions {
        taus: Vec::new(),
        batch_size: 8,
        controls: false,
        ..EvalOptions::default()
    };
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let report = run_eval(&run, &model, &config, tok, &data, &asked, &options, &device).unwrap();
    assert_eq!(report.splits(), vec!["all".to_string()]);
    let items: usize = report.tasks.iter().map(|t| t.items).sum();
    assert_eq!(items, 2 * PER_TASK, "every item once");
    assert!(run.join("eval.json").is_file());
}

#[test]
fn a_folder_with_split_subfolders_is_evaluated_per_subfolder() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("nested");
    export(Split::TestId, &nested.join("test-id"), 64);
    let data = DataSource::Dir(nested.clone());
    let asked = [Split::TestId, Split::TestOod];
    assert_eq!(eval_splits(&data, &asked), vec![EvalSplit::Split(Split::TestId)]);
    export(Split::TestOod, &nested.join("test-ood"), 64);
    let both = eval_splits(&data, &asked);
    assert_eq!(
        both,
        vec![EvalSplit::Split(Split::TestId), EvalSplit::Split(Split::TestOod)]
    );
    assert_eq!(
        both.iter().map(|s| s.label()).collect::<Vec<_>>(),
        ["test-id", "test-ood"]
    );
    // The suite always has every split.
    assert_eq!(eval_splits(&DataSource::Suite, &asked).len(), 2);
}
