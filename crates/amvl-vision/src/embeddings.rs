use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::prelude::*;

use crate::VisionConfig;

/// Patch embedding, optional class token and learned position embedding
/// (HF `embeddings.*`).
#[derive(Module, Debug)]
pub struct VisionEmbeddings {
    /// Conv with kernel = stride = patch; weight [d_vision, channels, patch, patch].
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
        let patch_embedding = Conv2dConfig::new(
            [config.num_channels, d],
            [config.patch_size, config.patch_size],
        )
        .with_stride([config.patch_size, config.patch_size])
        .with_bias(config.patch_bias)
        .init(device);
        let position_embedding = EmbeddingConfig::new(config.tokens_per_image(), d)
            .with_initializer(Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            })
            .init(device);
        let class_embedding = config.class_token.then(|| {
            Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }
            .init([d], device)
        });
        Self {
            patch_embedding,
            position_embedding,
            class_embedding,
        }
    }

    /// [images, channels, H, W] → [images, tokens_per_image, d_vision]
    pub fn forward(&self, pixels: Tensor<4>) -> Tensor<3> {
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
