use amvl_core::{LanguageModel, VisionTower};
use amvl_decoder::Decoder;
use amvl_vision::VisionTransformer;
use burn::prelude::*;

use crate::latent_block::LatentBlock;
use crate::projector::Projector;

/// Vision tower → projector → language model, with an optional latent block.
///
/// `V` and `L` are swappable: any [`VisionTower`] and any [`LanguageModel`] that are Burn modules.
#[derive(Module, Debug)]
pub struct AmvlModel<V: Module = VisionTransformer, L: Module = Decoder> {
    pub vision: V,
    pub projector: Projector,
    pub decoder: L,
    pub latent: Option<LatentBlock>,
}

impl<V: Module + VisionTower, L: Module + LanguageModel> AmvlModel<V, L> {
    /// Image tokens for `images` [batch, max_images, 3, H, W] → [batch, max_images·tokens, d_model],
    /// with `image_mask` [batch, max_images] spread to [batch, max_images·tokens].
    pub fn image_tokens(&self, images: Tensor<5>, image_mask: Tensor<2, Bool>) -> (Tensor<3>, Tensor<2, Bool>) {
        let [batch, max_images, c, h, w] = images.dims();
        let features = self.vision.encode(images.reshape([batch * max_images, c, h, w]));
        let [_, tokens, d_vision] = features.dims();
        let features = features.reshape([batch, max_images * tokens, d_vision]);
        let real = image_mask
            .reshape([batch, max_images, 1])
            .expand([batch, max_images, tokens])
            .reshape([batch, max_images * tokens]);
        (self.projector.forward(features), real)
    }

    /// Number of latent slots (0 without a latent block).
    pub fn latent_slots(&self) -> usize {
        self.latent.as_ref().map(LatentBlock::count).unwrap_or(0)
    }
}
