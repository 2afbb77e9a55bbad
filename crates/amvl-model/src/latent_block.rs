use amvl_latent::{GaussianHead, Injector, LatentSlots};
use burn::prelude::*;

/// Slot embeddings, the prior head p(z|x), the posterior head q(z|x,y) and the injector.
#[derive(Module, Debug)]
pub struct LatentBlock {
    pub slots: LatentSlots,
    pub prior_head: GaussianHead,
    pub posterior_head: GaussianHead,
    pub injector: Injector,
}

impl LatentBlock {
    pub fn count(&self) -> usize {
        self.slots.count()
    }
}
