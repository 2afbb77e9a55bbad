use amvl_core::{AmvlBatch, LanguageModel, VisionTower};
use burn::prelude::*;

use crate::model::AmvlModel;

/// The image+question prefix: run once with its keys/values kept (`Cached`), or kept as raw
/// embeddings so that every suffix pass re-runs it (`Naive`, the reference for tests).
#[derive(Clone, Debug)]
pub enum Prefix<C> {
    Cached(C),
    Naive {
        /// [batch, prefix, d_model]
        embeds: Tensor<3>,
        /// [batch, prefix]
        real: Tensor<2, Bool>,
    },
}

impl<V: Module + VisionTower, L: Module + LanguageModel> AmvlModel<V, L> {
    /// `[image tokens, question tokens]` embeddings [batch, prefix, d_model] and their real mask.
    pub fn prefix_embeds(&self, batch: &AmvlBatch) -> (Tensor<3>, Tensor<2, Bool>) {
        let (images, images_real) = self.image_tokens(batch.images.clone(), batch.image_mask.clone());
        let question = self.decoder.embed_tokens(batch.question.clone());
        (
            Tensor::cat(vec![images, question], 1),
            Tensor::cat(vec![images_real, batch.question_mask.clone()], 1),
        )
    }

    /// Embeds the prefix and, when `shared`, runs it once through the decoder.
    pub fn run_prefix(&self, batch: &AmvlBatch, shared: bool) -> Prefix<L::Cache> {
        let (embeds, real) = self.prefix_embeds(batch);
        if shared {
            Prefix::Cached(self.decoder.prefill(embeds, real))
        } else {
            Prefix::Naive { embeds, real }
        }
    }

    /// Runs `suffix` [batch, len, d_model] (real mask [batch, len]) after the prefix.
    /// Returns the suffix's hidden states [batch, len, d_model] and the cache after it.
    pub fn run_suffix(
        &self,
        prefix: &Prefix<L::Cache>,
        suffix: Tensor<3>,
        real: Tensor<2, Bool>,
    ) -> (Tensor<3>, L::Cache) {
        let len = suffix.dims()[1];
        self.run_suffix_keep(prefix, suffix, real, 0..len)
    }

    /// [`run_suffix`](Self::run_suffix) when only the hidden states of the suffix positions
    /// `keep` are read: [batch, keep.len(), d_model] (the decoder may skip its last layer's work
    /// elsewhere, see [`LanguageModel::forward_embeds_keep`]).
    pub fn run_suffix_keep(
        &self,
        prefix: &Prefix<L::Cache>,
        suffix: Tensor<3>,
        real: Tensor<2, Bool>,
        keep: std::ops::Range<usize>,
    ) -> (Tensor<3>, L::Cache) {
        match prefix {
            Prefix::Cached(cache) => self
                .decoder
                .forward_embeds_keep(suffix, real, Some(cache.clone()), keep),
            Prefix::Naive {
                embeds,
                real: prefix_real,
            } => {
                let start = embeds.dims()[1];
                self.decoder.forward_embeds_keep(
                    Tensor::cat(vec![embeds.clone(), suffix], 1),
                    Tensor::cat(vec![prefix_real.clone(), real], 1),
                    None,
                    start + keep.start..start + keep.end,
                )
            }
        }
    }
}
