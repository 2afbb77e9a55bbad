use burn::nn::Linear;
use burn::prelude::*;

/// Maps a latent sample back to model width so it can replace the slot embeddings.
#[derive(Module, Debug)]
pub struct Injector {
    pub proj: Linear,
}

impl Injector {
    /// [batch, slots, d_latent] → [batch, slots, d_model]
    pub fn forward(&self, z: Tensor<3>) -> Tensor<3> {
        self.proj.forward(z)
    }
}
