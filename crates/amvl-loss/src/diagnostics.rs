use amvl_latent::DiagGaussian;
use serde::{Deserialize, Serialize};

/// What the latent block does on one batch, read to the host: where KL(q‖p) comes from, how
/// wide each Gaussian is, and how much the means vary from item to item against that width.
/// The posterior's fields are `None` where a run has no posterior (`prior_ntp`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatentDiagnostics {
    /// Batch-mean KL(q‖p), summed over slots and dimensions.
    pub kl_qp: Option<f64>,
    /// Its mean part `Σ (μ_q−μ_p)²/2σ_p²`: what differs in the means.
    pub kl_mean_part: Option<f64>,
    /// Its variance part `Σ log(σ_p/σ_q) + σ_q²/2σ_p² − ½`: what differs in the spreads alone.
    pub kl_var_part: Option<f64>,
    /// Mean σ of each slot, prior and posterior ([slots]).
    pub sigma_p: Vec<f64>,
    pub sigma_q: Option<Vec<f64>>,
    /// The prior's per-item signal: `Σ_{slot,d} Var_items(μ_p) / E[σ_p²]`. Near 0, the prior
    /// gives every item the same z up to its own noise; large, its means tell items apart.
    pub prior_signal: f64,
    /// The same for the posterior.
    pub posterior_signal: Option<f64>,
}

/// Host copies of one Gaussian per item: means and log σ, each item a row of `slots · d` values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GaussianRows {
    pub mean: Vec<f32>,
    pub log_std: Vec<f32>,
    pub items: usize,
}

impl GaussianRows {
    /// Reads a [batch, slots, d_latent] Gaussian to the host.
    pub fn read(g: &DiagGaussian) -> Self {
        let host = |t: &burn::prelude::Tensor<3>| t.clone().into_data().try_into_vec_as::<f32>().expect("f32 data");
        Self {
            mean: host(&g.mean),
            log_std: host(&g.log_std),
            items: g.dims()[0],
        }
    }

    /// Appends one item's row of means and of log σ (`slots · d` values each).
    pub fn push(&mut self, mean: &[f32], log_std: &[f32]) {
        self.mean.extend_from_slice(mean);
        self.log_std.extend_from_slice(log_std);
        self.items += 1;
    }

    fn width(&self) -> usize {
        self.mean.len() / self.items.max(1)
    }

    /// `Σ_j Var over items of μ_j` / mean σ².
    fn signal(&self) -> f64 {
        let (n, width) = (self.items, self.width());
        let mut total_var = 0.0;
        for j in 0..width {
            let column = (0..n).map(|b| self.mean[b * width + j] as f64);
            let m = column.clone().sum::<f64>() / n as f64;
            total_var += column.map(|v| (v - m).powi(2)).sum::<f64>() / n as f64;
        }
        let mean_var = self.log_std.iter().map(|&l| (2.0 * l as f64).exp()).sum::<f64>() / self.log_std.len() as f64;
        total_var / mean_var
    }

    /// Mean σ of each of `slots` slots.
    fn sigma_per_slot(&self, slots: usize) -> Vec<f64> {
        let (n, width) = (self.items, self.width());
        let d = width / slots;
        (0..slots)
            .map(|s| {
                let sum: f64 = (0..n)
                    .flat_map(|b| (0..d).map(move |j| b * width + s * d + j))
                    .map(|i| (self.log_std[i] as f64).exp())
                    .sum();
                sum / (n * d) as f64
            })
            .collect()
    }
}

/// Item-mean KL(q‖p) split into its mean part and its variance part.
fn kl_parts(q: &GaussianRows, p: &GaussianRows) -> (f64, f64) {
    let (mut mean_part, mut var_part) = (0.0, 0.0);
    for i in 0..p.mean.len() {
        let (lq, lp) = (q.log_std[i] as f64, p.log_std[i] as f64);
        let var_p = (2.0 * lp).exp();
        mean_part += (q.mean[i] as f64 - p.mean[i] as f64).powi(2) / (2.0 * var_p);
        var_part += lp - lq + (2.0 * lq).exp() / (2.0 * var_p) - 0.5;
    }
    let n = p.items.max(1) as f64;
    (mean_part / n, var_part / n)
}

impl LatentDiagnostics {
    /// Measures a batch's prior p(z|x) and, when there is one, posterior q(z|x,y), each
    /// [batch, slots, d_latent].
    pub fn measure(prior: &DiagGaussian, posterior: Option<&DiagGaussian>) -> Self {
        let slots = prior.dims()[1];
        let posterior = posterior.map(GaussianRows::read);
        Self::from_rows(&GaussianRows::read(prior), posterior.as_ref(), slots)
    }

    /// The same from host rows (e.g. gathered over a whole evaluation split).
    pub fn from_rows(prior: &GaussianRows, posterior: Option<&GaussianRows>, slots: usize) -> Self {
        let mut out = Self {
            sigma_p: prior.sigma_per_slot(slots),
            prior_signal: prior.signal(),
            ..Self::default()
        };
        if let Some(q) = posterior {
            let (mean_part, var_part) = kl_parts(q, prior);
            out.kl_qp = Some(mean_part + var_part);
            out.kl_mean_part = Some(mean_part);
            out.kl_var_part = Some(var_part);
            out.sigma_q = Some(q.sigma_per_slot(slots));
            out.posterior_signal = Some(q.signal());
        }
        out
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
        let d = LatentDiagnostics::measure(&prior, Some(&posterior));
        // Mean part: (0 − ±1)²/2 = ½ per item. Variance part: log(1/e^-1) + e^-2/2 − ½ = ½ + e^-2/2.
        assert!((d.kl_mean_part.unwrap() - 0.5).abs() < 1e-6, "{d:?}");
        assert!(
            (d.kl_var_part.unwrap() - (0.5 + (-2.0f64).exp() / 2.0)).abs() < 1e-6,
            "{d:?}"
        );
        let kl: f32 = posterior.kl(&prior).mean().into_scalar();
        assert!((d.kl_qp.unwrap() - kl as f64).abs() < 1e-5);
        assert!(LatentDiagnostics::measure(&prior, None).kl_qp.is_none());
        // Prior means vary by 1 (variance of ±1) against σ² = 1; the posterior's not at all.
        assert!(
            (d.prior_signal - 1.0).abs() < 1e-6 && d.posterior_signal == Some(0.0),
            "{d:?}"
        );
        assert!((d.sigma_q.as_ref().unwrap()[0] - (-1.0f64).exp()).abs() < 1e-6 && (d.sigma_p[0] - 1.0).abs() < 1e-6);
    }
}
