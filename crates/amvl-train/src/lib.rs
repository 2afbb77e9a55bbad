//! Training and evaluation of AMVL models: the run config, an explicit training loop with
//! atomic checkpoints and exact resume, metrics files, and the evaluation metrics.

pub mod atomic;
pub mod backends;
pub mod batches;
pub mod bench;
pub mod bucketed_order;
pub mod checkpoint;
pub mod config;
pub mod data_order;
pub mod diagnostics;
pub mod eval;
pub mod experiment;
pub mod lr;
pub mod metrics;
pub mod parallel;
pub mod run;
pub mod session;
pub mod trainer;

pub use checkpoint::{Checkpoints, TrainState};
pub use config::{DataConfig, RunConfig, TrainConfig};
pub use metrics::{MetricsLog, StepRecord};
pub use trainer::{BatchSource, LinePrinter, Progress, StopAt, TrainError, TrainOutcome, train};
