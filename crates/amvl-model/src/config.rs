use amvl_decoder::DecoderConfig;
use amvl_latent::LatentConfig;
use amvl_vision::VisionConfig;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::AmvlModel;
use crate::projector::Projector;

pub use amvl_core::TargetMode;

/// The whole model's shape. `latent.slots = 0` builds no latent block (`no_latent`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    pub vision: VisionConfig,
    pub decoder: DecoderConfig,
    pub latent: LatentConfig,
    /// Inner width of the 2-layer projector; the decoder width when absent.
    pub projector_hidden: Option<usize>,
    /// Learned image-slot embeddings added to the projected image tokens (one per image slot;
    /// 0 = none). When set, it must be at least `data.max_images`.
    pub image_slot_embeddings: usize,
    /// Subtract each image's mean vision feature from its tokens before the projector. A tower
    /// trained from scratch otherwise collapses its tokens onto one shared direction early on
    /// (99.8% of the output energy, docs/history.md "The cause of the plateau") and the decoder
    /// learns to ignore the images.
    pub center_image_tokens: bool,
    /// What the posterior pass reads before its slots (`posterior_input`; formerly `target`),
    /// independent of what the decoder is taught to write.
    #[serde(rename = "posterior_input", alias = "target")]
    pub target: TargetMode,
}

impl ModelConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.vision.validate()?;
        self.decoder.validate()?;
        self.latent.validate().map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn has_latent(&self) -> bool {
        self.latent.slots > 0
    }

    pub fn init(&self, device: &Device) -> AmvlModel {
        if let Err(e) = self.validate() {
            panic!("invalid model config: {e}");
        }
        let d_model = self.decoder.hidden_size;
        let hidden = self.projector_hidden.unwrap_or(d_model);
        let latent = self.has_latent().then(|| self.latent.init(d_model, device));
        AmvlModel {
            vision: self.vision.init(device),
            projector: Projector::new(
                self.vision.output_width(),
                hidden,
                d_model,
                self.image_slot_embeddings,
                self.vision.output_tokens_per_image(),
                device,
            )
            .with_centered_tokens(self.center_image_tokens.then(|| self.vision.output_tokens_per_image())),
            decoder: self.decoder.init(device),
            latent,
        }
    }
}
