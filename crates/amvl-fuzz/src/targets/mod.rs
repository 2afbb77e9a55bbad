//! One target per reader.

mod blink;
mod checkpoint;
mod config;
mod generate_image;
mod images;
mod jsonl;
mod safetensors_file;
mod tokenizer;

use std::path::Path;
use std::sync::Arc;

use crate::target::{Target, TargetKind};

pub use blink::BlinkTarget;
pub use checkpoint::CheckpointTarget;
pub use config::ConfigTarget;
pub use generate_image::GenerateImageTarget;
pub use images::{ImageTarget, jpeg_declaring, png, png_declaring};
pub use jsonl::JsonlTarget;
pub use safetensors_file::SafetensorsTarget;
pub use tokenizer::TokenizerTarget;

/// The target for `kind` (some build their seeds here: a tiny checkpoint, a tokenizer).
pub fn target(kind: TargetKind) -> Result<Arc<dyn Target>, String> {
    Ok(match kind {
        TargetKind::Jsonl => Arc::new(JsonlTarget),
        TargetKind::Blink => Arc::new(BlinkTarget),
        TargetKind::Config => Arc::new(ConfigTarget),
        TargetKind::Safetensors => Arc::new(SafetensorsTarget),
        TargetKind::Tokenizer => Arc::new(TokenizerTarget::new()?),
        TargetKind::Png => Arc::new(ImageTarget::png()),
        TargetKind::Jpeg => Arc::new(ImageTarget::jpeg()),
        TargetKind::Checkpoint => Arc::new(CheckpointTarget::new()?),
        TargetKind::GenerateImage => Arc::new(GenerateImageTarget::new()?),
    })
}

/// Writes `bytes` to `dir/name` (creating folders), as a reader's error on failure.
pub(crate) fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<std::path::PathBuf, String> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The run config the model-building targets use: configs/tiny.toml made smaller still.
pub(crate) fn micro_config() -> amvl_train::RunConfig {
    let mut config =
        amvl_train::RunConfig::parse(include_str!("../../../../configs/tiny.toml"), "configs/tiny.toml").expect("tiny");
    config.model.vision.hidden_size = 16;
    config.model.vision.intermediate_size = 32;
    config.model.vision.num_layers = 1;
    config.model.vision.num_heads = 2;
    config.model.decoder.hidden_size = 16;
    config.model.decoder.intermediate_size = 32;
    config.model.decoder.num_layers = 1;
    config.model.decoder.num_heads = 2;
    config.model.decoder.num_kv_heads = 1;
    config.model.latent.d_latent = 4;
    config.model.latent.head_hidden = 16;
    config.data.tasks = vec!["counting".into()];
    config.data.train_per_task = 8;
    config.train.batch_size = 2;
    config.train.steps = 1;
    config.train.checkpoint_every = 1;
    config
}
