//! SigLIP and CLIP vision towers from Hugging Face checkpoints.

mod check;
mod config;
mod weights;

use std::path::Path;

use amvl_vision::{VisionConfig, VisionTransformer};
use burn::prelude::*;

pub use check::{OutputError, REFERENCE_FILE, VisionCheckReport, check_vision};
pub use config::{VisionArch, read_vision_config, vision_config_from_json};
pub use weights::load_vision_weights;

use crate::HfError;
use crate::files::{config_dir, weight_files};
use crate::safetensors_io::Checkpoint;

/// A vision tower loaded from a HF checkpoint.
#[derive(Debug)]
pub struct HfVision {
    pub architecture: VisionArch,
    pub config: VisionConfig,
    pub model: VisionTransformer,
}

const VISION_PREFIX: &str = "vision_model.";

/// Loads `path` (a checkpoint directory, or a `.safetensors` file next to its `config.json`).
///
/// Every tensor of the vision tower must be present with the shape `config.json` implies, and
/// nothing else may be in the file (two-tower `SiglipModel`/`CLIPModel` checkpoints: nothing
/// else under `vision_model.`). bf16/f16/f64 tensors are converted to f32.
pub fn load_vision(path: &Path, device: &Device) -> Result<HfVision, HfError> {
    let files = weight_files(path)?;
    let dir = config_dir(path);
    let (architecture, config) = read_vision_config(&dir)?;
    let mut checkpoint = Checkpoint::read(&files)?;
    checkpoint.strip_prefix(VISION_PREFIX, architecture.is_two_tower())?;
    let mut model = VisionTransformer::new(config.clone(), device);
    load_vision_weights(&mut model, &mut checkpoint, device)?;
    checkpoint.finish()?;
    Ok(HfVision {
        architecture,
        config,
        model,
    })
}
