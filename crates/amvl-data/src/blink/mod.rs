//! Reader for the released BLINK benchmark parquet files, from a local folder.
//!
//! Layout: one folder per sub-task, each with `val-*.parquet` and `test-*.parquet`
//! (parquet files directly inside the folder are read too). Columns: `idx`, `sub_task`,
//! `question`, `choices` (list of strings), `answer` (`"(A)"`, or `"hidden"` in test),
//! `image_1` … `image_4` (structs of `bytes` and `path`; absent images are null), and
//! optionally `explanation` (used as the rationale when present).
//! Hidden answers are loaded as unscorable items (`Item::answer == None`), never as wrong.

mod columns;
mod rows;
mod split;

use std::path::{Path, PathBuf};

pub use split::BlinkSplit;

use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::Item;
use crate::record::Records;

/// BLINK (or any parquet with its schema) read from a local folder.
#[derive(Clone, Debug)]
pub struct BlinkDataset {
    dir: PathBuf,
    split: BlinkSplit,
    records: Records,
}

impl BlinkDataset {
    /// Reads every `{split}-*.parquet` under `dir` (and its sub-task folders).
    pub fn open(dir: impl AsRef<Path>, split: BlinkSplit) -> Result<Self, DataError> {
        let dir = dir.as_ref().to_path_buf();
        let files = rows::split_files(&dir, split)?;
        if files.is_empty() {
            let message = format!(
                "no `{}-*.parquet` files in this folder or its sub-task folders",
                split.name()
            );
            return Err(rows::parquet_error(&dir, message));
        }
        let mut records = Vec::new();
        for f in &files {
            rows::read_file(f, split, &mut records)?;
        }
        Ok(Self {
            dir,
            split,
            records: Records::new(records),
        })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The split read.
    pub fn split(&self) -> BlinkSplit {
        self.split
    }

    /// Number of items whose answer is known.
    pub fn scorable(&self) -> usize {
        self.records.iter().filter(|r| r.answer.is_some()).count()
    }

    /// The sub-tasks present, sorted.
    pub fn sub_tasks(&self) -> Vec<String> {
        let mut t: Vec<String> = self.records.iter().map(|r| r.task.clone()).collect();
        t.sort();
        t.dedup();
        t
    }

    /// Item `i` with its images decoded.
    pub fn get(&self, i: usize) -> Result<Item, DataError> {
        self.records.item(i)
    }
}

impl ItemSource for BlinkDataset {
    fn len(&self) -> usize {
        self.records.len()
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        self.records.item(i)
    }
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.records.image_count(i)
    }
    fn describe(&self) -> String {
        format!(
            "BLINK {} from {} ({} items, {} scorable, {} sub-tasks)",
            self.split,
            self.dir.display(),
            self.records.len(),
            self.scorable(),
            self.sub_tasks().len()
        )
    }
}
