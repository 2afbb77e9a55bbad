use burn::prelude::*;
use burn::tensor::activation::softplus;
use serde::{Deserialize, Serialize};

/// How the heads keep log σ inside `[log_std_min, log_std_max]`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogStdBounds {
    /// `clamp(raw, min, max)`: outside the range the gradient of log σ is zero, so a head that
    /// reaches a bound can stay stuck there.
    Hard,
    /// `max − softplus(max − (min + softplus(raw − min)))`: the same range, approached smoothly,
    /// with a gradient everywhere.
    #[default]
    Soft,
}

impl LogStdBounds {
    /// Raw head output [batch, slots, d_latent] → log σ inside `[min, max]`.
    pub fn apply(&self, raw: Tensor<3>, min: f64, max: f64) -> Tensor<3> {
        match self {
            LogStdBounds::Hard => raw.clamp(min, max),
            LogStdBounds::Soft => {
                let above_min = softplus(raw - min, 1.0) + min;
                (softplus(above_min.neg() + max, 1.0)).neg() + max
            }
        }
    }
}

impl LogStdBounds {
    /// The raw output that [`apply`](Self::apply) maps to `log_std` (which must lie strictly
    /// inside the range): the bias that starts a head at a chosen σ.
    pub fn raw_for(&self, log_std: f64, min: f64, max: f64) -> f64 {
        match self {
            LogStdBounds::Hard => log_std,
            LogStdBounds::Soft => {
                let above_min = max - ((max - log_std).exp() - 1.0).ln();
                min + ((above_min - min).exp() - 1.0).ln()
            }
        }
    }
}
