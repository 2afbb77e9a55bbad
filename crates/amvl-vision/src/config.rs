use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{HiddenAct, VisionTransformer};

/// How `forward_with_pooled` produces its pooled vector, following Hugging Face.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// No pooled output; `post_layernorm` is applied to every output token (SigLIP without head).
    #[default]
    None,
    /// SigLIP's multi-head attention pooling `head` over the post-LN tokens.
    AttentionHead,
    /// CLIP: `post_layernorm(tokens[:, 0])`; the token output is the encoder output *without*
    /// `post_layernorm`, exactly as CLIP's `last_hidden_state`. Needs `class_token`.
    ClassToken,
}

/// Shape and behaviour of a [`VisionTransformer`].
///
/// `Default` is the project's tiny test shape: 32×32 images, 8×8 patches (16 tokens),
/// width 64, 2 layers, 4 heads, MLP 256, LayerNorm eps 1e-6, `gelu_pytorch_tanh`,
/// patch-conv bias, no class token, no pre-LN, no pooling head, mean/std 0.5.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VisionConfig {
    /// Square input side in pixels.
    pub image_size: usize,
    /// Square patch side in pixels (conv kernel = stride).
    pub patch_size: usize,
    /// Input channels.
    pub num_channels: usize,
    /// Token width `d_vision`.
    pub hidden_size: usize,
    /// MLP hidden width.
    pub intermediate_size: usize,
    /// Transformer blocks.
    pub num_layers: usize,
    /// Attention heads; must divide `hidden_size`.
    pub num_heads: usize,
    /// LayerNorm epsilon (SigLIP 1e-6, CLIP 1e-5).
    pub layer_norm_eps: f64,
    /// MLP activation.
    pub activation: HiddenAct,
    /// Whether the patch convolution has a bias (SigLIP yes, CLIP no).
    pub patch_bias: bool,
    /// Prepend a learned class token (CLIP).
    pub class_token: bool,
    /// LayerNorm before the encoder (`pre_layrnorm`, CLIP).
    pub pre_layernorm: bool,
    /// What the pooled output is.
    pub pooling: Pooling,
    /// Per-channel mean used by [`VisionTransformer::normalize`].
    pub image_mean: Vec<f32>,
    /// Per-channel standard deviation used by [`VisionTransformer::normalize`].
    pub image_std: Vec<f32>,
    /// Optional convolutional stem before the patch embedding (not part of SigLIP/CLIP): one
    /// 3×3 convolution (stride 2, padding 1) followed by the MLP activation per entry, with that
    /// many output channels. Each entry halves the image side, so the patch grid becomes
    /// `image_size / 2^len / patch_size` per side. Empty (the default) = the plain ViT patchify.
    pub stem_channels: Vec<usize>,
    /// Token merging after the encoder (not part of SigLIP/CLIP; like Qwen2-VL's patch merger):
    /// each `merge_size × merge_size` block of neighbouring output tokens is concatenated into one
    /// token of width `hidden_size · merge_size²`, so an image gives `merge_size²` times fewer,
    /// wider tokens to the projector. Applies to [`VisionTower::encode`](amvl_core::VisionTower);
    /// `last_hidden_state` stays unmerged. 1 (the default) = no merging.
    pub merge_size: usize,
}

impl Default for VisionConfig {
    fn default() -> Self {
        Self {
            image_size: 32,
            patch_size: 8,
            num_channels: 3,
            hidden_size: 64,
            intermediate_size: 256,
            num_layers: 2,
            num_heads: 4,
            layer_norm_eps: 1e-6,
            activation: HiddenAct::GeluPytorchTanh,
            patch_bias: true,
            class_token: false,
            pre_layernorm: false,
            pooling: Pooling::None,
            image_mean: vec![0.5; 3],
            image_std: vec![0.5; 3],
            stem_channels: Vec::new(),
            merge_size: 1,
        }
    }
}

impl VisionConfig {
    /// Side of the feature map the patch embedding sees: the image side halved once per stem
    /// convolution.
    pub fn stem_output_size(&self) -> usize {
        self.image_size
            .checked_shr(self.stem_channels.len() as u32)
            .unwrap_or(0)
    }

    /// Channels the patch embedding sees: the last stem width, or the image channels.
    pub fn patch_input_channels(&self) -> usize {
        self.stem_channels.last().copied().unwrap_or(self.num_channels)
    }

    /// Patches along one side.
    pub fn grid_size(&self) -> usize {
        self.stem_output_size() / self.patch_size
    }

    /// Patch tokens per image.
    pub fn num_patches(&self) -> usize {
        self.grid_size() * self.grid_size()
    }

    /// Output tokens per image (patches, plus one with a class token).
    pub fn tokens_per_image(&self) -> usize {
        self.num_patches() + usize::from(self.class_token)
    }

    /// Tokens per image handed to the language side (after `merge_size` merging).
    pub fn output_tokens_per_image(&self) -> usize {
        self.tokens_per_image() / (self.merge_size * self.merge_size).max(1)
    }

    /// Width of those tokens: `hidden_size · merge_size²`.
    pub fn output_width(&self) -> usize {
        self.hidden_size * self.merge_size * self.merge_size
    }

    /// Width of each attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_heads
    }

    /// Checks the sizes fit together; the message names the offending fields.
    pub fn validate(&self) -> Result<(), String> {
        let sizes = [
            ("image_size", self.image_size),
            ("patch_size", self.patch_size),
            ("num_channels", self.num_channels),
            ("hidden_size", self.hidden_size),
            ("intermediate_size", self.intermediate_size),
            ("num_layers", self.num_layers),
            ("num_heads", self.num_heads),
        ];
        for (name, value) in sizes {
            if value == 0 {
                return Err(format!("vision `{name}` must be nonzero"));
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_heads) {
            return Err(format!(
                "vision `hidden_size` ({}) must be divisible by `num_heads` ({})",
                self.hidden_size, self.num_heads
            ));
        }
        if self.merge_size == 0 {
            return Err("vision `merge_size` must be nonzero".into());
        }
        if self.merge_size > 1 {
            if self.class_token {
                return Err("vision `merge_size` > 1 cannot be combined with `class_token = true`".into());
            }
            if !self.grid_size().is_multiple_of(self.merge_size) {
                return Err(format!(
                    "vision patch grid ({0}×{0}) must be divisible by `merge_size` ({1})",
                    self.grid_size(),
                    self.merge_size
                ));
            }
        }
        if let Some(i) = self.stem_channels.iter().position(|&c| c == 0) {
            return Err(format!("vision `stem_channels[{i}]` must be nonzero"));
        }
        let stride = self
            .patch_size
            .checked_shl(self.stem_channels.len() as u32)
            .unwrap_or(0);
        if !self.stem_channels.is_empty() && (stride == 0 || !self.image_size.is_multiple_of(stride)) {
            return Err(format!(
                "vision `image_size` ({}) must be divisible by `patch_size` ({}) times 2 per stem convolution \
                 ({} in `stem_channels`)",
                self.image_size,
                self.patch_size,
                self.stem_channels.len()
            ));
        }
        if !self.image_size.is_multiple_of(self.patch_size) {
            return Err(format!(
                "vision `image_size` ({}) must be divisible by `patch_size` ({})",
                self.image_size, self.patch_size
            ));
        }
        if self.layer_norm_eps.is_nan() || self.layer_norm_eps <= 0.0 {
            return Err(format!(
                "vision `layer_norm_eps` must be positive, got {}",
                self.layer_norm_eps
            ));
        }
        if self.pooling == Pooling::ClassToken && !self.class_token {
            return Err("vision `pooling = \"class_token\"` needs `class_token = true`".into());
        }
        for (name, values) in [("image_mean", &self.image_mean), ("image_std", &self.image_std)] {
            if values.len() != self.num_channels {
                return Err(format!(
                    "vision `{name}` has {} values but `num_channels` is {}",
                    values.len(),
                    self.num_channels
                ));
            }
        }
        if self.image_std.iter().any(|s| s.is_nan() || *s <= 0.0) {
            return Err(format!(
                "vision `image_std` values must be positive, got {:?}",
                self.image_std
            ));
        }
        Ok(())
    }

    /// Builds a randomly initialised tower.
    ///
    /// # Panics
    /// If [`validate`](Self::validate) fails; call it first to report the problem nicely.
    pub fn init(&self, device: &Device) -> VisionTransformer {
        if let Err(message) = self.validate() {
            panic!("invalid VisionConfig: {message}");
        }
        VisionTransformer::new(self.clone(), device)
    }
}
