//! Training of AMVL models (owns the training loop and everything a run folder holds besides
//! evaluation): the run config, one training step and the loop around it, atomic checkpoints
//! with exact resume, the run folder (config, tokenizer, final model), metrics files, per-step
//! diagnostics and the data order. Evaluation is `amvl-eval`, the experiment grid `amvl-report`,
//! benchmarks and backend parity `amvl-bench`.

pub mod atomic;
pub mod batches;
pub mod bucketed_order;
pub mod checkpoint;
pub mod collective;
pub mod config;
pub mod data_order;
pub mod diagnostics;
pub mod error;
pub mod loss_window;
pub mod lr;
pub mod metrics;
pub mod micro_batches;
pub mod parallel;
pub mod precision;
pub mod run;
pub mod run_lock;
pub mod session;
pub mod step;
pub mod step_log;
pub mod trainer;
pub mod utc;

pub use checkpoint::{Checkpoints, TrainState};
pub use config::{DataConfig, RunConfig, TrainConfig};
pub use error::{BadDataSource, InvalidConfig, RunError, TrainError};
pub use metrics::{MetricsLog, StepRecord};
pub use step::{StepLoss, TermReading, TrainStep};
pub use trainer::{BatchSource, LinePrinter, Progress, StopAt, TrainOutcome, train};
