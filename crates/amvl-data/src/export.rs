//! `export`: writes a suite split as JSONL + PNGs + `tokenizer.json`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::DataError;
use crate::item::LETTERS;
use crate::jsonl::{IMAGE_DIR, JSONL_FILE, write_jsonl};
use crate::suite::{DEFAULT_IMAGE_SIZE, SuiteDataset};
use crate::task::{Split, Task};
use crate::tokenizer::AmvlTokenizer;

/// The tokenizer file `export` writes.
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// What to export.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    pub seed: u64,
    pub split: Split,
    pub tasks: Vec<Task>,
    pub per_task: usize,
    pub image_size: u32,
    pub out: PathBuf,
    /// Overwrite a non-empty output folder.
    pub force: bool,
    /// Items per task and split whose text trains the tokenizer.
    pub tokenizer_items_per_task: usize,
}

impl ExportOptions {
    pub fn new(split: Split, per_task: usize, out: impl Into<PathBuf>) -> Self {
        Self {
            seed: 0,
            split,
            tasks: Task::ALL.to_vec(),
            per_task,
            image_size: DEFAULT_IMAGE_SIZE,
            out: out.into(),
            force: false,
            tokenizer_items_per_task: 200,
        }
    }
}

/// What `export` wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSummary {
    pub items: usize,
    pub images: usize,
    /// Items per task.
    pub per_task: BTreeMap<String, usize>,
    /// Answer-letter counts per task.
    pub letters: BTreeMap<String, BTreeMap<char, usize>>,
    pub vocab_size: usize,
    pub out: PathBuf,
}

impl std::fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "wrote {} items ({} images) to {}; tokenizer vocabulary {}",
            self.items,
            self.images,
            self.out.display(),
            self.vocab_size
        )?;
        for (task, n) in &self.per_task {
            let letters: Vec<String> = self
                .letters
                .get(task)
                .map(|m| m.iter().map(|(l, c)| format!("{l}:{c}")).collect())
                .unwrap_or_default();
            writeln!(f, "  {task:<22} {n:>6} items, answers {}", letters.join(" "))?;
        }
        Ok(())
    }
}

/// Refuses a non-empty folder unless `force`; with `force`, removes what a previous export
/// wrote there (and only that).
pub fn prepare_out_dir(out: &Path, force: bool) -> Result<(), DataError> {
    if out.exists() {
        let non_empty = fs::read_dir(out).map_err(|e| DataError::io(out, e))?.next().is_some();
        if non_empty && !force {
            return Err(DataError::Invalid(format!(
                "{} is not empty; pass --force to overwrite",
                out.display()
            )));
        }
        if non_empty {
            for name in [JSONL_FILE, TOKENIZER_FILE] {
                let p = out.join(name);
                if p.is_file() {
                    fs::remove_file(&p).map_err(|e| DataError::io(&p, e))?;
                }
            }
            let img = out.join(IMAGE_DIR);
            if img.is_dir() {
                fs::remove_dir_all(&img).map_err(|e| DataError::io(&img, e))?;
            }
        }
    }
    fs::create_dir_all(out).map_err(|e| DataError::io(out, e))
}

/// Writes `out/data.jsonl`, `out/images/*.png` and `out/tokenizer.json`.
/// Byte-identical for identical options.
pub fn export_suite(opts: &ExportOptions) -> Result<ExportSummary, DataError> {
    if opts.tasks.is_empty() {
        return Err(DataError::Invalid("no task selected".into()));
    }
    prepare_out_dir(&opts.out, opts.force)?;
    let ds = SuiteDataset::new(
        opts.seed,
        opts.split,
        opts.tasks.clone(),
        opts.per_task,
        opts.image_size,
    );
    let mut per_task = BTreeMap::new();
    let mut letters: BTreeMap<String, BTreeMap<char, usize>> = BTreeMap::new();
    let mut images = 0;
    let items = (0..ds.len()).map(|i| {
        let item = ds.get(i);
        *per_task.entry(item.task.clone()).or_insert(0) += 1;
        if let Some(a) = item.answer {
            *letters
                .entry(item.task.clone())
                .or_default()
                .entry(LETTERS[a])
                .or_insert(0) += 1;
        }
        images += item.images.len();
        Ok(item)
    });
    let n = write_jsonl(&opts.out, items)?;
    let tok = AmvlTokenizer::train_on_suite(opts.seed, &opts.tasks, opts.tokenizer_items_per_task)?;
    tok.save(opts.out.join(TOKENIZER_FILE))?;
    Ok(ExportSummary {
        items: n,
        images,
        per_task,
        letters,
        vocab_size: tok.vocab_size(),
        out: opts.out.clone(),
    })
}
