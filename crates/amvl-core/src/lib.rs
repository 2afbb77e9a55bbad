//! Shared vocabulary of the AMVL crates: the traits the parts meet through, the batch
//! layout, special tokens, config loading with helpful errors, and run-time device selection.

pub mod batch;
pub mod config_file;
pub mod contain;
pub mod device;
pub mod dtype;
pub mod manifest;
pub mod random;
pub mod safetensors_header;
pub mod special_tokens;
pub mod target;
pub mod threads;
pub mod traits;

pub use batch::AmvlBatch;
pub use config_file::{ConfigError, load_toml, parse_toml};
pub use device::{DeviceError, available_device_names, parse_device, parse_float_dtype, set_float_dtype};
pub use dtype::{cast_floats, to_device_dtype};
pub use target::TargetMode;
pub use traits::{DecoderCache, LanguageModel, VisionTower};
