use burn::nn::{Initializer, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::LatentBlock;
use crate::bounds::LogStdBounds;
use crate::error::LatentConfigError;
use crate::head::{GaussianHead, GaussianHeadConfig};
use crate::injector::Injector;
use crate::reader::PosteriorReader;
use crate::slots::LatentSlots;

/// The latent block's shape (`[model.latent]`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LatentConfig {
    /// Number of latent slots `k`.
    pub slots: usize,
    /// Dimensions per slot.
    pub d_latent: usize,
    /// Width of the head's hidden layer.
    pub head_hidden: usize,
    /// Range of log σ.
    pub log_std_min: f64,
    pub log_std_max: f64,
    /// log σ of both heads at initialisation. Well below 0, so that the injected noise starts
    /// small beside the posterior mean's dependence on y.
    pub log_std_init: f64,
    /// How log σ is kept in range.
    pub log_std_bounds: LogStdBounds,
    /// What the posterior head reads besides its slot states.
    pub posterior_reader: PosteriorReader,
}

impl Default for LatentConfig {
    fn default() -> Self {
        Self {
            slots: 4,
            d_latent: 16,
            head_hidden: 64,
            log_std_min: -5.0,
            log_std_max: 2.0,
            log_std_init: -2.0,
            log_std_bounds: LogStdBounds::Soft,
            posterior_reader: PosteriorReader::SlotsAndTokens,
        }
    }
}

impl LatentConfig {
    pub fn validate(&self) -> Result<(), LatentConfigError> {
        if self.d_latent == 0 || self.head_hidden == 0 {
            return Err(LatentConfigError::ZeroWidth);
        }
        let (min, max, init) = (self.log_std_min, self.log_std_max, self.log_std_init);
        if min >= max {
            return Err(LatentConfigError::EmptyRange { min, max });
        }
        if !(init > min && init < max) {
            return Err(LatentConfigError::InitOutsideRange { init, min, max });
        }
        Ok(())
    }

    /// The prior head's shape; the posterior's adds a reader of y when configured.
    pub fn head(&self, d_model: usize) -> GaussianHeadConfig {
        GaussianHeadConfig {
            d_model,
            d_hidden: self.head_hidden,
            d_latent: self.d_latent,
            log_std_min: self.log_std_min,
            log_std_max: self.log_std_max,
            log_std_init: self.log_std_init,
            bounds: self.log_std_bounds,
            reads_target: false,
        }
    }

    /// The whole block for a decoder of width `d_model`.
    pub fn init(&self, d_model: usize, device: &Device) -> LatentBlock {
        LatentBlock {
            slots: self.init_slots(d_model, device),
            prior_head: self.init_head(d_model, device),
            posterior_head: self.init_posterior_head(d_model, device),
            injector: self.init_injector(d_model, device),
            reader: self.posterior_reader,
        }
    }

    pub fn init_slots(&self, d_model: usize, device: &Device) -> LatentSlots {
        let init = Initializer::Normal { mean: 0.0, std: 0.02 };
        LatentSlots {
            embedding: init.init([self.slots, d_model], device),
        }
    }

    pub fn init_injector(&self, d_model: usize, device: &Device) -> Injector {
        Injector {
            proj: LinearConfig::new(self.d_latent, d_model).init(device),
        }
    }

    /// The prior head p(z|x).
    pub fn init_head(&self, d_model: usize, device: &Device) -> GaussianHead {
        self.head(d_model).init(device)
    }

    /// The posterior head q(z|x,y).
    pub fn init_posterior_head(&self, d_model: usize, device: &Device) -> GaussianHead {
        let mut config = self.head(d_model);
        config.reads_target = self.posterior_reader.reads_target();
        config.init(device)
    }
}
