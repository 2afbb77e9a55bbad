//! The JSONL format: what `export` writes and what users bring.
//!
//! One JSON object a line:
//! `{"id": "...", "task": "...", "images": ["images/x.png", ...], "question": "...",
//!   "options": ["...", "..."], "answer": "B", "rationale": "..."}`
//! - `id`: a string (or a number, read as its text); unique within the file.
//! - `images`: paths relative to the JSONL file's folder; absolute paths and `..` are refused.
//! - `answer`: a letter (`"B"`, `"(B)"`), or the exact text of one option; `null` for an
//!   unlabelled (unscorable) item.
//! - `rationale`: optional.
//!
//! Other fields are ignored. Every error names the file, the line and the field.

mod line;
mod read;
mod summary;
mod write;

pub use line::LineProblem;
pub use read::{JsonlDataset, JsonlOptions};
pub use summary::{LoadSummary, SkippedItem};
pub use write::{file_stem, write_jsonl};

/// The file name `export` writes and `open` looks for inside a folder.
pub const JSONL_FILE: &str = "data.jsonl";
/// The image folder `export` writes.
pub const IMAGE_DIR: &str = "images";
