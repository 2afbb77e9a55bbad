use amvl_latent::DiagGaussian;
use burn::prelude::*;
use burn::tensor::FloatDType;

use crate::config::LossConfig;
use crate::kl_terms::{forward_kl, reverse_kl};
use crate::ntp::reduced_cross_entropy;
use crate::objective::Objective;

/// The loss and each of its terms. `total = ntp + forward + reverse` exactly; the weighted KL
/// terms already include β or γ and free bits.
#[derive(Clone, Debug)]
pub struct LossTerms {
    /// [1]
    pub total: Tensor<1>,
    /// [1]
    pub ntp: Tensor<1>,
    /// [1]: β·KL(sg q‖p) (`elbo`: β·KL(q‖p); `dreamer`: dyn·KL(sg q‖p)).
    pub forward: Tensor<1>,
    /// [1]: γ·KL(sg p‖q) (`dreamer`: rep·KL(q‖sg p)).
    pub reverse: Tensor<1>,
    /// [1]: unweighted batch-mean KL(q‖p) (detached), for monitoring.
    pub kl_qp: Tensor<1>,
    /// [1]: unweighted batch-mean KL(p‖q) (detached), for monitoring.
    pub kl_pq: Tensor<1>,
    pub beta: f64,
    pub gamma: f64,
}

/// The objective with its schedules, evaluated at a given step.
#[derive(Clone, Debug)]
pub struct AmvlLoss {
    pub config: LossConfig,
}

impl AmvlLoss {
    pub fn new(config: LossConfig) -> Self {
        Self { config }
    }

    pub fn objective(&self) -> Objective {
        self.config.objective
    }

    /// `logits` [batch, seq, vocab], `targets`/`mask` [batch, seq]; the Gaussians are
    /// [batch, slots, d_latent] (ignored by `no_latent`).
    pub fn compute(
        &self,
        step: u64,
        logits: Tensor<3>,
        targets: Tensor<2, Int>,
        mask: Tensor<2, Bool>,
        prior: Option<&DiagGaussian>,
        posterior: Option<&DiagGaussian>,
    ) -> LossTerms {
        let device = logits.device();
        let ntp = reduced_cross_entropy(logits, targets, mask, self.config.ntp_reduction);
        let zero = || Tensor::<1>::zeros([1], &device).cast(FloatDType::F32);
        let beta = self.config.beta_schedule().value(step);
        let gamma = self.config.gamma_schedule().value(step);
        let (prior, posterior) = match (self.objective().uses_latent(), prior, posterior) {
            (true, Some(p), Some(q)) => (p, q),
            _ => {
                return LossTerms {
                    total: ntp.clone(),
                    ntp,
                    forward: zero(),
                    reverse: zero(),
                    kl_qp: zero(),
                    kl_pq: zero(),
                    beta: 0.0,
                    gamma: 0.0,
                };
            }
        };
        let free_bits = self.config.free_bits_in_force();
        let kl_qp = posterior.detach().kl(&prior.detach()).sum_dim(1).mean();
        let kl_pq = prior.detach().kl(&posterior.detach()).sum_dim(1).mean();
        let forward = if beta == 0.0 {
            zero()
        } else {
            let kl = match self.objective() {
                Objective::Elbo => posterior.kl(prior),
                _ => forward_kl(posterior, prior),
            };
            free_bits.apply(kl) * beta
        };
        let reverse = if gamma == 0.0 {
            zero()
        } else {
            let kl = match self.objective() {
                Objective::Dreamer => posterior.kl(&prior.detach()),
                _ => reverse_kl(prior, posterior),
            };
            free_bits.apply(kl) * gamma
        };
        LossTerms {
            total: ntp.clone() + forward.clone() + reverse.clone(),
            ntp,
            forward,
            reverse,
            kl_qp,
            kl_pq,
            beta,
            gamma,
        }
    }
}
