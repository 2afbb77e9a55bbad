//! The errors of training: an impossible config, a run that stops, a run folder that cannot be
//! prepared or read, a `--data` argument that names nothing.

use amvl_core::ConfigError;
use amvl_data::DataError;
use amvl_hf::HfError;
use amvl_loss::Objective;
use std::path::PathBuf;

use crate::checkpoint::CheckpointError;

/// An impossible combination of settings in a run config.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidConfig {
    #[error("{0}")]
    Model(String),
    #[error("{0}")]
    Loss(String),
    #[error("model.latent.slots = 0 but the objective `{0}` needs a latent block (use `no_latent`, or slots > 0)")]
    NoLatentSlots(Objective),
    #[error("train.batch_size, train.grad_accum and train.steps must be positive")]
    ZeroSize,
    #[error("train.log_every and train.checkpoint_every must be at least 1")]
    ZeroInterval,
    #[error(
        "train.check_every must be at least 1, and 1 with train.skip_nonfinite (a step can only be skipped when \
         its loss is read before the update); got {0}"
    )]
    CheckEvery(u64),
    #[error("train.learning_rate must be positive, got {0}")]
    LearningRate(f64),
    #[error("train.vision_lr_scale must be a finite number ≥ 0, got {0}")]
    VisionLrScale(f64),
    #[error("train.{name} must be in [0, 1), got {value}")]
    AdamBeta { name: &'static str, value: f64 },
    #[error("train.adam_epsilon must be positive, got {0}")]
    AdamEpsilon(f64),
    #[error("train.freeze: unknown part `{0}`; expected vision and/or decoder")]
    UnknownFreeze(String),
    #[error("data.rationale_after_answer and data.rationale_before_answer exclude each other")]
    RationaleBothWays,
    #[error("data.max_images must be at least 1")]
    NoImages,
}

/// Why a training run stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "non-finite loss at step {step} (total {total}, ntp {ntp}, forward {forward}, reverse {reverse}); \
         the run stopped before applying it, so no NaN reached the weights. Last good checkpoint: {last_checkpoint}. \
         Lower train.learning_rate, or set train.skip_nonfinite = true to skip such steps"
    )]
    NonFinite {
        step: u64,
        total: f32,
        ntp: f32,
        forward: f32,
        reverse: f32,
        last_checkpoint: String,
    },
    #[error(
        "non-finite loss in steps {first}..={last} (their mean: total {total}, ntp {ntp}, forward {forward}, \
         reverse {reverse}), found when the loss terms were next read (train.check_every = {check_every}): the \
         weights in memory may hold NaN, and no checkpoint was written after it. Last good checkpoint: {last_checkpoint}. Set \
         train.check_every = 1 to stop before a non-finite loss reaches the weights, or lower train.learning_rate"
    )]
    NonFiniteWindow {
        first: u64,
        last: u64,
        total: f32,
        ntp: f32,
        forward: f32,
        reverse: f32,
        check_every: u64,
        last_checkpoint: String,
    },
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Collective(#[from] crate::collective::CollectiveError),
    #[error(
        "train.grad_accum = {grad_accum} is not a multiple of the world size {world}: each rank takes whole \
         micro-batches of the step (batch_size × grad_accum items); set grad_accum to a multiple of {world}"
    )]
    WorldSize { grad_accum: usize, world: usize },
    #[error(
        "train.precision = \"bf16-mixed\" computes in bf16, but the device's float dtype is {0}: set it to bf16 \
         (`cargo xtask train --precision bf16-mixed` does)"
    )]
    Precision(String),
    #[error(
        "cannot resume a bf16-mixed run exactly: Burn 0.22 restores AdamW's moments in the device's float \
         dtype (bf16), not the f32 they were saved in. Its weights are in {} (f32); start a new run from them, or \
         train in f32 or pure bf16 where an exact resume matters",
        .0.display()
    )]
    MixedResume(std::path::PathBuf),
    #[error("data: {0}")]
    Data(#[from] DataError),
    #[error("metrics: {0}")]
    Metrics(#[from] crate::metrics::MetricsError),
    #[error("run folder {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Why a run folder could not be prepared, trained, saved or read back.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot resume: {0}")]
    ResumeConfig(#[source] ConfigError),
    #[error("cannot resume: {0}")]
    ResumeTokenizer(#[source] DataError),
    #[error("run folder {} already holds a run; pass --resume to continue it or --out to start another", .0.display())]
    AlreadyHoldsRun(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Invalid(#[from] InvalidConfig),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Pretrained(#[from] HfError),
    #[error("config: {0}")]
    Serialize(#[from] toml::ser::Error),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Weights that could not be written or read (the store's message).
    #[error("{}: {message}", path.display())]
    Weights { path: PathBuf, message: String },
    #[error("{}: missing tensors {missing:?}", path.display())]
    MissingTensors {
        path: PathBuf,
        missing: Vec<(String, String)>,
    },
    #[error("{} has neither {file} nor a checkpoint", path.display())]
    NoModel { path: PathBuf, file: &'static str },
    #[error(transparent)]
    Lock(#[from] crate::run_lock::LockError),
    #[error("rank 0 could not prepare the run: {0}")]
    RankZero(String),
    #[error(transparent)]
    Damaged(#[from] amvl_core::manifest::ManifestError),
    #[error(transparent)]
    Header(#[from] amvl_core::safetensors_header::HeaderError),
}

/// A `--data` argument that is neither `suite` nor a folder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--data {0}: not `suite` and not a folder")]
pub struct BadDataSource(pub String);
