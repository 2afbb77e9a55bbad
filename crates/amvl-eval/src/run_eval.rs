//! Evaluating a trained run folder: each split's items, the evaluator, `eval.json` and `eval.md`.

use amvl_data::{AmvlTokenizer, Split};
use amvl_model::AmvlModel;
use amvl_train::RunConfig;
use amvl_train::atomic::write_atomic;
use amvl_train::session::{DataSource, batcher, eval_splits, open_eval_split};
use burn::prelude::*;
use std::path::Path;

use crate::error::EvalError;
use crate::evaluator::{EvalOptions, evaluate};
use crate::report::EvalReport;

/// Evaluates on each of `splits` (a JSONL folder without split subfolders: once, as `all`; see
/// [`eval_splits`]); writes `eval.json` and `eval.md` into `run`.
pub fn run_eval(
    run: &Path,
    model: &AmvlModel,
    config: &RunConfig,
    tok: AmvlTokenizer,
    data: &DataSource,
    splits: &[Split],
    options: &EvalOptions,
    device: &Device,
) -> Result<EvalReport, EvalError> {
    let batcher = batcher(config, tok);
    let options = &EvalOptions {
        latent_path: config.loss.objective.latent_path(),
        ..options.clone()
    };
    let mut report = EvalReport::default();
    for split in eval_splits(data, splits) {
        let items = open_eval_split(data, config, split, config.data.eval_per_task)?;
        let part = evaluate(model, &items, &batcher, split, options, device)?;
        report.tasks.extend(part.tasks);
        report.probes.extend(part.probes);
    }
    let json = serde_json::to_string_pretty(&report)?;
    for (file, text) in [("eval.json", json), ("eval.md", report.table())] {
        let path = run.join(file);
        write_atomic(&path, text.as_bytes()).map_err(|source| EvalError::Io { path, source })?;
    }
    Ok(report)
}
