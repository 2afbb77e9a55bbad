use amvl_latent::DiagGaussian;
use burn::prelude::*;

/// KL(sg[q] ‖ p) per sample and slot [batch, slots]: gradient reaches only the prior.
pub fn forward_kl(posterior: &DiagGaussian, prior: &DiagGaussian) -> Tensor<2> {
    posterior.detach().kl(prior)
}

/// KL(sg[p] ‖ q) per sample and slot [batch, slots]: gradient reaches only the posterior.
pub fn reverse_kl(prior: &DiagGaussian, posterior: &DiagGaussian) -> Tensor<2> {
    prior.detach().kl(posterior)
}
