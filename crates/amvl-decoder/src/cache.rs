use burn::prelude::*;

/// Keys and values of one layer, before head repetition.
#[derive(Clone, Debug)]
pub struct LayerCache {
    /// [batch, n_kv_heads, cached, head_dim]
    pub key: Tensor<4>,
    /// [batch, n_kv_heads, cached, head_dim]
    pub value: Tensor<4>,
}

/// What the decoder has seen so far: per-layer keys/values and which cached positions are real.
///
/// Extending a cache returns a new one, so one prefix can feed several suffix passes.
#[derive(Clone, Debug)]
pub struct KvCache {
    pub layers: Vec<LayerCache>,
    /// [batch, cached]: `true` on real (non-padding) positions.
    pub real: Tensor<2, Bool>,
}

impl amvl_core::DecoderCache for KvCache {
    fn batch_size(&self) -> usize {
        self.real.dims()[0]
    }

    fn len(&self) -> usize {
        self.real.dims()[1]
    }
}

impl KvCache {
    /// [batch, 1]: real tokens seen so far, i.e. the position of the next real token.
    pub fn next_position(&self) -> Tensor<2, Int> {
        self.real.clone().int().sum_dim(1)
    }

    /// Keeps only the rows in `indices` (e.g. when some sequences of a batch finished).
    pub fn select(&self, indices: Tensor<1, Int>) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .map(|l| LayerCache {
                    key: l.key.clone().select(0, indices.clone()),
                    value: l.value.clone().select(0, indices.clone()),
                })
                .collect(),
            real: self.real.clone().select(0, indices),
        }
    }
}
