//! Hugging Face checkpoints (`config.json` + safetensors) into AMVL modules.
//!
//! Only safetensors are read: pickled `.bin`/`.pt` checkpoints are refused, since unpickling
//! can run arbitrary code. Every tensor is accounted for: missing, unexpected and misshapen
//! tensors are errors that name the tensor.
//!
//! - [`vision`]: `SiglipVisionModel` / `CLIPVisionModel` (and the vision half of `SiglipModel` /
//!   `CLIPModel`) into [`amvl_vision::VisionTransformer`].

mod compare;
mod error;
pub mod files;
pub mod safetensors_io;
pub mod vision;

pub use compare::max_abs_diff;
pub use error::HfError;
pub use safetensors_io::Checkpoint;
pub use vision::{HfVision, VisionCheckReport, check_vision, load_vision};
