use burn::prelude::*;

use crate::head::GaussianHead;
use crate::injector::Injector;
use crate::reader::PosteriorReader;
use crate::slots::LatentSlots;

/// Slot embeddings, the prior head p(z|x), the posterior head q(z|x,y) and the injector.
#[derive(Module, Debug)]
pub struct LatentBlock {
    pub slots: LatentSlots,
    pub prior_head: GaussianHead,
    pub posterior_head: GaussianHead,
    pub injector: Injector,
    /// What the posterior head reads of y besides its slot states.
    #[module(skip)]
    pub reader: PosteriorReader,
}

impl LatentBlock {
    /// Number of slots `k`.
    pub fn count(&self) -> usize {
        self.slots.count()
    }

    /// Dimensions per slot.
    pub fn d_latent(&self) -> usize {
        self.injector.proj.weight.dims()[0]
    }
}
