use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Embedding, EmbeddingConfig, Initializer, PaddingConfig2d};
use burn::prelude::*;

use crate::{HiddenAct, VisionConfig};

/// Optional convolutional stem (`stem_channels`): 3×3 convolutions with stride 2 and padding 1,
/// each followed by the tower's activation. Not part of SigLIP/CLIP; it gives a tower trained from
/// scratch a local, translation-equivariant front end before patchifying.
#[derive(Module, Debug)]
pub struct ConvStem {
    /// `convs[i]` weight [stem_channels[i], in, 3, 3].
    pub convs: Vec<Conv2d>,
    #[module(skip)]
    pub activation: HiddenAct,
}

impl ConvStem {
    /// Random initialisation for `config` (`config.stem_channels` must be non-empty).
    pub fn new(config: &VisionConfig, device: &Device) -> Self {
        let mut channels = config.num_channels;
        let convs = config
            .stem_channels
            .iter()
            .map(|&out| {
                let conv = Conv2dConfig::new([channels, out], [3, 3])
                    .with_stride([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device);
                channels = out;
                conv
            })
            .collect();
        Self {
            convs,
            activation: config.activation,
        }
    }

    /// [images, channels, H, W] → [images, stem_channels.last, H / 2^n, W / 2^n]
    pub fn forward(&self, pixels: Tensor<4>) -> Tensor<4> {
        self.convs
            .iter()
            .fold(pixels, |x, conv| self.activation.apply(conv.forward(x)))
    }
}

/// Patch embedding, optional class token and learned position embedding
/// (HF `embeddings.*`).
#[derive(Module, Debug)]
pub struct VisionEmbeddings {
    /// The optional convolutional stem, run before the patch embedding.
    pub stem: Option<ConvStem>,
    /// Conv with kernel = stride = patch; weight [d_vision, channels, patch, patch]
    /// (channels = the last stem width when there is a stem).
    pub patch_embedding: Conv2d,
    /// One row per token position: [tokens_per_image, d_vision].
    pub position_embedding: Embedding,
    /// CLIP's class token, [d_vision].
    pub class_embedding: Option<Param<Tensor<1>>>,
}

impl VisionEmbeddings {
    /// Random initialisation for `config`.
    pub fn new(config: &VisionConfig, device: &Device) -> Self {
        let d = config.hidden_size;
        let stem = (!config.stem_channels.is_empty()).then(|| ConvStem::new(config, device));
        let patch_embedding = Conv2dConfig::new(
            [config.patch_input_channels(), d],
            [config.patch_size, config.patch_size],
        )
        .with_stride([config.patch_size, config.patch_size])
        .with_bias(config.patch_bias)
        .init(device);
        let position_embedding = EmbeddingConfig::new(config.tokens_per_image(), d)
            .with_initializer(Initializer::Normal { mean: 0.0, std: 0.02 })
            .init(device);
        let class_embedding = config
            .class_token
            .then(|| Initializer::Normal { mean: 0.0, std: 0.02 }.init([d], device));
        Self {
            stem,
            patch_embedding,
            position_embedding,
            class_embedding,
        }
    }

    /// [images, channels, H, W] → [images, tokens_per_image, d_vision]
    pub fn forward(&self, pixels: Tensor<4>) -> Tensor<3> {
        let pixels = match &self.stem {
            Some(stem) => stem.forward(pixels),
            None => pixels,
        };
        let patches = self.patch_embedding.forward(pixels);
        let [images, d, _, _] = patches.dims();
        let mut tokens = patches.flatten::<3>(2, 3).swap_dims(1, 2);
        if let Some(class) = &self.class_embedding {
            let class = class.val().reshape([1, 1, d]).expand([images, 1, d]);
            tokens = Tensor::cat(vec![class, tokens], 1);
        }
        let positions = self.position_embedding.weight.val().unsqueeze_dim::<3>(0);
        tokens + positions
    }
}
