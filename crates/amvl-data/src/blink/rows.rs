//! Parquet files of a BLINK split → [`Record`]s: which files, which columns, and one record a row.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::columns::{binary_at, string_at, strings_at};
use super::split::BlinkSplit;
use crate::answer::{is_hidden, resolve_answer};
use crate::error::DataError;
use crate::image_io::{ImageProblem, ImageRef, check_image_header, safe_join};
use crate::item::MAX_OPTIONS;
use crate::record::Record;

/// The error for a parquet file (or folder) that cannot be used.
pub(super) fn parquet_error(file: &Path, message: impl Into<String>) -> DataError {
    DataError::Parquet {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

/// The `{split}-*.parquet` files directly in `dir` and in its sub-folders, sorted.
pub(super) fn split_files(dir: &Path, split: BlinkSplit) -> Result<Vec<PathBuf>, DataError> {
    let prefix = format!("{}-", split.name());
    let mut files = Vec::new();
    let mut scan = |d: &Path| -> Result<Vec<PathBuf>, DataError> {
        let mut subdirs = Vec::new();
        for e in fs::read_dir(d).map_err(|e| DataError::io(d, e))? {
            let e = e.map_err(|e| DataError::io(d, e))?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                subdirs.push(p);
            } else if name.starts_with(&prefix) && name.ends_with(".parquet") {
                files.push(p);
            }
        }
        Ok(subdirs)
    };
    for sub in scan(dir)? {
        scan(&sub)?;
    }
    files.sort();
    Ok(files)
}

/// Appends one record per row of `file` to `out`. The parquet reader panics on some malformed
/// files; that comes back as an error naming the file.
pub(super) fn read_file(file: &Path, split: BlinkSplit, out: &mut Vec<Record>) -> Result<(), DataError> {
    amvl_core::contain::contain(|| read_file_unguarded(file, split, out))
        .unwrap_or_else(|panic| Err(parquet_error(file, format!("the parquet reader failed: {panic}"))))
}

fn read_file_unguarded(file: &Path, split: BlinkSplit, out: &mut Vec<Record>) -> Result<(), DataError> {
    let f = fs::File::open(file).map_err(|e| DataError::io(file, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(256).build())
        .map_err(|e| parquet_error(file, format!("cannot read parquet: {e}")))?;
    let folder_task = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut row0 = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(file, format!("cannot read a record batch: {e}")))?;
        let cols = Columns::of(file, &batch)?;
        for row in 0..batch.num_rows() {
            let at = RowAt {
                file,
                base: &base,
                folder_task: &folder_task,
                split,
                row,
                n: row0 + row,
            };
            out.push(cols.record(&at)?);
        }
        row0 += batch.num_rows();
    }
    Ok(())
}

/// The columns of one record batch that a record is read from.
struct Columns {
    question: ArrayRef,
    choices: ArrayRef,
    answer: ArrayRef,
    idx: Option<ArrayRef>,
    sub_task: Option<ArrayRef>,
    explanation: Option<ArrayRef>,
    /// `image_1` … `image_4`, each optional.
    images: Vec<Option<ArrayRef>>,
}

/// Where a row is: its file, the folder image paths are relative to, and its row numbers.
struct RowAt<'a> {
    file: &'a Path,
    base: &'a Path,
    /// The sub-task folder's name, used when there is no `sub_task` column.
    folder_task: &'a str,
    split: BlinkSplit,
    /// Row within the batch.
    row: usize,
    /// Row within the file.
    n: usize,
}

impl Columns {
    fn of(file: &Path, batch: &RecordBatch) -> Result<Self, DataError> {
        let col = |name: &str| batch.column_by_name(name).cloned();
        let need = |name: &str| col(name).ok_or_else(|| parquet_error(file, format!("missing column `{name}`")));
        let images: Vec<_> = (1..=4).map(|k| col(&format!("image_{k}"))).collect();
        if images.iter().all(Option::is_none) {
            return Err(parquet_error(file, "missing columns `image_1` ... `image_4`"));
        }
        Ok(Self {
            question: need("question")?,
            choices: need("choices")?,
            answer: need("answer")?,
            idx: col("idx"),
            sub_task: col("sub_task"),
            explanation: col("explanation"),
            images,
        })
    }

    fn record(&self, at: &RowAt) -> Result<Record, DataError> {
        let (row, n) = (at.row, at.n);
        let origin = format!("{} row {n}", at.file.display());
        let field_err = |field: &str, msg: &str| parquet_error(at.file, format!("row {n}: column `{field}`: {msg}"));
        let question =
            string_at(self.question.as_ref(), row).ok_or_else(|| field_err("question", "null or not a string"))?;
        let options = strings_at(self.choices.as_ref(), row)
            .ok_or_else(|| field_err("choices", "null or not a list of strings"))?;
        if options.is_empty() || options.len() > MAX_OPTIONS {
            let msg = format!("expected 1 to {MAX_OPTIONS} choices, found {}", options.len());
            return Err(field_err("choices", &msg));
        }
        let given = string_at(self.answer.as_ref(), row).unwrap_or_default();
        let answer = if at.split == BlinkSplit::Test || is_hidden(&given) {
            None
        } else {
            let resolved = resolve_answer(&given, &options).map_err(|problem| DataError::BadAnswer {
                origin: origin.clone(),
                problem,
            })?;
            Some(resolved)
        };
        let text = |c: &Option<ArrayRef>| c.as_ref().and_then(|c| string_at(c.as_ref(), row));
        let task = text(&self.sub_task).unwrap_or_else(|| at.folder_task.to_string());
        let id = text(&self.idx).unwrap_or_else(|| format!("{task}-{n}"));
        let rationale = text(&self.explanation).filter(|s| !s.trim().is_empty());
        let images = self.images(at, &origin)?;
        if images.is_empty() {
            return Err(DataError::BadItem {
                item: id,
                message: format!("{origin}: no image present"),
            });
        }
        Ok(Record {
            id,
            task,
            question,
            options,
            answer,
            rationale,
            probes: Default::default(),
            images,
            origin,
        })
    }

    /// The row's images in column order, null ones left out. Each is a struct of `bytes` and
    /// `path` (bytes win; a path is read relative to the parquet file), or plain bytes.
    fn images(&self, at: &RowAt, origin: &str) -> Result<Vec<ImageRef>, DataError> {
        let row = at.row;
        let mut images = Vec::new();
        for (k, c) in self.images.iter().enumerate() {
            let Some(c) = c.as_ref().filter(|c| !c.is_null(row)) else {
                continue;
            };
            let name = PathBuf::from(format!("{origin} image_{}", k + 1));
            let Some(st) = c.as_struct_opt() else {
                if let Some(b) = binary_at(c.as_ref(), row) {
                    images.push(checked_bytes(b, name, origin)?);
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
                (Some(b), _) => images.push(checked_bytes(b, name, origin)?),
                (None, Some(p)) => images.push(image_file(at.base, &p, origin)?),
                (None, None) => {}
            }
        }
        Ok(images)
    }
}

/// In-memory image bytes whose header was checked (the pixels are decoded when the item is read).
fn checked_bytes(bytes: Vec<u8>, name: PathBuf, origin: &str) -> Result<ImageRef, DataError> {
    check_image_header(&bytes, &name, origin)?;
    Ok(ImageRef::Bytes {
        data: Arc::from(bytes),
        name,
    })
}

/// An image file named by a row, which must exist inside `base`.
fn image_file(base: &Path, rel: &str, origin: &str) -> Result<ImageRef, DataError> {
    let error = |path: PathBuf, problem| DataError::Image {
        path,
        origin: origin.to_string(),
        problem,
    };
    let full = safe_join(base, rel).ok_or_else(|| error(PathBuf::from(rel), ImageProblem::Escapes))?;
    if !full.is_file() {
        return Err(error(full, ImageProblem::Missing));
    }
    Ok(ImageRef::File(full))
}
