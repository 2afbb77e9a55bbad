//! The seams of the model: implement one of these to swap a part without touching the rest.

use burn::prelude::*;

/// Images in, a sequence of feature vectors out.
pub trait VisionTower {
    /// Width of each output token.
    fn d_output(&self) -> usize;
    /// Output tokens per image.
    fn tokens_per_image(&self) -> usize;
    /// [images, 3, height, width] → [images, tokens_per_image, d_output]
    fn encode(&self, pixels: Tensor<4>) -> Tensor<3>;
}

/// A causal language model driven by embeddings, with an incremental key/value cache.
/// What a language model keeps between incremental calls.
pub trait DecoderCache: Clone {
    fn batch_size(&self) -> usize;
    /// Positions cached so far (padding included).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub trait LanguageModel {
    type Cache: DecoderCache;

    fn d_model(&self) -> usize;
    fn vocab_size(&self) -> usize;
    /// [batch, seq] → [batch, seq, d_model]
    fn embed_tokens(&self, ids: Tensor<2, Int>) -> Tensor<3>;
    /// The token embedding table, [vocab, d_model].
    fn embedding_table(&self) -> Tensor<2>;
    /// Runs `embeds` [batch, seq, d_model] after whatever `cache` holds.
    /// `real` [batch, seq] is `true` on real positions (padding is never attended to).
    /// Returns the final-norm hidden states [batch, seq, d_model] and the extended cache.
    fn forward_embeds(
        &self,
        embeds: Tensor<3>,
        real: Tensor<2, Bool>,
        cache: Option<Self::Cache>,
    ) -> (Tensor<3>, Self::Cache);
    /// [batch, seq, d_model] → [batch, seq, vocab]
    fn logits(&self, hidden: Tensor<3>) -> Tensor<3>;

    /// [`forward_embeds`](Self::forward_embeds) when only the hidden states of the new positions
    /// `keep` are wanted: returns [batch, keep.len(), d_model] and the cache over every position.
    /// A decoder may skip the last layer's queries, attention and MLP on the other positions
    /// (no later layer reads them); the default computes everything and slices.
    fn forward_embeds_keep(
        &self,
        embeds: Tensor<3>,
        real: Tensor<2, Bool>,
        cache: Option<Self::Cache>,
        keep: std::ops::Range<usize>,
    ) -> (Tensor<3>, Self::Cache) {
        let (hidden, cache) = self.forward_embeds(embeds, real, cache);
        let [batch, _, d] = hidden.dims();
        (hidden.slice([0..batch, keep, 0..d]), cache)
    }

    /// Only the cache after `embeds` [batch, seq, d_model] (a prefix to extend later): a decoder
    /// may compute just the last layer's keys and values. The default runs `forward_embeds`.
    fn prefill(&self, embeds: Tensor<3>, real: Tensor<2, Bool>) -> Self::Cache {
        self.forward_embeds(embeds, real, None).1
    }
}
