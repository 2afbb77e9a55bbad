//! Hugging Face `config.json` → [`DecoderConfig`] for `LlamaForCausalLM` / `Qwen2ForCausalLM`.

use std::path::Path;

use amvl_decoder::DecoderConfig;
use serde::Deserialize;
use serde_json::Value;

use crate::HfError;
use crate::arch::{Architecture, detect_architecture};
use crate::files::read_json;

/// The Hugging Face causal-LM classes this crate loads into [`amvl_decoder::Decoder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecoderArch {
    /// `LlamaForCausalLM`: no biases (`attention_bias`/`mlp_bias` must be false).
    Llama,
    /// `Qwen2ForCausalLM`: q/k/v projections always carry a bias.
    Qwen2,
}

impl DecoderArch {
    /// Every supported `architectures` name.
    pub const SUPPORTED: [&'static str; 2] = ["LlamaForCausalLM", "Qwen2ForCausalLM"];

    /// The class name as in `config.json`'s `architectures`.
    pub fn hf_name(self) -> &'static str {
        match self {
            Self::Llama => "LlamaForCausalLM",
            Self::Qwen2 => "Qwen2ForCausalLM",
        }
    }

    /// `config.json`'s `model_type`.
    pub fn model_type(self) -> &'static str {
        match self {
            Self::Llama => "llama",
            Self::Qwen2 => "qwen2",
        }
    }

    pub(crate) fn from_hf_name(name: &str) -> Option<Self> {
        match name {
            "LlamaForCausalLM" => Some(Self::Llama),
            "Qwen2ForCausalLM" => Some(Self::Qwen2),
            _ => None,
        }
    }

    pub(crate) fn from_model_type(model_type: &str) -> Option<Self> {
        match model_type {
            "llama" => Some(Self::Llama),
            "qwen2" => Some(Self::Qwen2),
            _ => None,
        }
    }

    /// The architecture that represents `config`: Qwen2 when q/k/v carry biases, else Llama.
    pub fn for_config(config: &DecoderConfig) -> Self {
        if config.qkv_bias { Self::Qwen2 } else { Self::Llama }
    }

    /// transformers' defaults for keys a config leaves out.
    fn defaults(self) -> Defaults {
        match self {
            Self::Llama => Defaults {
                vocab_size: 32_000,
                intermediate_size: 11_008,
            },
            Self::Qwen2 => Defaults {
                vocab_size: 151_936,
                intermediate_size: 22_016,
            },
        }
    }
}

struct Defaults {
    vocab_size: usize,
    intermediate_size: usize,
}

/// transformers 5's `rope_parameters` or transformers 4's `rope_scaling`.
#[derive(Deserialize, Default)]
struct RopeParameters {
    rope_theta: Option<f64>,
    rope_type: Option<String>,
    /// Older spelling of `rope_type` in `rope_scaling`.
    #[serde(rename = "type")]
    legacy_type: Option<String>,
}

/// Decoder fields of a HF config; absent (or null) ones take transformers' defaults.
#[derive(Deserialize, Default)]
struct HfDecoderFields {
    vocab_size: Option<usize>,
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    hidden_act: Option<String>,
    rms_norm_eps: Option<f64>,
    rope_theta: Option<f64>,
    rope_parameters: Option<RopeParameters>,
    rope_scaling: Option<RopeParameters>,
    tie_word_embeddings: Option<bool>,
    attention_bias: Option<bool>,
    mlp_bias: Option<bool>,
    use_sliding_window: Option<bool>,
    initializer_range: Option<f64>,
}

/// Reads `dir/config.json`.
pub fn read_decoder_config(dir: &Path) -> Result<(DecoderArch, DecoderConfig), HfError> {
    let path = dir.join("config.json");
    let json: Value = read_json(&path)?;
    decoder_config_from_json(&json, &path)
}

/// Parses a HF causal-LM config already read from `path` (used in messages).
///
/// `rope_theta` may sit at the top level (transformers 4) or in `rope_parameters`
/// (transformers 5); both present and different is an error. Features `amvl-decoder` lacks
/// (rope scaling, sliding windows, o_proj/MLP biases, activations other than SiLU) are refused
/// by name rather than silently ignored.
pub fn decoder_config_from_json(json: &Value, path: &Path) -> Result<(DecoderArch, DecoderConfig), HfError> {
    let bad = |message: String| HfError::Config {
        path: path.into(),
        message,
    };
    let arch = match detect_architecture(json)? {
        Architecture::Decoder(arch) => arch,
        Architecture::Vision(vision) => {
            return Err(bad(format!(
                "`{}` is a vision tower, not a causal language model; load it with `load_vision` \
                 (or `check_dir`)",
                vision.hf_name()
            )));
        }
    };
    let fields = HfDecoderFields::deserialize(json).map_err(|e| bad(e.to_string()))?;
    refuse_unsupported(arch, &fields).map_err(bad)?;

    let defaults = arch.defaults();
    let num_heads = fields.num_attention_heads.unwrap_or(32);
    let config = DecoderConfig {
        vocab_size: fields.vocab_size.unwrap_or(defaults.vocab_size),
        hidden_size: fields.hidden_size.unwrap_or(4096),
        num_layers: fields.num_hidden_layers.unwrap_or(32),
        num_heads,
        num_kv_heads: fields.num_key_value_heads.unwrap_or(num_heads),
        intermediate_size: fields.intermediate_size.unwrap_or(defaults.intermediate_size),
        head_dim: fields.head_dim,
        rope_theta: rope_theta(&fields).map_err(bad)?,
        rms_eps: fields.rms_norm_eps.unwrap_or(1e-6),
        qkv_bias: arch == DecoderArch::Qwen2,
        tie_embeddings: fields.tie_word_embeddings.unwrap_or(false),
        init_std: fields.initializer_range.unwrap_or(0.02),
    };
    config.validate().map_err(bad)?;
    Ok((arch, config))
}

fn refuse_unsupported(arch: DecoderArch, fields: &HfDecoderFields) -> Result<(), String> {
    if let Some(act) = &fields.hidden_act
        && act != "silu"
        && act != "swish"
    {
        return Err(format!(
            "unsupported hidden_act `{act}`; amvl-decoder's MLP is SwiGLU (`silu`)"
        ));
    }
    if arch == DecoderArch::Llama && fields.attention_bias == Some(true) {
        return Err(
            "attention_bias = true (biases on q/k/v/o_proj) is not supported: amvl-decoder's \
             o_proj has no bias"
                .into(),
        );
    }
    if fields.mlp_bias == Some(true) {
        return Err("mlp_bias = true is not supported: amvl-decoder's MLP has no biases".into());
    }
    if fields.use_sliding_window == Some(true) {
        return Err(
            "use_sliding_window = true is not supported: amvl-decoder attends to every \
                    earlier position"
                .into(),
        );
    }
    for (key, rope) in [
        ("rope_parameters", &fields.rope_parameters),
        ("rope_scaling", &fields.rope_scaling),
    ] {
        let kind = rope
            .as_ref()
            .and_then(|r| r.rope_type.as_ref().or(r.legacy_type.as_ref()));
        if let Some(kind) = kind
            && kind != "default"
        {
            return Err(format!(
                "{key}.rope_type `{kind}` is not supported; only `default` rotary positions are"
            ));
        }
    }
    Ok(())
}

/// The top-level `rope_theta`, or `rope_parameters.rope_theta`, or transformers' 10000.
fn rope_theta(fields: &HfDecoderFields) -> Result<f64, String> {
    let top = fields.rope_theta;
    let nested = fields.rope_parameters.as_ref().and_then(|r| r.rope_theta);
    match (top, nested) {
        (Some(top), Some(nested)) if top != nested => Err(format!(
            "rope_theta is {top} at the top level but {nested} in rope_parameters"
        )),
        (Some(theta), _) | (None, Some(theta)) => Ok(theta),
        (None, None) => Ok(10_000.0),
    }
}
