//! What the latent block and each loss term do at a log step, measured on one micro-batch: the
//! latent statistics from one forward pass, and each term's pull on the shared trunk from its
//! own forward and backward pass (a log step costs up to three more passes).

use amvl_core::AmvlBatch;
use amvl_loss::{AmvlLoss, LatentDiagnostics, LossTerms, grad_norm};
use amvl_model::AmvlModel;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::step::loss_of;

/// One log step's diagnostics (`diagnostics` in `metrics.jsonl`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct StepDiagnostics {
    /// KL split, σ per slot and per-item signal (absent without a latent block or a prior).
    pub latent: Option<LatentDiagnostics>,
    /// L2 norm of the gradient that each weighted loss term (NTP, β·forward, γ·reverse) puts on
    /// the decoder, the trunk all three passes share; 0 for a term whose weight is 0.
    pub grad_ntp: f64,
    pub grad_forward: f64,
    pub grad_reverse: f64,
}

/// Measures `model` on `batch` at `step`, with the latent noise `noise` [batch, slots, d_latent].
pub fn measure(
    model: &AmvlModel,
    loss: &AmvlLoss,
    step: u64,
    batch: &AmvlBatch,
    noise: Option<Tensor<3>>,
) -> StepDiagnostics {
    let path = loss.objective().latent_path();
    let terms = || {
        let out = model.forward_train_path(batch, true, noise.clone(), path);
        let terms = loss_of(loss, step, &out, batch);
        (out.prior, out.posterior, terms)
    };
    let pull = |pick: fn(LossTerms) -> Tensor<1>| {
        let (_, _, t) = terms();
        grad_norm(&model.decoder, &pick(t).backward())
    };
    let (prior, posterior, first) = terms();
    let latent = prior.map(|p| LatentDiagnostics::measure(&p, posterior.as_ref()));
    let (beta, gamma) = (first.beta, first.gamma);
    StepDiagnostics {
        latent,
        grad_ntp: grad_norm(&model.decoder, &first.ntp.backward()),
        grad_forward: if beta > 0.0 { pull(|t| t.forward) } else { 0.0 },
        grad_reverse: if gamma > 0.0 { pull(|t| t.reverse) } else { 0.0 },
    }
}
