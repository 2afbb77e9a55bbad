//! Turning a run config and a `--data` argument into datasets, a tokenizer and a batcher.

use amvl_data::{
    AmvlBatcher, AmvlTokenizer, AnyDataset, BatcherConfig, BlinkDataset, BlinkSplit, ItemSource, JsonlDataset,
    JsonlOptions, Split, SuiteDataset, Task,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::config::RunConfig;

/// `--data suite` (the embedded benchmark) or `--data DIR` (a JSONL export or BLINK parquet folder).
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    Suite,
    Dir(PathBuf),
}

impl FromStr for DataSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "suite" {
            return Ok(DataSource::Suite);
        }
        let path = PathBuf::from(s);
        if !path.is_dir() {
            return Err(format!("--data {s}: not `suite` and not a folder"));
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

pub fn tasks(config: &RunConfig) -> Result<Vec<Task>, String> {
    if config.data.tasks.is_empty() {
        return Ok(Task::ALL.to_vec());
    }
    Task::parse_list(&config.data.tasks.join(",")).map_err(|e| e.to_string())
}

fn is_blink(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().is_dir() && std::fs::read_dir(e.path()).is_ok_and(|mut f| f.any(|x| x.is_ok_and(|x| x.file_name().to_string_lossy().ends_with(".parquet")))))
        })
        .unwrap_or(false)
}

/// The items of `split` (`train`, `val`, `test-id`, `test-ood`) from `source`. For a folder:
/// `DIR/data.jsonl` (all splits read the same file unless `DIR/<split>/data.jsonl` exists), or
/// BLINK parquet (`train`/`val`/`test-id` read `val`, `test-ood` reads `test`).
pub fn open_split(source: &DataSource, config: &RunConfig, split: &str, per_task: usize) -> Result<AnyDataset, String> {
    match source {
        DataSource::Suite => {
            let split = Split::from_str(split).map_err(|e| e.to_string())?;
            Ok(SuiteDataset::new(
                config.data.suite_seed,
                split,
                tasks(config)?,
                per_task,
                config.model.vision.image_size as u32,
            )
            .into())
        }
        DataSource::Dir(dir) => {
            if is_blink(dir) {
                let blink_split = if split == "test" || split == "test-ood" { BlinkSplit::Test } else { BlinkSplit::Val };
                return Ok(BlinkDataset::open(dir, blink_split).map_err(|e| e.to_string())?.into());
            }
            let per_split = dir.join(split).join(amvl_data::JSONL_FILE);
            let file = if per_split.is_file() { per_split } else { dir.join(amvl_data::JSONL_FILE) };
            let options = JsonlOptions {
                skip_bad: config.data.skip_bad,
                ..JsonlOptions::default()
            };
            Ok(JsonlDataset::open(&file, options).map_err(|e| e.to_string())?.into())
        }
    }
}

/// The tokenizer: `DIR/tokenizer.json` when the data folder has one, otherwise one trained on the
/// suite's text (for `suite`) or on the training items' text.
pub fn tokenizer(source: &DataSource, config: &RunConfig, train: &dyn ItemSource) -> Result<AmvlTokenizer, String> {
    match source {
        DataSource::Suite => {
            let per_task = config.data.train_per_task.min(500);
            AmvlTokenizer::train_on_suite(config.data.suite_seed, &tasks(config)?, per_task).map_err(|e| e.to_string())
        }
        DataSource::Dir(dir) => {
            let file = dir.join(amvl_data::TOKENIZER_FILE);
            if file.is_file() {
                return AmvlTokenizer::from_file(&file).map_err(|e| e.to_string());
            }
            let mut texts = Vec::with_capacity(train.len());
            for i in 0..train.len() {
                let item = train.item(i).map_err(|e| e.to_string())?;
                texts.push(format!("{} {}", item.prompt(), item.rationale.unwrap_or_default()));
            }
            AmvlTokenizer::train_on_texts(texts).map_err(|e| e.to_string())
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
pub fn generate_options(config: &RunConfig, tokenizer: &AmvlTokenizer, latent: amvl_model::LatentChoice) -> amvl_model::GenerateOptions {
    answering(&batcher_config(config), tokenizer, latent)
}

/// [`generate_options`] from the batcher's settings.
pub fn answering(batcher: &BatcherConfig, tokenizer: &AmvlTokenizer, latent: amvl_model::LatentChoice) -> amvl_model::GenerateOptions {
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
