//! The log lines of a run: a [`StepRecord`] per log step, appended to `metrics.csv` and
//! `metrics.jsonl` and handed to the progress display.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::TrainConfig;
use crate::diagnostics::StepDiagnostics;
use crate::error::TrainError;
use crate::loss_window::WindowMeans;
use crate::metrics::{MetricsLog, StepRecord};
use crate::trainer::Progress;

pub struct StepLog {
    metrics: MetricsLog,
    samples_per_step: u64,
    total_steps: u64,
    /// When the run started, counting the time of the runs it resumes.
    run_start: Instant,
}

/// What a log step adds to the window's means.
pub struct LogStep {
    /// Optimizer steps done.
    pub step: u64,
    pub beta: f64,
    pub gamma: f64,
    pub lr: f64,
    pub diagnostics: Option<StepDiagnostics>,
}

impl StepLog {
    /// Opens the metrics files of `run_dir` (cut back to `resumed_at` when resuming), with
    /// `elapsed_seconds` already spent by the run.
    pub fn open(
        run_dir: &Path,
        train: &TrainConfig,
        resumed_at: Option<u64>,
        elapsed_seconds: f64,
    ) -> Result<Self, TrainError> {
        let metrics = MetricsLog::open(run_dir, resumed_at)?;
        Ok(Self {
            metrics,
            samples_per_step: (train.batch_size * train.grad_accum) as u64,
            total_steps: train.steps,
            run_start: Instant::now() - Duration::from_secs_f64(elapsed_seconds),
        })
    }

    /// Seconds since the run started (its resumed runs included).
    pub fn elapsed_seconds(&self) -> f64 {
        self.run_start.elapsed().as_secs_f64()
    }

    /// Writes the record of `at` with the window's means and shows it.
    pub fn write(&self, at: LogStep, window: WindowMeans, progress: &mut dyn Progress) -> Result<(), TrainError> {
        let [total, ntp, forward, reverse, kl_qp, kl_pq] = window.terms;
        let per_step = window.seconds_per_step;
        let record = StepRecord {
            step: at.step,
            total,
            ntp,
            forward,
            reverse,
            kl_qp,
            kl_pq,
            beta: at.beta,
            gamma: at.gamma,
            lr: at.lr,
            samples_per_second: self.samples_per_step as f64 / per_step,
            elapsed_seconds: self.elapsed_seconds(),
            eta_seconds: per_step * (self.total_steps - at.step) as f64,
            diagnostics: at.diagnostics,
        };
        self.metrics.append(&record)?;
        progress.record(&record, self.total_steps);
        Ok(())
    }
}
