use burn::prelude::*;
use burn::tensor::{Distribution, FloatDType};

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// KL between two diagonal Gaussians, split by what differs.
#[derive(Clone, Debug)]
pub struct KlParts {
    /// [batch, slots]: `Σ_d (μ₁−μ₂)²/2σ₂²`, the part a linear read-out of the means can use.
    pub mean: Tensor<2>,
    /// [batch, slots]: `Σ_d log(σ₂/σ₁) + σ₁²/2σ₂² − ½`, the part from the spreads alone.
    pub variance: Tensor<2>,
}

/// A factorized diagonal Gaussian per latent slot.
#[derive(Clone, Debug)]
pub struct DiagGaussian {
    /// [batch, slots, d_latent]
    pub mean: Tensor<3>,
    /// [batch, slots, d_latent]: log σ.
    pub log_std: Tensor<3>,
}

impl DiagGaussian {
    pub fn new(mean: Tensor<3>, log_std: Tensor<3>) -> Self {
        Self { mean, log_std }
    }

    /// From log-variance instead of log σ.
    pub fn from_log_var(mean: Tensor<3>, log_var: Tensor<3>) -> Self {
        Self::new(mean, log_var * 0.5)
    }

    pub fn dims(&self) -> [usize; 3] {
        self.mean.dims()
    }

    /// [batch, slots, d_latent]
    pub fn std(&self) -> Tensor<3> {
        self.log_std.clone().exp()
    }

    /// [batch, slots, d_latent]
    pub fn log_var(&self) -> Tensor<3> {
        self.log_std.clone() * 2.0
    }

    /// Stop-gradient copy: the same values, no path back to whatever produced them.
    pub fn detach(&self) -> Self {
        Self::new(self.mean.clone().detach(), self.log_std.clone().detach())
    }

    /// Reparameterized sample `μ + τ·σ·ε` with fresh standard-normal `ε`; `τ = 0` gives the mean.
    pub fn sample(&self, temperature: f64) -> Tensor<3> {
        if temperature == 0.0 {
            return self.mean.clone();
        }
        let noise = Tensor::random(self.dims(), Distribution::Normal(0.0, 1.0), &self.mean.device());
        self.sample_with_noise(noise, temperature)
    }

    /// `μ + τ·σ·ε` for a given `ε` [batch, slots, d_latent].
    pub fn sample_with_noise(&self, noise: Tensor<3>, temperature: f64) -> Tensor<3> {
        self.mean.clone() + self.std() * noise * temperature
    }

    /// Closed-form KL(self ‖ other) per slot, summed over dimensions: [batch, slots].
    ///
    /// `log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²) / (2σ₂²) − ½`
    pub fn kl(&self, other: &DiagGaussian) -> Tensor<2> {
        // In f32 whatever the model's dtype: in bf16 the rounding of the terms below makes a
        // near-zero KL come out negative.
        let f32 = |t: &Tensor<3>| t.clone().cast(FloatDType::F32);
        let (log_std_self, log_std_other) = (f32(&self.log_std), f32(&other.log_std));
        let var_self = (log_std_self.clone() * 2.0).exp();
        let inv_var_other = (log_std_other.clone() * -2.0).exp();
        let diff = f32(&self.mean) - f32(&other.mean);
        let per_dim = log_std_other - log_std_self + (var_self + diff.powi_scalar(2)) * inv_var_other * 0.5 - 0.5;
        per_dim.sum_dim(2).squeeze_dim(2)
    }

    /// KL(self ‖ other) split into its mean part `Σ_d (μ₁−μ₂)²/2σ₂²` and its variance part
    /// `Σ_d log(σ₂/σ₁) + σ₁²/2σ₂² − ½` (≥ 0, zero iff σ₁ = σ₂), each [batch, slots]; they add up
    /// to [`kl`](Self::kl).
    pub fn kl_parts(&self, other: &DiagGaussian) -> KlParts {
        let f32 = |t: &Tensor<3>| t.clone().cast(FloatDType::F32);
        let (log_std_self, log_std_other) = (f32(&self.log_std), f32(&other.log_std));
        let var_self = (log_std_self.clone() * 2.0).exp();
        let inv_var_other = (log_std_other.clone() * -2.0).exp();
        let diff = f32(&self.mean) - f32(&other.mean);
        let mean = (diff.powi_scalar(2) * inv_var_other.clone() * 0.5)
            .sum_dim(2)
            .squeeze_dim(2);
        let variance = (log_std_other - log_std_self + var_self * inv_var_other * 0.5 - 0.5)
            .sum_dim(2)
            .squeeze_dim(2);
        KlParts { mean, variance }
    }

    /// Differential entropy per slot: `Σ_d (½ ln 2πe + log σ)`, [batch, slots].
    pub fn entropy(&self) -> Tensor<2> {
        let d = self.dims()[2] as f64;
        (self.log_std.clone().sum_dim(2) + d * 0.5 * (LN_2PI + 1.0)).squeeze_dim(2)
    }

    /// Log density of `z` [batch, slots, d_latent] per slot: [batch, slots].
    pub fn log_prob(&self, z: Tensor<3>) -> Tensor<2> {
        let standardized = (z - self.mean.clone()) * (self.log_std.clone().neg()).exp();
        let per_dim = standardized.powi_scalar(2) * -0.5 - self.log_std.clone() - 0.5 * LN_2PI;
        per_dim.sum_dim(2).squeeze_dim(2)
    }
}
