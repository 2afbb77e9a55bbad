//! The one error type of the crate: every variant names where the problem is
//! (file:line and field, an image path, or an item id).

use std::path::PathBuf;

use crate::answer::AnswerError;
use crate::image_io::ImageProblem;
use crate::jsonl::LineProblem;

/// Everything that can go wrong while reading, generating, tokenizing or batching data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A JSONL line that is not valid JSON, or a field that is missing or has the wrong type.
    /// `field` is `(json)` for a line that is not a JSON object, `(line)` for one that cannot be read.
    #[error("{file}:{line}: field `{field}`: {problem}")]
    Jsonl {
        file: PathBuf,
        line: usize,
        field: String,
        problem: LineProblem,
    },
    /// An image path in a dataset file that is absolute or leaves the dataset folder.
    #[error(
        "{file}:{line}: field `images`: path `{path}` leaves the dataset folder (absolute paths and `..` are refused)"
    )]
    PathEscapes { file: PathBuf, line: usize, path: String },
    /// An image that is missing or cannot be decoded.
    #[error("image {path}: {problem} (referenced at {origin})")]
    Image {
        path: PathBuf,
        origin: String,
        problem: ImageProblem,
    },
    /// An answer that is not one of the options (or not a letter).
    #[error("{origin}: field `answer`: {problem}")]
    BadAnswer { origin: String, problem: AnswerError },
    /// A token sequence longer than the configured limit (and truncation was not asked for).
    #[error("item `{item}`: {what} has {len} tokens, more than the limit of {max} (enable truncation to cut it)")]
    TooLong {
        item: String,
        what: &'static str,
        len: usize,
        max: usize,
    },
    /// An item with more images than the batcher's `max_images`, or with none.
    #[error("item `{item}`: {message}")]
    BadItem { item: String, message: String },
    /// A BLINK parquet file that cannot be read or lacks a column.
    #[error("{file}: {message}")]
    Parquet { file: PathBuf, message: String },
    /// Tokenizer training, loading, saving or encoding failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A name that does not parse (task, split, target mode).
    #[error("unknown {kind} `{given}`; expected one of: {expected}")]
    UnknownName {
        kind: &'static str,
        given: String,
        expected: String,
    },
    /// A file-system error, with the path it happened on.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An argument that makes no sense (e.g. an empty task list).
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    /// Item `index` asked of a source with `len` items.
    pub fn out_of_range(index: usize, len: usize) -> Self {
        DataError::Invalid(format!("index {index} out of range ({len} items)"))
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<DataError> for burn::data::dataset::DatasetError {
    fn from(e: DataError) -> Self {
        burn::data::dataset::DatasetError::new(e)
    }
}
