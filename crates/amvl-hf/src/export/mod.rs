//! Writing AMVL modules back out as Hugging Face checkpoints (f32 safetensors + config.json),
//! loadable by this crate's loaders and by transformers.

mod decoder;
mod vision;
mod writer;

pub use decoder::{EXPORTED_MAX_POSITIONS, export_decoder, hf_config};
pub use vision::export_vision;
