//! AMVL's data pipeline.
//!
//! - [`SuiteDataset`]: the embedded, procedurally generated BLINK-style benchmark (ten task
//!   families, ID and OOD settings, train/val/test-id/test-ood splits); `get(i)` is a pure
//!   function of (seed, split, task, i), and every item carries a scene description that a
//!   scripted oracle answers from (see [`tasks`]).
//! - [`JsonlDataset`]: users' own data in the JSONL format (also what `export` writes).
//! - [`BlinkDataset`]: the released BLINK parquet files from a local folder.
//! - [`AmvlTokenizer`]: a WordLevel tokenizer trained on the suite, or any `tokenizer.json`.
//! - [`AmvlBatcher`]: items → [`amvl_core::AmvlBatch`].
//!
//! See README.md for the JSONL format, the ID/OOD shift of each task and BLINK usage.

pub mod answer;
pub mod batcher;
pub mod blink;
pub mod dataset;
pub mod error;
pub mod export;
pub mod image_io;
pub mod item;
pub mod jsonl;
pub mod latent_tasks;
pub mod limits;
pub mod preview;
pub mod raster;
mod record;
pub mod seed;
pub mod suite;
pub mod task;
pub mod tasks;
pub mod tokenizer;

pub use answer::{AnswerError, resolve_answer};
pub use batcher::{AmvlBatcher, BatcherConfig, EncodedItem, FallibleBatcher, TargetMode};
pub use blink::{BlinkDataset, BlinkSplit};
pub use dataset::{AnyDataset, ItemSource};
pub use error::DataError;
pub use export::{ExportOptions, ExportSummary, TOKENIZER_FILE, export_suite};
pub use image_io::{ImageProblem, load_image};
pub use item::{Item, LETTERS, MAX_OPTIONS, parse_letter};
pub use jsonl::{JSONL_FILE, JsonlDataset, JsonlOptions, LineProblem, LoadSummary, SkippedItem, write_jsonl};
pub use latent_tasks::{
    ChannelSet, HopsConfig, HopsMapping, HopsOptions, HopsSet, LatentTask, LatentTaskExport, export_latent_task,
};
pub use preview::{SheetLayout, contact_sheet, write_suite_preview};
pub use suite::{DEFAULT_IMAGE_SIZE, SuiteDataset};
pub use task::{Setting, Split, Task};
pub use tasks::{Scene, ShiftSpec};
pub use tokenizer::AmvlTokenizer;
