//! Why an evaluation failed.

use amvl_data::DataError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Items that cannot be read or batched.
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("eval.json: {0}")]
    Json(#[from] serde_json::Error),
}
