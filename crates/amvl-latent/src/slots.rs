use burn::module::Param;
use burn::prelude::*;

/// The learned `<lat>_1 … <lat>_k` input embeddings.
#[derive(Module, Debug)]
pub struct LatentSlots {
    /// [slots, d_model]
    pub embedding: Param<Tensor<2>>,
}

impl LatentSlots {
    pub fn count(&self) -> usize {
        self.embedding.dims()[0]
    }

    /// [batch, slots, d_model]
    pub fn expand(&self, batch: usize) -> Tensor<3> {
        let [k, d] = self.embedding.dims();
        self.embedding.val().reshape([1, k, d]).expand([batch, k, d])
    }
}
