use burn::nn::{Initializer, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::head::{GaussianHead, GaussianHeadConfig};
use crate::injector::Injector;
use crate::slots::LatentSlots;

/// The latent block's shape.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LatentConfig {
    /// Number of latent slots `k`.
    pub slots: usize,
    /// Dimensions per slot.
    pub d_latent: usize,
    /// Width of the head's hidden layer.
    pub head_hidden: usize,
    /// Clamp range for log σ.
    pub log_std_min: f64,
    pub log_std_max: f64,
}

impl Default for LatentConfig {
    fn default() -> Self {
        Self {
            slots: 4,
            d_latent: 16,
            head_hidden: 64,
            log_std_min: -5.0,
            log_std_max: 2.0,
        }
    }
}

impl LatentConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.d_latent == 0 || self.head_hidden == 0 {
            return Err("latent.d_latent and latent.head_hidden must be positive".into());
        }
        if self.log_std_min >= self.log_std_max {
            return Err(format!(
                "latent.log_std_min ({}) must be below latent.log_std_max ({})",
                self.log_std_min, self.log_std_max
            ));
        }
        Ok(())
    }

    pub fn head(&self, d_model: usize) -> GaussianHeadConfig {
        GaussianHeadConfig {
            d_model,
            d_hidden: self.head_hidden,
            d_latent: self.d_latent,
            log_std_min: self.log_std_min,
            log_std_max: self.log_std_max,
        }
    }

    pub fn init_slots(&self, d_model: usize, device: &Device) -> LatentSlots {
        let init = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        LatentSlots {
            embedding: init.init([self.slots, d_model], device),
        }
    }

    pub fn init_injector(&self, d_model: usize, device: &Device) -> Injector {
        Injector {
            proj: LinearConfig::new(self.d_latent, d_model).init(device),
        }
    }

    /// Builds the prior head (p(z|x), or q(z|x,y) — the two are the same shape).
    pub fn init_head(&self, d_model: usize, device: &Device) -> GaussianHead {
        self.head(d_model).init(device)
    }
}

