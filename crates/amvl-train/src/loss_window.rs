//! The loss terms between two log lines. Each step's six terms (total, ntp, forward, reverse,
//! KL(q‖p), KL(p‖q); means over its micro-batches) are either read right away, or, with
//! `train.check_every > 1`, summed on the device and read only when the trainer settles the
//! window (every `check_every` steps, and at log and checkpoint steps), where a non-finite sum
//! stops the run.

use burn::prelude::*;
use std::time::Instant;

use crate::error::TrainError;

/// The mean terms of a window's steps and the wall time per step.
#[derive(Clone, Copy, Debug)]
pub struct WindowMeans {
    /// total, ntp, forward, reverse, KL(q‖p), KL(p‖q).
    pub terms: [f64; 6],
    pub seconds_per_step: f64,
}

pub struct LossWindow {
    /// Terms read to the host, summed over the window's steps.
    sums: [f64; 6],
    /// Steps since the last log line.
    steps: u64,
    started: Instant,
    /// Terms of the steps not read yet, summed on the device [6], and how many steps they are.
    pending: Option<Tensor<1>>,
    pending_steps: u64,
    check_every: u64,
}

impl LossWindow {
    pub fn new(check_every: u64) -> Self {
        Self {
            sums: [0.0; 6],
            steps: 0,
            started: Instant::now(),
            pending: None,
            pending_steps: 0,
            check_every,
        }
    }

    /// Adds one applied step: its terms on the device (`on_device`, kept unread), or else those
    /// already read (`read`).
    pub fn add(&mut self, read: [f32; 6], on_device: Option<Tensor<1>>) {
        match on_device {
            Some(terms) => {
                self.pending = Some(match self.pending.take() {
                    Some(sum) => sum + terms,
                    None => terms,
                });
                self.pending_steps += 1;
            }
            None => {
                for (w, v) in self.sums.iter_mut().zip(read) {
                    *w += v as f64;
                }
            }
        }
        self.steps += 1;
    }

    /// Reads the pending terms once `step` steps are done; a non-finite sum is an error naming
    /// the steps it covers and `last_checkpoint`.
    pub fn settle(&mut self, step: u64, last_checkpoint: &str) -> Result<(), TrainError> {
        let Some(sum) = self.pending.take() else {
            return Ok(());
        };
        let read: Vec<f32> = sum.into_data().try_into_vec_as::<f32>().expect("loss scalars");
        let steps = std::mem::take(&mut self.pending_steps);
        if !read.iter().all(|v| v.is_finite()) {
            let mean = |i: usize| read[i] / steps as f32;
            return Err(TrainError::NonFiniteWindow {
                first: step - steps,
                last: step - 1,
                total: mean(0),
                ntp: mean(1),
                forward: mean(2),
                reverse: mean(3),
                check_every: self.check_every,
                last_checkpoint: last_checkpoint.to_string(),
            });
        }
        for (w, v) in self.sums.iter_mut().zip(read) {
            *w += v as f64;
        }
        Ok(())
    }

    /// The window's means (settle it first), and a new window from now.
    pub fn take(&mut self) -> WindowMeans {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let n = self.steps as f64;
        let means = WindowMeans {
            terms: self.sums.map(|s| s / n),
            seconds_per_step: elapsed / n,
        };
        self.sums = [0.0; 6];
        self.steps = 0;
        self.started = Instant::now();
        means
    }
}
