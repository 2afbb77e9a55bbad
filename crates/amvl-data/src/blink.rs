//! Reader for the released BLINK benchmark parquet files, from a local folder.
//!
//! Layout: one folder per sub-task, each with `val-*.parquet` and `test-*.parquet`
//! (parquet files directly inside the folder are read too). Columns: `idx`, `sub_task`,
//! `question`, `choices` (list of strings), `answer` (`"(A)"`, or `"hidden"` in test),
//! `image_1` … `image_4` (structs of `bytes` and `path`; absent images are null), and
//! optionally `explanation` (used as the rationale when present).
//! Hidden answers are loaded as unscorable items (`Item::answer == None`), never as wrong.

use std::fmt;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::{Item, MAX_OPTIONS, parse_letter};
use crate::jsonl::{load_image, safe_join};

/// The two released BLINK splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlinkSplit {
    /// Answers given.
    Val,
    /// Answers hidden: every item is unscorable.
    Test,
}

impl BlinkSplit {
    pub fn name(self) -> &'static str {
        match self {
            BlinkSplit::Val => "val",
            BlinkSplit::Test => "test",
        }
    }
}

impl fmt::Display for BlinkSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BlinkSplit {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "val" | "validation" => Ok(BlinkSplit::Val),
            "test" => Ok(BlinkSplit::Test),
            other => Err(DataError::UnknownName {
                kind: "BLINK split",
                given: other.into(),
                expected: "val, test".into(),
            }),
        }
    }
}

/// Where one image's bytes are.
#[derive(Clone, Debug)]
enum ImageRef {
    Bytes(Arc<[u8]>),
    File(PathBuf),
}

#[derive(Clone, Debug)]
struct Record {
    id: String,
    sub_task: String,
    question: String,
    options: Vec<String>,
    answer: Option<usize>,
    rationale: Option<String>,
    images: Vec<ImageRef>,
    /// "file.parquet row N", for errors.
    origin: String,
}

/// BLINK (or any parquet with its schema) read from a local folder.
#[derive(Clone, Debug)]
pub struct BlinkDataset {
    dir: PathBuf,
    split: BlinkSplit,
    records: Vec<Record>,
}

fn perr(file: &Path, message: impl Into<String>) -> DataError {
    DataError::Parquet {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

fn string_at(a: &dyn Array, row: usize) -> Option<String> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Some(a.as_string_view().value(row).to_string()),
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::Int32 => Some(a.as_primitive::<Int32Type>().value(row).to_string()),
        _ => None,
    }
}

fn binary_at(a: &dyn Array, row: usize) -> Option<Vec<u8>> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Binary => Some(a.as_binary::<i32>().value(row).to_vec()),
        DataType::LargeBinary => Some(a.as_binary::<i64>().value(row).to_vec()),
        DataType::BinaryView => Some(a.as_binary_view().value(row).to_vec()),
        _ => None,
    }
}

fn strings_at(a: &dyn Array, row: usize) -> Option<Vec<String>> {
    if a.is_null(row) {
        return None;
    }
    let values = match a.data_type() {
        DataType::List(_) => a.as_list::<i32>().value(row),
        DataType::LargeList(_) => a.as_list::<i64>().value(row),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            // A list printed as JSON text.
            return serde_json::from_str::<Vec<String>>(&string_at(a, row)?).ok();
        }
        _ => return None,
    };
    (0..values.len())
        .map(|k| string_at(values.as_ref(), k))
        .collect()
}

/// The `.parquet` files of a split under `dir`, sorted.
fn split_files(dir: &Path, split: BlinkSplit) -> Result<Vec<PathBuf>, DataError> {
    let prefix = format!("{}-", split.name());
    let mut out = Vec::new();
    let scan = |d: &Path, out: &mut Vec<PathBuf>| -> Result<Vec<PathBuf>, DataError> {
        let mut subdirs = Vec::new();
        for e in fs::read_dir(d).map_err(|e| DataError::io(d, e))? {
            let e = e.map_err(|e| DataError::io(d, e))?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                subdirs.push(p);
            } else if name.starts_with(&prefix) && name.ends_with(".parquet") {
                out.push(p);
            }
        }
        Ok(subdirs)
    };
    let subdirs = scan(dir, &mut out)?;
    for s in subdirs {
        scan(&s, &mut out)?;
    }
    out.sort();
    Ok(out)
}

impl BlinkDataset {
    /// Reads every `{split}-*.parquet` under `dir` (and its sub-task folders).
    pub fn open(dir: impl AsRef<Path>, split: BlinkSplit) -> Result<Self, DataError> {
        let dir = dir.as_ref().to_path_buf();
        let files = split_files(&dir, split)?;
        if files.is_empty() {
            return Err(perr(
                &dir,
                format!(
                    "no `{}-*.parquet` files in this folder or its sub-task folders",
                    split.name()
                ),
            ));
        }
        let mut records = Vec::new();
        for f in &files {
            read_file(f, split, &mut records)?;
        }
        Ok(Self {
            dir,
            split,
            records,
        })
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn split(&self) -> BlinkSplit {
        self.split
    }

    /// Number of items whose answer is known.
    pub fn scorable(&self) -> usize {
        self.records.iter().filter(|r| r.answer.is_some()).count()
    }

    /// The sub-tasks present, sorted.
    pub fn sub_tasks(&self) -> Vec<String> {
        let mut t: Vec<String> = self.records.iter().map(|r| r.sub_task.clone()).collect();
        t.sort();
        t.dedup();
        t
    }

    /// Item `i` with its images decoded.
    pub fn get(&self, i: usize) -> Result<Item, DataError> {
        let r = self.records.get(i).ok_or_else(|| {
            DataError::Invalid(format!(
                "index {i} out of range ({} items)",
                self.records.len()
            ))
        })?;
        let mut images = Vec::with_capacity(r.images.len());
        for (k, im) in r.images.iter().enumerate() {
            let img = match im {
                ImageRef::Bytes(b) => {
                    image::load_from_memory(b)
                        .map(|i| i.to_rgb8())
                        .map_err(|e| DataError::Image {
                            path: PathBuf::from(format!("{} image {}", r.origin, k + 1)),
                            origin: r.origin.clone(),
                            message: format!("cannot decode: {e}"),
                        })?
                }
                ImageRef::File(p) => load_image(p, &r.origin)?,
            };
            images.push(img);
        }
        Ok(Item {
            id: r.id.clone(),
            task: r.sub_task.clone(),
            images,
            question: r.question.clone(),
            options: r.options.clone(),
            answer: r.answer,
            rationale: r.rationale.clone(),
        })
    }
}

fn read_file(file: &Path, split: BlinkSplit, out: &mut Vec<Record>) -> Result<(), DataError> {
    let f = fs::File::open(file).map_err(|e| DataError::io(file, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(256).build())
        .map_err(|e| perr(file, format!("cannot read parquet: {e}")))?;
    let folder_task = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut row0 = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| perr(file, format!("cannot read a record batch: {e}")))?;
        read_batch(file, &base, &folder_task, split, &batch, row0, out)?;
        row0 += batch.num_rows();
    }
    Ok(())
}

fn read_batch(
    file: &Path,
    base: &Path,
    folder_task: &str,
    split: BlinkSplit,
    batch: &RecordBatch,
    row0: usize,
    out: &mut Vec<Record>,
) -> Result<(), DataError> {
    let col = |name: &str| batch.column_by_name(name).cloned();
    let need = |name: &str| col(name).ok_or_else(|| perr(file, format!("missing column `{name}`")));
    let question = need("question")?;
    let choices = need("choices")?;
    let answer = need("answer")?;
    let idx = col("idx");
    let sub_task = col("sub_task");
    let explanation = col("explanation");
    let image_cols: Vec<Option<_>> = (1..=4).map(|k| col(&format!("image_{k}"))).collect();
    if image_cols.iter().all(Option::is_none) {
        return Err(perr(file, "missing columns `image_1` ... `image_4`"));
    }
    for row in 0..batch.num_rows() {
        let n = row0 + row;
        let origin = format!("{} row {n}", file.display());
        let field_err =
            |field: &str, msg: &str| perr(file, format!("row {n}: column `{field}`: {msg}"));
        let q = string_at(question.as_ref(), row)
            .ok_or_else(|| field_err("question", "null or not a string"))?;
        let options = strings_at(choices.as_ref(), row)
            .ok_or_else(|| field_err("choices", "null or not a list of strings"))?;
        if options.is_empty() || options.len() > MAX_OPTIONS {
            return Err(field_err(
                "choices",
                &format!(
                    "expected 1 to {MAX_OPTIONS} choices, found {}",
                    options.len()
                ),
            ));
        }
        let ans_text = string_at(answer.as_ref(), row).unwrap_or_default();
        let ans = ans_text.trim();
        let answer_idx = if split == BlinkSplit::Test
            || ans.is_empty()
            || ans.eq_ignore_ascii_case("hidden")
        {
            None
        } else {
            match parse_letter(ans) {
                Some(k) if k < options.len() => Some(k),
                _ => match options.iter().position(|o| o == ans) {
                    Some(k) => Some(k),
                    None => {
                        return Err(DataError::BadAnswer {
                            origin: origin.clone(),
                            message: format!("`{ans}` is not one of the {} choices", options.len()),
                        });
                    }
                },
            }
        };
        let sub = sub_task
            .as_ref()
            .and_then(|c| string_at(c.as_ref(), row))
            .unwrap_or_else(|| folder_task.to_string());
        let id = idx
            .as_ref()
            .and_then(|c| string_at(c.as_ref(), row))
            .unwrap_or_else(|| format!("{sub}-{n}"));
        let rationale = explanation
            .as_ref()
            .and_then(|c| string_at(c.as_ref(), row))
            .filter(|s| !s.trim().is_empty());
        let mut images = Vec::new();
        for (k, c) in image_cols.iter().enumerate() {
            let Some(c) = c else { continue };
            if c.is_null(row) {
                continue;
            }
            let Some(st) = c.as_struct_opt() else {
                // A plain binary column is accepted too.
                if let Some(b) = binary_at(c.as_ref(), row) {
                    images.push(check_bytes(b, &origin, k)?);
                }
                continue;
            };
            let bytes = st
                .column_by_name("bytes")
                .and_then(|b| binary_at(b.as_ref(), row))
                .filter(|b| !b.is_empty());
            let path = st
                .column_by_name("path")
                .and_then(|p| string_at(p.as_ref(), row))
                .filter(|p| !p.is_empty());
            match (bytes, path) {
                (Some(b), _) => images.push(check_bytes(b, &origin, k)?),
                (None, Some(p)) => {
                    let full = safe_join(base, &p).ok_or_else(|| DataError::Image {
                        path: PathBuf::from(&p),
                        origin: origin.clone(),
                        message: "image path leaves the dataset folder (absolute paths and `..` are refused)".into(),
                    })?;
                    if !full.is_file() {
                        return Err(DataError::Image {
                            path: full,
                            origin: origin.clone(),
                            message:
                                "missing (no bytes in the parquet file and no file at this path)"
                                    .into(),
                        });
                    }
                    images.push(ImageRef::File(full));
                }
                (None, None) => {}
            }
        }
        if images.is_empty() {
            return Err(DataError::BadItem {
                item: id,
                message: format!("{origin}: no image present"),
            });
        }
        out.push(Record {
            id,
            sub_task: sub,
            question: q,
            options,
            answer: answer_idx,
            rationale,
            images,
            origin,
        });
    }
    Ok(())
}

/// Checks that image bytes have a readable header; keeps them for decoding at `get`.
fn check_bytes(b: Vec<u8>, origin: &str, k: usize) -> Result<ImageRef, DataError> {
    image::ImageReader::new(Cursor::new(&b))
        .with_guessed_format()
        .map_err(|e| e.to_string())
        .and_then(|r| r.into_dimensions().map_err(|e| e.to_string()))
        .map_err(|e| DataError::Image {
            path: PathBuf::from(format!("{origin} image_{}", k + 1)),
            origin: origin.to_string(),
            message: format!("undecodable image bytes: {e}"),
        })?;
    Ok(ImageRef::Bytes(Arc::from(b)))
}

impl ItemSource for BlinkDataset {
    fn len(&self) -> usize {
        self.records.len()
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        self.get(i)
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
