//! Why a grid, a cell, the report or a plot failed.

use amvl_core::ConfigError;
use amvl_eval::EvalError;
use amvl_loss::Objective;
use amvl_train::{InvalidConfig, RunError};
use std::path::PathBuf;

/// A `--seeds` argument that is neither a count nor a list of distinct seeds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeedsError {
    #[error("--seeds {given}: {source} (a count such as `3`, or a list such as `0,4,7`)")]
    Parse {
        given: String,
        source: std::num::ParseIntError,
    },
    #[error("--seeds {0}: no seed given")]
    Empty(String),
    #[error("--seeds {0}: a seed is repeated")]
    Repeated(String),
    #[error("--seeds 0: at least one seed is needed")]
    Zero,
}

/// Why the grid could not run, or one of its cells failed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("no variants to run")]
    NoVariants,
    #[error("variant `{0}` is listed twice")]
    RepeatedVariant(Objective),
    #[error("no seeds to run")]
    NoSeeds,
    #[error("no evaluation splits")]
    NoSplits,
    #[error("variant `{variant}`: {source}")]
    InvalidVariant { variant: Objective, source: InvalidConfig },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "{} was run with another config than this experiment asks for (e.g. other --steps or --config); use \
         another --out, or delete that folder to rerun it",
        .0.display()
    )]
    OtherConfig(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error("{cell}: training stopped at step {step}")]
    Stopped { cell: String, step: u64 },
    #[error("{}: metrics: {source}", dir.display())]
    Metrics { dir: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// Why `report.json` or `report.md` could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("report.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why a plot could not be drawn (the report is written without it).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("{0}")]
    Draw(String),
    #[error("PNG: {0}")]
    Encode(#[from] image::ImageError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}
