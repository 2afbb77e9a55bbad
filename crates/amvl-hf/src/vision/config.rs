//! Hugging Face `config.json` (and `preprocessor_config.json`) → [`VisionConfig`].

use std::path::Path;

use amvl_vision::{HiddenAct, Pooling, VisionConfig};
use serde::Deserialize;
use serde_json::Value;

use crate::HfError;
use crate::files::read_json;

/// The Hugging Face classes whose vision tower this crate loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisionArch {
    /// `SiglipVisionModel`: tensors at the top level (or under `vision_model.`).
    SiglipVision,
    /// `CLIPVisionModel`: tensors at the top level (or under `vision_model.`).
    ClipVision,
    /// `SiglipModel`: the vision tower under `vision_model.`; the text tower is ignored.
    Siglip,
    /// `CLIPModel`: the vision tower under `vision_model.`; the rest is ignored.
    Clip,
}

impl VisionArch {
    /// Every supported `architectures` name.
    pub const SUPPORTED: [&'static str; 4] = ["SiglipVisionModel", "CLIPVisionModel", "SiglipModel", "CLIPModel"];

    /// The class name as in `config.json`'s `architectures`.
    pub fn hf_name(self) -> &'static str {
        match self {
            Self::SiglipVision => "SiglipVisionModel",
            Self::ClipVision => "CLIPVisionModel",
            Self::Siglip => "SiglipModel",
            Self::Clip => "CLIPModel",
        }
    }

    pub(crate) fn from_hf_name(name: &str) -> Option<Self> {
        match name {
            "SiglipVisionModel" => Some(Self::SiglipVision),
            "CLIPVisionModel" => Some(Self::ClipVision),
            "SiglipModel" => Some(Self::Siglip),
            "CLIPModel" => Some(Self::Clip),
            _ => None,
        }
    }

    pub(crate) fn from_model_type(model_type: &str) -> Option<Self> {
        match model_type {
            "siglip_vision_model" => Some(Self::SiglipVision),
            "clip_vision_model" => Some(Self::ClipVision),
            "siglip" => Some(Self::Siglip),
            "clip" => Some(Self::Clip),
            _ => None,
        }
    }

    /// CLIP (class token, pre-LN, class-token pooling) rather than SigLIP.
    pub fn is_clip(self) -> bool {
        matches!(self, Self::ClipVision | Self::Clip)
    }

    /// Whether the checkpoint also holds a text tower, to be skipped.
    pub fn is_two_tower(self) -> bool {
        matches!(self, Self::Siglip | Self::Clip)
    }
}

/// Vision fields of a HF config; absent ones take transformers' defaults for the architecture.
#[derive(Deserialize, Default)]
struct HfVisionFields {
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    num_channels: Option<usize>,
    image_size: Option<usize>,
    patch_size: Option<usize>,
    hidden_act: Option<String>,
    layer_norm_eps: Option<f64>,
    vision_use_head: Option<bool>,
}

#[derive(Deserialize, Default)]
struct HfPreprocessor {
    image_mean: Option<Vec<f32>>,
    image_std: Option<Vec<f32>>,
}

const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

/// Reads `dir/config.json` (and `dir/preprocessor_config.json` when present for mean/std).
pub fn read_vision_config(dir: &Path) -> Result<(VisionArch, VisionConfig), HfError> {
    let path = dir.join("config.json");
    let json: Value = read_json(&path)?;
    let (arch, mut config) = vision_config_from_json(&json, &path)?;
    let preprocessor_path = dir.join("preprocessor_config.json");
    if preprocessor_path.is_file() {
        let pre: HfPreprocessor = read_json(&preprocessor_path)?;
        if let Some(mean) = pre.image_mean {
            config.image_mean = mean;
        }
        if let Some(std) = pre.image_std {
            config.image_std = std;
        }
        config.validate().map_err(|message| HfError::Config {
            path: preprocessor_path,
            message,
        })?;
    }
    Ok((arch, config))
}

/// Parses a HF config already read from `path` (used in messages). The vision fields may be at
/// the top level or under `vision_config`.
pub fn vision_config_from_json(json: &Value, path: &Path) -> Result<(VisionArch, VisionConfig), HfError> {
    let arch = detect_arch(json)?;
    let section = json.get("vision_config").filter(|v| v.is_object()).unwrap_or(json);
    let bad = |message: String| HfError::Config {
        path: path.into(),
        message,
    };
    let fields = HfVisionFields::deserialize(section).map_err(|e| bad(e.to_string()))?;

    let clip = arch.is_clip();
    let activation_name = fields
        .hidden_act
        .unwrap_or_else(|| if clip { "quick_gelu" } else { "gelu_pytorch_tanh" }.into());
    let activation = HiddenAct::from_hf_name(&activation_name).ok_or_else(|| {
        bad(format!(
            "unsupported hidden_act `{activation_name}`; supported: {}",
            HiddenAct::NAMES.join(", ")
        ))
    })?;
    let pooling = match (clip, fields.vision_use_head.unwrap_or(true)) {
        (true, _) => Pooling::ClassToken,
        (false, true) => Pooling::AttentionHead,
        (false, false) => Pooling::None,
    };
    let (mean, std) = if clip {
        (CLIP_MEAN.to_vec(), CLIP_STD.to_vec())
    } else {
        (vec![0.5; 3], vec![0.5; 3])
    };
    let config = VisionConfig {
        image_size: fields.image_size.unwrap_or(224),
        patch_size: fields.patch_size.unwrap_or(if clip { 32 } else { 16 }),
        num_channels: fields.num_channels.unwrap_or(3),
        hidden_size: fields.hidden_size.unwrap_or(768),
        intermediate_size: fields.intermediate_size.unwrap_or(3072),
        num_layers: fields.num_hidden_layers.unwrap_or(12),
        num_heads: fields.num_attention_heads.unwrap_or(12),
        layer_norm_eps: fields.layer_norm_eps.unwrap_or(if clip { 1e-5 } else { 1e-6 }),
        activation,
        patch_bias: !clip,
        class_token: clip,
        pre_layernorm: clip,
        pooling,
        image_mean: mean,
        image_std: std,
        stem_channels: Vec::new(),
        merge_size: 1,
    };
    config.validate().map_err(bad)?;
    Ok((arch, config))
}

fn detect_arch(json: &Value) -> Result<VisionArch, HfError> {
    let unsupported = |found: String| HfError::UnsupportedArchitecture {
        found,
        supported: VisionArch::SUPPORTED.to_vec(),
    };
    let first_arch = json
        .get("architectures")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str);
    if let Some(name) = first_arch {
        return VisionArch::from_hf_name(name).ok_or_else(|| unsupported(name.into()));
    }
    match json.get("model_type").and_then(Value::as_str) {
        Some(model_type) => {
            VisionArch::from_model_type(model_type).ok_or_else(|| unsupported(format!("model_type {model_type}")))
        }
        None => Err(unsupported(
            "(config.json names neither `architectures` nor `model_type`)".into(),
        )),
    }
}
