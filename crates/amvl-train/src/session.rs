//! Turning a run config and a `--data` argument into datasets, a tokenizer and a batcher.

use amvl_data::{
    AmvlBatcher, AmvlTokenizer, AnyDataset, BatcherConfig, BlinkDataset, BlinkSplit, DataError, ItemSource,
    JsonlDataset, JsonlOptions, Split, SuiteDataset, Task,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::config::RunConfig;
use crate::error::BadDataSource;

/// `--data suite` (the embedded benchmark) or `--data DIR` (a JSONL export or BLINK parquet folder).
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    Suite,
    Dir(PathBuf),
}

impl FromStr for DataSource {
    type Err = BadDataSource;
    fn from_str(s: &str) -> Result<Self, BadDataSource> {
        if s == "suite" {
            return Ok(DataSource::Suite);
        }
        let path = PathBuf::from(s);
        if !path.is_dir() {
            return Err(BadDataSource(s.to_string()));
        }
        Ok(DataSource::Dir(path))
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::Suite => f.write_str("suite"),
            DataSource::Dir(p) => write!(f, "{}", p.display()),
        }
    }
}

pub fn tasks(config: &RunConfig) -> Result<Vec<Task>, DataError> {
    if config.data.tasks.is_empty() {
        return Ok(Task::ALL.to_vec());
    }
    Task::parse_list(&config.data.tasks.join(","))
}

fn is_blink(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries.flatten().any(|e| {
                e.path().is_dir()
                    && std::fs::read_dir(e.path()).is_ok_and(|mut f| {
                        f.any(|x| x.is_ok_and(|x| x.file_name().to_string_lossy().ends_with(".parquet")))
                    })
            })
        })
        .unwrap_or(false)
}

/// The items of `split` from `source`. For a folder: `DIR/data.jsonl` (all splits read the same
/// file unless `DIR/<split>/data.jsonl` exists), or BLINK parquet (`train`/`val`/`test-id` read
/// `val`, `test-ood` reads `test`).
pub fn open_split(
    source: &DataSource,
    config: &RunConfig,
    split: Split,
    per_task: usize,
) -> Result<AnyDataset, DataError> {
    match source {
        DataSource::Suite => Ok(SuiteDataset::new(
            config.data.suite_seed,
            split,
            tasks(config)?,
            per_task,
            config.model.vision.image_size as u32,
        )
        .into()),
        DataSource::Dir(dir) => {
            if is_blink(dir) {
                let blink_split = if split == Split::TestOod {
                    BlinkSplit::Test
                } else {
                    BlinkSplit::Val
                };
                return Ok(BlinkDataset::open(dir, blink_split)?.into());
            }
            let per_split = split_file(dir, split);
            open_jsonl(
                config,
                if per_split.is_file() {
                    per_split
                } else {
                    dir.join(amvl_data::JSONL_FILE)
                },
            )
        }
    }
}

/// `DIR/<split>/data.jsonl`.
fn split_file(dir: &Path, split: Split) -> PathBuf {
    dir.join(split.name()).join(amvl_data::JSONL_FILE)
}

fn open_jsonl(config: &RunConfig, file: PathBuf) -> Result<AnyDataset, DataError> {
    let options = JsonlOptions {
        skip_bad: config.data.skip_bad,
        ..JsonlOptions::default()
    };
    Ok(JsonlDataset::open(&file, options)?.into())
}

/// What one evaluation pass covers, and the label of its rows in `eval.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalSplit {
    /// A split of the suite or of a BLINK folder, or a JSONL folder's `<split>/` subfolder.
    Split(Split),
    /// A JSONL folder without split subfolders: all of its items (`DIR/data.jsonl`), once.
    All,
}

impl EvalSplit {
    /// The label of its rows (`test-id`, …, or `all`).
    pub fn label(self) -> &'static str {
        match self {
            EvalSplit::Split(split) => split.name(),
            EvalSplit::All => "all",
        }
    }
}

impl std::fmt::Display for EvalSplit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What evaluating `splits` of `source` covers: each split, except for a JSONL folder, where
/// only the asked splits that have a `<split>/data.jsonl` subfolder are evaluated, and a folder
/// with none of them is evaluated once as a whole ([`EvalSplit::All`]): its splits would all
/// read the same `data.jsonl`.
pub fn eval_splits(source: &DataSource, splits: &[Split]) -> Vec<EvalSplit> {
    match source {
        DataSource::Dir(dir) if !is_blink(dir) => {
            let own: Vec<EvalSplit> = splits
                .iter()
                .filter(|&&s| split_file(dir, s).is_file())
                .map(|&s| EvalSplit::Split(s))
                .collect();
            if own.is_empty() { vec![EvalSplit::All] } else { own }
        }
        _ => splits.iter().map(|&s| EvalSplit::Split(s)).collect(),
    }
}

/// The items that `part` of `source` covers (see [`open_split`]).
pub fn open_eval_split(
    source: &DataSource,
    config: &RunConfig,
    part: EvalSplit,
    per_task: usize,
) -> Result<AnyDataset, DataError> {
    match (part, source) {
        (EvalSplit::Split(split), _) => open_split(source, config, split, per_task),
        (EvalSplit::All, DataSource::Dir(dir)) => open_jsonl(config, dir.join(amvl_data::JSONL_FILE)),
        (EvalSplit::All, DataSource::Suite) => unreachable!("the suite is evaluated split by split"),
    }
}

/// The tokenizer: `DIR/tokenizer.json` when the data folder has one, otherwise one trained on the
/// suite's text (for `suite`) or on the training items' text.
pub fn tokenizer(source: &DataSource, config: &RunConfig, train: &dyn ItemSource) -> Result<AmvlTokenizer, DataError> {
    match source {
        DataSource::Suite => {
            let per_task = config.data.train_per_task.min(500);
            AmvlTokenizer::train_on_suite(config.data.suite_seed, &tasks(config)?, per_task)
        }
        DataSource::Dir(dir) => {
            let file = dir.join(amvl_data::TOKENIZER_FILE);
            if file.is_file() {
                return AmvlTokenizer::from_file(&file);
            }
            let mut texts = Vec::with_capacity(train.len());
            for i in 0..train.len() {
                let item = train.item(i)?;
                texts.push(format!("{} {}", item.prompt(), item.rationale.unwrap_or_default()));
            }
            AmvlTokenizer::train_on_texts(texts)
        }
    }
}

pub fn batcher_config(config: &RunConfig) -> BatcherConfig {
    let vision = &config.model.vision;
    let channel = |v: &[f32], i: usize| v.get(i).copied().unwrap_or(0.5);
    BatcherConfig {
        image_size: vision.image_size,
        max_images: config.data.max_images,
        mean: [0, 1, 2].map(|i| channel(&vision.image_mean, i)),
        std: [0, 1, 2].map(|i| channel(&vision.image_std, i)),
        max_question_len: config.data.max_question_len,
        max_target_len: config.data.max_target_len,
        max_answer_len: config.data.max_answer_len,
        target_mode: config.model.target,
        rationale_after_answer: config.data.rationale_after_answer,
        rationale_before_answer: config.data.rationale_before_answer,
        truncate: config.data.truncate,
    }
}

pub fn batcher(config: &RunConfig, tokenizer: AmvlTokenizer) -> AmvlBatcher {
    AmvlBatcher::new(batcher_config(config), Arc::new(tokenizer))
}

/// How a run's model answers (as the evaluator does): greedy from `<answer>` for two tokens, or,
/// when the run decodes its rationale first, from `<rationale>` until one token after `<answer>`.
pub fn generate_options(
    config: &RunConfig,
    tokenizer: &AmvlTokenizer,
    latent: amvl_model::LatentChoice,
) -> amvl_model::GenerateOptions {
    answering(&batcher_config(config), tokenizer, latent)
}

/// [`generate_options`] from the batcher's settings.
pub fn answering(
    batcher: &BatcherConfig,
    tokenizer: &AmvlTokenizer,
    latent: amvl_model::LatentChoice,
) -> amvl_model::GenerateOptions {
    let start = batcher.answer_start(tokenizer);
    if batcher.rationale_before_answer {
        amvl_model::GenerateOptions {
            answer_marker: Some(tokenizer.answer_id()),
            ..amvl_model::GenerateOptions::greedy(latent, batcher.max_answer_len + 1, start, tokenizer.eos_id())
        }
    } else {
        amvl_model::GenerateOptions::greedy(latent, 2, start, tokenizer.eos_id())
    }
}
