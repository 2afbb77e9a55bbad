use amvl_core::VisionTower;
use burn::nn::LayerNorm;
use burn::prelude::*;

use crate::encoder::layer_norm;
use crate::{AttentionPoolingHead, Encoder, Pooling, VisionConfig, VisionEmbeddings};

/// SigLIP/CLIP vision transformer; field names follow HF's `*VisionTransformer`.
#[derive(Module, Debug)]
pub struct VisionTransformer {
    pub embeddings: VisionEmbeddings,
    /// CLIP's LayerNorm before the encoder (HF spells it `pre_layrnorm`).
    pub pre_layrnorm: Option<LayerNorm>,
    pub encoder: Encoder,
    pub post_layernorm: LayerNorm,
    /// SigLIP's attention-pooling head, present when `pooling = attention_head`.
    pub head: Option<AttentionPoolingHead>,
    #[module(skip)]
    pub config: VisionConfig,
}

impl VisionTransformer {
    /// Random initialisation; prefer [`VisionConfig::init`], which validates first.
    pub fn new(config: VisionConfig, device: &Device) -> Self {
        Self {
            embeddings: VisionEmbeddings::new(&config, device),
            pre_layrnorm: config.pre_layernorm.then(|| layer_norm(&config, device)),
            encoder: Encoder::new(&config, device),
            post_layernorm: layer_norm(&config, device),
            head: (config.pooling == Pooling::AttentionHead).then(|| AttentionPoolingHead::new(&config, device)),
            config,
        }
    }

    /// The configuration this tower was built from.
    pub fn config(&self) -> &VisionConfig {
        &self.config
    }

    /// Maps pixels in [0, 1] to the model's input scale: `(x - mean) / std` per channel.
    ///
    /// [images, channels, H, W] → [images, channels, H, W]
    pub fn normalize(&self, pixels: Tensor<4>) -> Tensor<4> {
        let device = pixels.device();
        let c = self.config.num_channels;
        let per_channel = |values: &[f32]| {
            Tensor::<1>::from_data(TensorData::new(values.to_vec(), [c]), &device).reshape([1, c, 1, 1])
        };
        (pixels - per_channel(&self.config.image_mean)) / per_channel(&self.config.image_std)
    }

    /// Returns HF's `(last_hidden_state, pooler_output)` for this architecture.
    ///
    /// [images, channels, image_size, image_size] →
    /// ([images, tokens_per_image, d_vision], Some([images, d_vision]) unless `pooling = none`)
    ///
    /// SigLIP: tokens are `post_layernorm(encoder(..))`, pooled is `head(tokens)`.
    /// CLIP (`pooling = class_token`): tokens are the encoder output without `post_layernorm`,
    /// pooled is `post_layernorm(tokens[:, 0])`.
    pub fn forward_with_pooled(&self, pixels: Tensor<4>) -> (Tensor<3>, Option<Tensor<2>>) {
        let x = self.encoder_output(pixels);
        match self.config.pooling {
            Pooling::ClassToken => {
                let [images, _, d] = x.dims();
                let class = x.clone().narrow(1, 0, 1).reshape([images, d]);
                (x, Some(self.post_layernorm.forward(class)))
            }
            Pooling::AttentionHead | Pooling::None => {
                let x = self.post_layernorm.forward(x);
                let pooled = self.head.as_ref().map(|head| head.forward(x.clone()));
                (x, pooled)
            }
        }
    }

    /// HF's `last_hidden_state` alone (skips the pooling head).
    ///
    /// [images, channels, image_size, image_size] → [images, tokens_per_image, d_vision]
    pub fn last_hidden_state(&self, pixels: Tensor<4>) -> Tensor<3> {
        let x = self.encoder_output(pixels);
        match self.config.pooling {
            Pooling::ClassToken => x,
            Pooling::AttentionHead | Pooling::None => self.post_layernorm.forward(x),
        }
    }

    /// Concatenates each `merge_size × merge_size` block of neighbouring tokens (row-major within
    /// the block) into one token; identity when `merge_size = 1`.
    ///
    /// [images, grid², d] → [images, (grid / m)², m² · d]
    pub fn merge_tokens(&self, x: Tensor<3>) -> Tensor<3> {
        let m = self.config.merge_size;
        if m <= 1 {
            return x;
        }
        let [images, tokens, d] = x.dims();
        let g = self.config.grid_size();
        assert_eq!(tokens, g * g, "merge_tokens expects {g}×{g} patch tokens, got {tokens}");
        let h = g / m;
        x.reshape([images, h, m, h, m, d])
            .swap_dims(2, 3)
            .reshape([images, h * h, m * m * d])
    }

    /// Encodes several images per example and concatenates their tokens, image by image.
    ///
    /// [batch, max_images, channels, H, W] → [batch, max_images * tokens_per_image, d_vision]
    pub fn encode_multi(&self, images: Tensor<5>) -> Tensor<3> {
        let [batch, max_images, c, h, w] = images.dims();
        let tokens = self.encode(images.reshape([batch * max_images, c, h, w]));
        let [_, n, d] = tokens.dims();
        tokens.reshape([batch, max_images * n, d])
    }

    /// [images, channels, image_size, image_size] → encoder output [images, tokens, d_vision]
    fn encoder_output(&self, pixels: Tensor<4>) -> Tensor<3> {
        self.check_input(&pixels.dims());
        let mut x = self.embeddings.forward(pixels);
        if let Some(norm) = &self.pre_layrnorm {
            x = norm.forward(x);
        }
        self.encoder.forward(x)
    }

    fn check_input(&self, dims: &[usize; 4]) {
        let [_, c, h, w] = *dims;
        let cfg = &self.config;
        assert!(
            c == cfg.num_channels && h == cfg.image_size && w == cfg.image_size,
            "vision tower expects pixels [images, {}, {}, {}], got {dims:?}",
            cfg.num_channels,
            cfg.image_size,
            cfg.image_size
        );
    }
}

impl VisionTower for VisionTransformer {
    fn d_output(&self) -> usize {
        self.config.output_width()
    }

    fn tokens_per_image(&self) -> usize {
        self.config.output_tokens_per_image()
    }

    /// [images, channels, H, W] → [images, tokens_per_image, d_output]: HF `last_hidden_state`,
    /// merged when `merge_size > 1`.
    fn encode(&self, pixels: Tensor<4>) -> Tensor<3> {
        self.merge_tokens(self.last_hidden_state(pixels))
    }
}
