//! Why a bench run, the PyTorch comparison or a backend parity check failed.

use amvl_core::ConfigError;
use amvl_data::DataError;
use amvl_train::InvalidConfig;
use amvl_train::checkpoint::CheckpointError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("unknown bench config `{given}`; expected one of: {expected}")]
    UnknownSize { given: String, expected: String },
    #[error("--batch must be positive")]
    ZeroBatch,
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{parts} micro-batches for a batch of {batch}: at most one per item")]
    TooManyMicroBatches { parts: usize, batch: usize },
    #[error(
        "{parts} micro-batch(es) over {world} ranks: each rank takes whole micro-batches, so --micro-batches \
         must be a multiple of the world size"
    )]
    WorldSize { parts: usize, world: usize },
    #[error("could not start {0} threads for {0} micro-batches")]
    Threads(usize),
    /// A dtype name that does not parse, or a device that refuses it.
    #[error("{0}")]
    Dtype(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "cannot start the PyTorch reference with `{}`: {source} (see bench/README.md: install torch, then pass \
         --python or set AMVL_TORCH_PYTHON)",
        python.display()
    )]
    StartReference { python: PathBuf, source: std::io::Error },
    #[error("the reference did not start: {0}")]
    NotReady(serde_json::Value),
    #[error("reading the reference: {0}")]
    ReadReference(#[source] std::io::Error),
    #[error("writing to the reference: {0}")]
    WriteReference(#[source] std::io::Error),
    #[error("the PyTorch reference exited ({0}); its stderr is above")]
    ReferenceExited(String),
    #[error("reference sent `{line}`: {source}")]
    BadReply { line: String, source: serde_json::Error },
    #[error("the reference failed on {figure}: {error}")]
    ReferenceFailed {
        figure: &'static str,
        error: serde_json::Value,
    },
    #[error("reference reply without times_s: {0}")]
    NoTimes(serde_json::Value),
}

/// Why a backend parity check could not run.
#[derive(Debug, thiserror::Error)]
pub enum ParityError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Invalid(#[from] InvalidConfig),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("device sync: {0}")]
    Sync(String),
    #[error("bf16-mixed computes in bf16, but the compared dtype is {0}: use --dtype bf16 (or leave --dtype out)")]
    Precision(String),
}
