use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// A floor under a KL term, below which it gives no gradient.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum FreeBits {
    #[default]
    None,
    /// `Σ_slots max(nats, E_batch KL_slot)`
    PerSlot { nats: f64 },
    /// `max(nats, E_batch Σ_slots KL_slot)`
    Total { nats: f64 },
}

impl FreeBits {
    /// KL per sample and slot [batch, slots] → the batch-mean term [1].
    pub fn apply(&self, kl: Tensor<2>) -> Tensor<1> {
        match *self {
            FreeBits::None => kl.sum_dim(1).mean(),
            FreeBits::PerSlot { nats } => kl.mean_dim(0).clamp_min(nats).sum(),
            FreeBits::Total { nats } => kl.sum_dim(1).mean().clamp_min(nats),
        }
    }
}
