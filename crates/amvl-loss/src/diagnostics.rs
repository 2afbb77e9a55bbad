use amvl_latent::DiagGaussian;
use serde::{Deserialize, Serialize};

/// What the latent block does on one batch, read to the host: where KL(q‖p) comes from, how
/// wide each Gaussian is, and how much the means vary from item to item against that width.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatentDiagnostics {
    /// Batch-mean KL(q‖p), summed over slots and dimensions.
    pub kl_qp: f64,
    /// Its mean part `Σ (μ_q−μ_p)²/2σ_p²`: what differs in the means.
    pub kl_mean_part: f64,
    /// Its variance part `Σ log(σ_p/σ_q) + σ_q²/2σ_p² − ½`: what differs in the spreads alone.
    pub kl_var_part: f64,
    /// Mean σ of each slot, posterior and prior ([slots]).
    pub sigma_q: Vec<f64>,
    pub sigma_p: Vec<f64>,
    /// The prior's per-item signal: `Σ_{slot,d} Var_items(μ_p) / E[σ_p²]`. Near 0, the prior
    /// gives every item the same z up to its own noise; large, its means tell items apart.
    pub prior_signal: f64,
    /// The same for the posterior.
    pub posterior_signal: f64,
}

fn host(t: &burn::prelude::Tensor<3>) -> Vec<f32> {
    t.clone().into_data().try_into_vec_as::<f32>().expect("f32 data")
}

/// `Σ_{slot,d} Var over the batch of μ` / mean σ²; `mean`/`log_std` as [batch·slots·d] rows.
fn signal(mean: &[f32], log_std: &[f32], batch: usize, width: usize) -> f64 {
    let mut total_var = 0.0;
    for j in 0..width {
        let column = (0..batch).map(|b| mean[b * width + j] as f64);
        let m = column.clone().sum::<f64>() / batch as f64;
        total_var += column.map(|v| (v - m).powi(2)).sum::<f64>() / batch as f64;
    }
    let mean_var = log_std.iter().map(|&l| (2.0 * l as f64).exp()).sum::<f64>() / log_std.len() as f64;
    total_var / mean_var
}

fn sigma_per_slot(log_std: &[f32], batch: usize, slots: usize, d: usize) -> Vec<f64> {
    (0..slots)
        .map(|s| {
            let sum: f64 = (0..batch)
                .flat_map(|b| (0..d).map(move |j| (b * slots + s) * d + j))
                .map(|i| (log_std[i] as f64).exp())
                .sum();
            sum / (batch * d) as f64
        })
        .collect()
}

impl LatentDiagnostics {
    /// Measures a batch's prior p(z|x) and posterior q(z|x,y), each [batch, slots, d_latent].
    pub fn measure(prior: &DiagGaussian, posterior: &DiagGaussian) -> Self {
        let [batch, slots, d] = prior.dims();
        let parts = posterior.detach().kl_parts(&prior.detach());
        let per_batch = |t: burn::prelude::Tensor<2>| t.sum().into_scalar::<f32>() as f64 / batch as f64;
        let (kl_mean_part, kl_var_part) = (per_batch(parts.mean), per_batch(parts.variance));
        let (mu_p, ls_p) = (host(&prior.mean), host(&prior.log_std));
        let (mu_q, ls_q) = (host(&posterior.mean), host(&posterior.log_std));
        Self {
            kl_qp: kl_mean_part + kl_var_part,
            kl_mean_part,
            kl_var_part,
            sigma_q: sigma_per_slot(&ls_q, batch, slots, d),
            sigma_p: sigma_per_slot(&ls_p, batch, slots, d),
            prior_signal: signal(&mu_p, &ls_p, batch, slots * d),
            posterior_signal: signal(&mu_q, &ls_q, batch, slots * d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::*;

    #[test]
    fn closed_form_parts_and_signal() {
        let device = Device::flex();
        // One slot, one dimension, two items. Prior: μ = ±1, σ = 1. Posterior: μ = 0, σ = e^-1.
        let t = |v: [f32; 2]| Tensor::<1>::from_floats(v, &device).reshape([2, 1, 1]);
        let prior = DiagGaussian::new(t([1.0, -1.0]), t([0.0, 0.0]));
        let posterior = DiagGaussian::new(t([0.0, 0.0]), t([-1.0, -1.0]));
        let d = LatentDiagnostics::measure(&prior, &posterior);
        // Mean part: (0 − ±1)²/2 = ½ per item. Variance part: log(1/e^-1) + e^-2/2 − ½ = ½ + e^-2/2.
        assert!((d.kl_mean_part - 0.5).abs() < 1e-6, "{d:?}");
        assert!((d.kl_var_part - (0.5 + (-2.0f64).exp() / 2.0)).abs() < 1e-6, "{d:?}");
        let kl: f32 = posterior.kl(&prior).mean().into_scalar();
        assert!((d.kl_qp - kl as f64).abs() < 1e-5);
        // Prior means vary by 1 (variance of ±1) against σ² = 1; the posterior's not at all.
        assert!((d.prior_signal - 1.0).abs() < 1e-6 && d.posterior_signal == 0.0, "{d:?}");
        assert!((d.sigma_q[0] - (-1.0f64).exp()).abs() < 1e-6 && (d.sigma_p[0] - 1.0).abs() < 1e-6);
    }
}
