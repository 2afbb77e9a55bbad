//! Seeded fuzzing of every reader of the project's input files: JSONL lines, BLINK parquet,
//! run config TOML, safetensors, `tokenizer.json`, PNG and JPEG bytes, checkpoint folders and
//! the `generate --image` path. Each case is a valid file mutated a few times (bit flips,
//! truncation, splices, interesting numbers), or one of a few hostile files written by hand
//! (decompression bombs, shapes whose product overflows). A reader passes a case when it returns
//! (an error is fine); a panic or a case over the time limit fails. `cargo xtask fuzz` runs the
//! soak; the crate's tests run a few hundred cases per reader and replay the regression cases.

pub mod driver;
pub mod mutate;
pub mod target;
pub mod targets;

pub use driver::{Crash, FuzzOptions, FuzzReport, TargetReport, fuzz};
pub use target::{Target, TargetKind};
