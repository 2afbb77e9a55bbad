//! Which loader a `config.json` belongs to, from its `architectures` (or `model_type`).

use serde_json::Value;

use crate::HfError;
use crate::decoder::DecoderArch;
use crate::vision::VisionArch;

/// Every Hugging Face class this crate loads: decoders, then vision towers.
pub fn supported_architectures() -> Vec<&'static str> {
    let mut names = DecoderArch::SUPPORTED.to_vec();
    names.extend(VisionArch::SUPPORTED);
    names
}

/// A supported class, decoder or vision tower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    Decoder(DecoderArch),
    Vision(VisionArch),
}

impl Architecture {
    /// The class name as in `config.json`'s `architectures`.
    pub fn hf_name(self) -> &'static str {
        match self {
            Self::Decoder(arch) => arch.hf_name(),
            Self::Vision(arch) => arch.hf_name(),
        }
    }

    fn from_hf_name(name: &str) -> Option<Self> {
        DecoderArch::from_hf_name(name)
            .map(Self::Decoder)
            .or_else(|| VisionArch::from_hf_name(name).map(Self::Vision))
    }

    fn from_model_type(model_type: &str) -> Option<Self> {
        DecoderArch::from_model_type(model_type)
            .map(Self::Decoder)
            .or_else(|| VisionArch::from_model_type(model_type).map(Self::Vision))
    }
}

/// The class `json` (a parsed `config.json`) describes: the first `architectures` entry, or
/// `model_type` when there is none. Unknown classes are [`HfError::UnsupportedArchitecture`]
/// listing every supported one.
pub fn detect_architecture(json: &Value) -> Result<Architecture, HfError> {
    let unsupported = |found: String| HfError::UnsupportedArchitecture {
        found,
        supported: supported_architectures(),
    };
    let first_arch = json
        .get("architectures")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str);
    if let Some(name) = first_arch {
        return Architecture::from_hf_name(name).ok_or_else(|| unsupported(name.into()));
    }
    match json.get("model_type").and_then(Value::as_str) {
        Some(model_type) => {
            Architecture::from_model_type(model_type).ok_or_else(|| unsupported(format!("model_type {model_type}")))
        }
        None => Err(unsupported(
            "(config.json names neither `architectures` nor `model_type`)".into(),
        )),
    }
}
