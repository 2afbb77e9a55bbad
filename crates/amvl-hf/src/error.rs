use std::path::PathBuf;

/// Everything that can go wrong loading a Hugging Face checkpoint; each message names the
/// file, tensor or field at fault.
#[derive(Debug, thiserror::Error)]
pub enum HfError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Damaged(#[from] amvl_core::manifest::ManifestError),
    #[error("`{}` is not valid JSON for this purpose: {source}", path.display())]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("`{}` is not a valid safetensors file: {message}", path.display())]
    Safetensors { path: PathBuf, message: String },
    #[error(
        "refusing to load `{}`: `.bin`/`.pt`/`.pth`/`.ckpt` checkpoints are Python pickles, which can \
         run arbitrary code when loaded; convert it to safetensors first (e.g. in Python: \
         `model.save_pretrained(dir, safe_serialization=True)`)",
        path.display()
    )]
    PickleRefused { path: PathBuf },
    #[error(
        "no weights in `{}`: expected `model.safetensors` or `model.safetensors.index.json`",
        dir.display()
    )]
    NoWeights { dir: PathBuf },
    #[error("unsupported architecture `{found}`; supported: {}", supported.join(", "))]
    UnsupportedArchitecture {
        found: String,
        supported: Vec<&'static str>,
    },
    #[error("bad config `{}`: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("tensor `{name}` is missing from the checkpoint")]
    MissingTensor { name: String },
    #[error(
        "the checkpoint has {} unexpected tensor(s) the model has no place for: {}",
        names.len(),
        names.join(", ")
    )]
    UnexpectedTensors { names: Vec<String> },
    #[error("tensor `{name}` appears more than once: {}", sources.join(", "))]
    DuplicateTensor { name: String, sources: Vec<String> },
    #[error("tensor `{name}` has shape {found:?} in the checkpoint but the model expects {expected:?}")]
    ShapeMismatch {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("tensor `{name}` has shape {found:?}; expected a tensor with {expected} dimensions")]
    RankMismatch {
        name: String,
        expected: usize,
        found: Vec<usize>,
    },
    #[error("bad reference `{}`: {message}", path.display())]
    Reference { path: PathBuf, message: String },
    #[error("tensor `{name}` has dtype {dtype}; only F32, F16, BF16 and F64 are supported")]
    UnsupportedDtype { name: String, dtype: String },
    #[error("tensor `{name}` has dtype {dtype}; token ids must be integers (I64, I32, U32, I16, U16, I8, U8)")]
    NotInteger { name: String, dtype: String },
    #[error("cannot export to `{}`: {message}", path.display())]
    Export { path: PathBuf, message: String },
}

impl HfError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
