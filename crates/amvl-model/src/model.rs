use amvl_core::{LanguageModel, VisionTower};
use amvl_decoder::Decoder;
use amvl_latent::LatentBlock;
use amvl_vision::VisionTransformer;
use burn::prelude::*;

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
        let slots = batch * max_images;
        let present: Vec<bool> = image_mask.to_data().try_into_vec_as::<bool>().expect("image mask");
        let flat = images.reshape([slots, c, h, w]);
        let features = if present.iter().all(|&p| p) {
            self.vision.encode(flat)
        } else {
            // Encode only the images that exist; absent slots get a zero row (masked anyway).
            let device = flat.device();
            let chosen: Vec<i64> = (0..slots as i64).filter(|&i| present[i as usize]).collect();
            let n = chosen.len();
            let encoded = self
                .vision
                .encode(flat.select(0, Tensor::<1, Int>::from_ints(chosen.as_slice(), &device)));
            let [_, tokens, d] = encoded.dims();
            let padded = Tensor::cat(vec![encoded, Tensor::zeros([1, tokens, d], &device)], 0);
            let mut next = 0i64;
            let rows: Vec<i64> = present
                .iter()
                .map(|&p| {
                    if p {
                        next += 1;
                        next - 1
                    } else {
                        n as i64
                    }
                })
                .collect();
            padded.select(0, Tensor::<1, Int>::from_ints(rows.as_slice(), &device))
        };
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
