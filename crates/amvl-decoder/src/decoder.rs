use std::ops::Range;

use amvl_core::{DecoderCache, LanguageModel};
use burn::nn::{Embedding, Linear, RmsNorm};
use burn::prelude::*;

use crate::cache::KvCache;
use crate::layer::DecoderLayer;
use crate::mask::{attention_mask, grouped_mask};
use crate::rope::RotaryTables;

/// The causal decoder. Drive it with embeddings through [`LanguageModel::forward_embeds`].
#[derive(Module, Debug)]
pub struct Decoder {
    pub embed_tokens: Embedding,
    pub layers: Vec<DecoderLayer>,
    pub norm: RmsNorm,
    /// `None` when the head is tied to `embed_tokens`.
    pub lm_head: Option<Linear>,
    pub rope_theta: f64,
    pub head_dim: usize,
}

impl Decoder {
    /// Token ids [batch, seq] (all real) → logits [batch, seq, vocab]; convenience for checks.
    pub fn forward_ids(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [b, s] = ids.dims();
        let real = Tensor::<2, Bool>::full([b, s], true, &ids.device());
        let (hidden, _) = self.forward_embeds(self.embed_tokens(ids), real, None);
        self.logits(hidden)
    }
}

impl LanguageModel for Decoder {
    type Cache = KvCache;

    fn d_model(&self) -> usize {
        self.embed_tokens.weight.dims()[1]
    }

    fn vocab_size(&self) -> usize {
        self.embed_tokens.weight.dims()[0]
    }

    fn embed_tokens(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        self.embed_tokens.forward(ids)
    }

    fn embedding_table(&self) -> Tensor<2> {
        self.embed_tokens.weight.val()
    }

    fn forward_embeds(&self, embeds: Tensor<3>, real: Tensor<2, Bool>, cache: Option<KvCache>) -> (Tensor<3>, KvCache) {
        let seq = embeds.dims()[1];
        let (hidden, cache) = self.run(embeds, real, cache, Some(0..seq));
        (hidden.expect("hidden states were asked for"), cache)
    }

    fn forward_embeds_keep(
        &self,
        embeds: Tensor<3>,
        real: Tensor<2, Bool>,
        cache: Option<KvCache>,
        keep: Range<usize>,
    ) -> (Tensor<3>, KvCache) {
        let (hidden, cache) = self.run(embeds, real, cache, Some(keep));
        (hidden.expect("hidden states were asked for"), cache)
    }

    fn prefill(&self, embeds: Tensor<3>, real: Tensor<2, Bool>) -> KvCache {
        self.run(embeds, real, None, None).1
    }

    fn logits(&self, hidden: Tensor<3>) -> Tensor<3> {
        match &self.lm_head {
            Some(head) => head.forward(hidden),
            None => hidden.matmul(self.embed_tokens.weight.val().transpose().unsqueeze()),
        }
    }
}

impl Decoder {
    /// Every layer over `embeds` [batch, seq, d_model] after `cache`, except that the last layer
    /// computes queries, attention and MLP only at the positions `keep` (and nothing but keys and
    /// values when `keep` is None). Returns the final-norm hidden states [batch, keep.len(),
    /// d_model] (None when `keep` is None) and the cache over all positions.
    fn run(
        &self,
        embeds: Tensor<3>,
        real: Tensor<2, Bool>,
        cache: Option<KvCache>,
        keep: Option<Range<usize>>,
    ) -> (Option<Tensor<3>>, KvCache) {
        let [batch, seq, d_model] = embeds.dims();
        let device = embeds.device();
        let (cached, start, real_all) = match &cache {
            Some(c) => (
                c.len(),
                c.next_position(),
                Tensor::cat(vec![c.real.clone(), real.clone()], 1),
            ),
            None => (0, Tensor::<2, Int>::zeros([batch, 1], &device), real.clone()),
        };
        let positions = (start + real.int().cumsum(1) - 1).clamp_min(0);
        let rope = RotaryTables::new(positions, self.head_dim, self.rope_theta);
        // Causal mask of the queries at `rows`, grouped as the attention reads it.
        let mask = |rows: &Range<usize>| {
            let mask = attention_mask(real_all.clone(), cached + rows.start, rows.len());
            match self.layers.first() {
                Some(layer) => grouped_mask(mask, layer.self_attn.n_kv_heads, layer.self_attn.groups()),
                None => mask,
            }
        };
        let all = 0..seq;
        let full_mask = mask(&all);
        let mut x = embeds;
        let mut layers = Vec::with_capacity(self.layers.len());
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            let layer_cache = cache.as_ref().map(|c| &c.layers[i]);
            let rows = if i == last { keep.clone() } else { Some(all.clone()) };
            let new_cache = match rows {
                Some(rows) if rows == all => {
                    let (out, new_cache) = layer.forward(x, &rope, full_mask.clone(), layer_cache);
                    x = out;
                    new_cache
                }
                Some(rows) => {
                    let (out, new_cache) = layer.forward_rows(x, &rope, mask(&rows), layer_cache, rows);
                    x = out;
                    new_cache
                }
                None => layer.keys_values(x.clone(), &rope, layer_cache),
            };
            layers.push(new_cache);
        }
        let cache = KvCache { layers, real: real_all };
        let hidden = keep.map(|rows| {
            if self.layers.is_empty() && rows != all {
                x = x.slice([0..batch, rows, 0..d_model]);
            }
            self.norm.forward(x)
        });
        (hidden, cache)
    }

    /// Grows the vocabulary to `vocab` (new rows drawn from N(0, `std`²)), e.g. after a
    /// pretrained tokenizer gained AMVL's special tokens. Existing rows are kept as they are.
    pub fn resize_vocab(mut self, vocab: usize, std: f64) -> Self {
        let [old, d] = self.embed_tokens.weight.dims();
        if vocab <= old {
            return self;
        }
        let device = self.embed_tokens.weight.device();
        let normal = burn::tensor::Distribution::Normal(0.0, std);
        let rows = Tensor::<2>::random([vocab - old, d], normal, &device);
        let table = Tensor::cat(vec![self.embed_tokens.weight.val(), rows], 0);
        self.embed_tokens.weight = burn::module::Param::from_tensor(table);
        if let Some(head) = self.lm_head.as_mut() {
            let cols = Tensor::<2>::random([d, vocab - old], normal, &device);
            head.weight = burn::module::Param::from_tensor(Tensor::cat(vec![head.weight.val(), cols], 1));
        }
        self
    }
}
