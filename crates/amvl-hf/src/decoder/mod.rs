//! Llama and Qwen2 causal language models from Hugging Face checkpoints.

mod check;
mod config;
mod greedy;
mod weights;

use std::path::Path;

use amvl_decoder::{Decoder, DecoderConfig};
use burn::prelude::*;
use burn::tensor::FloatDType;

pub use check::{DecoderCheckReport, GreedyCheck, check_decoder};
pub use config::{DecoderArch, decoder_config_from_json, read_decoder_config};
pub use greedy::greedy_decode;
pub use weights::{EMBED_TOKENS, LM_HEAD, MODEL_PREFIX, load_decoder_weights};

use crate::HfError;
use crate::files::{config_dir, weight_files};
use crate::safetensors_io::Checkpoint;

/// A causal LM loaded from a HF checkpoint.
#[derive(Debug)]
pub struct HfDecoder {
    pub architecture: DecoderArch,
    pub config: DecoderConfig,
    pub model: Decoder,
}

/// Loads `path` (a checkpoint directory, or a `.safetensors` file next to its `config.json`)
/// with f32 parameters; see [`load_decoder_as`].
pub fn load_decoder(path: &Path, device: &Device) -> Result<HfDecoder, HfError> {
    load_decoder_as(path, FloatDType::F32, device)
}

/// Loads `path` with parameters of `dtype`.
///
/// The weights are `model.safetensors` or the shards named by `model.safetensors.index.json`;
/// pickled `.bin`/`.pt` checkpoints are refused. Every parameter must be present with the shape
/// `config.json` implies, and nothing else may be in the files. F32, BF16, F16 and F64 tensors
/// are accepted and widened to f32 before being cast to `dtype`.
pub fn load_decoder_as(path: &Path, dtype: FloatDType, device: &Device) -> Result<HfDecoder, HfError> {
    let files = weight_files(path)?;
    let dir = config_dir(path);
    let (architecture, config) = read_decoder_config(&dir)?;
    let mut checkpoint = Checkpoint::read(&files)?;
    let mut model = config.init(device);
    load_decoder_weights(&mut model, &mut checkpoint, dtype, device)?;
    checkpoint.finish()?;
    Ok(HfDecoder {
        architecture,
        config,
        model,
    })
}
