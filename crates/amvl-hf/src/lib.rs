//! Hugging Face checkpoints (`config.json` + safetensors) into AMVL modules, and back.
//!
//! Only safetensors are read: pickled `.bin`/`.pt` checkpoints are refused, since unpickling
//! can run arbitrary code. Every tensor is accounted for: missing, unexpected and misshapen
//! tensors are errors that name the tensor.
//!
//! - [`decoder`]: `LlamaForCausalLM` / `Qwen2ForCausalLM` into [`amvl_decoder::Decoder`].
//! - [`vision`]: `SiglipVisionModel` / `CLIPVisionModel` (and the vision half of `SiglipModel` /
//!   `CLIPModel`) into [`amvl_vision::VisionTransformer`].
//! - [`check_dir`]: runs any supported checkpoint on its `reference.safetensors`.
//! - [`export`]: writes a decoder or vision tower back as a Hugging Face checkpoint.

mod arch;
mod check;
mod compare;
pub mod decoder;
mod error;
pub mod export;
pub mod files;
pub mod safetensors_io;
pub mod vision;

pub use arch::{Architecture, detect_architecture, supported_architectures};
pub use check::{CheckReport, check_dir};
pub use compare::{OutputError, max_abs_diff};
pub use decoder::{
    DecoderArch, DecoderCheckReport, GreedyCheck, HfDecoder, check_decoder, load_decoder, load_decoder_as,
    read_decoder_config,
};
pub use error::HfError;
pub use export::{export_decoder, export_vision};
pub use safetensors_io::Checkpoint;
pub use vision::{HfVision, VisionCheckReport, check_vision, load_vision, read_vision_config};
