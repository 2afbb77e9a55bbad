//! [`Decoder`] → `config.json` + `model.safetensors` as `LlamaForCausalLM`/`Qwen2ForCausalLM`.

use std::path::Path;

use amvl_decoder::{Decoder, DecoderConfig};
use serde_json::{Value, json};

use crate::HfError;
use crate::decoder::{DecoderArch, EMBED_TOKENS, MODEL_PREFIX};
use crate::export::writer::{TensorWriter, create_dir, write_json, write_manifest};
use crate::files::WEIGHTS_FILE;

/// Written as `max_position_embeddings`: amvl-decoder has no position limit, transformers
/// wants one (it only matters for rope scaling, which is not exported).
pub const EXPORTED_MAX_POSITIONS: usize = 4096;

/// Writes `decoder` into `dir` (created if needed) as a Hugging Face checkpoint: f32
/// `model.safetensors` with HF tensor names and a `config.json` for `Qwen2ForCausalLM` when
/// q/k/v carry biases, else `LlamaForCausalLM`. Tied models get no `lm_head.weight`.
///
/// `config` must be the one `decoder` was built from; a decoder that disagrees with it (layer
/// count, biases, tied head) is refused. Returns the architecture written.
pub fn export_decoder(decoder: &Decoder, config: &DecoderConfig, dir: &Path) -> Result<DecoderArch, HfError> {
    check_matches(decoder, config).map_err(|message| HfError::Export {
        path: dir.into(),
        message,
    })?;
    let arch = DecoderArch::for_config(config);
    create_dir(dir)?;

    let mut w = TensorWriter::default();
    w.param(EMBED_TOKENS, &decoder.embed_tokens.weight);
    for (i, layer) in decoder.layers.iter().enumerate() {
        let p = format!("{MODEL_PREFIX}layers.{i}");
        w.param(&format!("{p}.input_layernorm.weight"), &layer.input_layernorm.gamma);
        let a = &layer.self_attn;
        w.linear(&format!("{p}.self_attn.q_proj"), &a.q_proj);
        w.linear(&format!("{p}.self_attn.k_proj"), &a.k_proj);
        w.linear(&format!("{p}.self_attn.v_proj"), &a.v_proj);
        w.linear(&format!("{p}.self_attn.o_proj"), &a.o_proj);
        w.param(
            &format!("{p}.post_attention_layernorm.weight"),
            &layer.post_attention_layernorm.gamma,
        );
        w.linear(&format!("{p}.mlp.gate_proj"), &layer.mlp.gate_proj);
        w.linear(&format!("{p}.mlp.up_proj"), &layer.mlp.up_proj);
        w.linear(&format!("{p}.mlp.down_proj"), &layer.mlp.down_proj);
    }
    w.param(&format!("{MODEL_PREFIX}norm.weight"), &decoder.norm.gamma);
    if let Some(head) = &decoder.lm_head {
        w.linear("lm_head", head);
    }
    w.write(&dir.join(WEIGHTS_FILE))?;
    write_json(dir, "config.json", &hf_config(arch, config))?;
    write_manifest(dir, &[WEIGHTS_FILE, "config.json"])?;
    Ok(arch)
}

/// The `config.json` transformers needs to rebuild `config`. `rope_theta` is written both at
/// the top level (transformers 4) and in `rope_parameters` (transformers 5).
pub fn hf_config(arch: DecoderArch, config: &DecoderConfig) -> Value {
    let mut json = json!({
        "architectures": [arch.hf_name()],
        "model_type": arch.model_type(),
        "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers,
        "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_kv_heads,
        "hidden_act": "silu",
        "rms_norm_eps": config.rms_eps,
        "rope_theta": config.rope_theta,
        "rope_parameters": {"rope_theta": config.rope_theta, "rope_type": "default"},
        "tie_word_embeddings": config.tie_embeddings,
        "initializer_range": config.init_std,
        "max_position_embeddings": EXPORTED_MAX_POSITIONS,
        "attention_dropout": 0.0,
        "use_cache": true,
        "dtype": "float32",
        "torch_dtype": "float32",
    });
    let extra = match arch {
        DecoderArch::Llama => json!({"attention_bias": false, "mlp_bias": false}),
        DecoderArch::Qwen2 => json!({"use_sliding_window": false, "sliding_window": null}),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut json, extra) {
        map.extend(extra);
    }
    // Only when set, so that `hidden_size / num_attention_heads` configs read back unchanged.
    if let Some(head_dim) = config.head_dim {
        json["head_dim"] = head_dim.into();
    }
    json
}

fn check_matches(decoder: &Decoder, config: &DecoderConfig) -> Result<(), String> {
    if decoder.layers.len() != config.num_layers {
        return Err(format!(
            "the decoder has {} layers but config.num_layers is {}",
            decoder.layers.len(),
            config.num_layers
        ));
    }
    if decoder.lm_head.is_none() != config.tie_embeddings {
        return Err(format!(
            "config.tie_embeddings is {} but the decoder {} an lm_head",
            config.tie_embeddings,
            if decoder.lm_head.is_some() { "has" } else { "lacks" }
        ));
    }
    for (i, layer) in decoder.layers.iter().enumerate() {
        let a = &layer.self_attn;
        let biased = [&a.q_proj, &a.k_proj, &a.v_proj].map(|l| l.bias.is_some());
        if biased != [config.qkv_bias; 3] {
            return Err(format!(
                "layer {i}'s q/k/v biases {biased:?} disagree with config.qkv_bias = {}",
                config.qkv_bias
            ));
        }
        let unbiased = [
            &a.o_proj,
            &layer.mlp.gate_proj,
            &layer.mlp.up_proj,
            &layer.mlp.down_proj,
        ];
        if unbiased.iter().any(|l| l.bias.is_some()) {
            return Err(format!(
                "layer {i} has an o_proj or MLP bias, which neither Llama nor Qwen2 can hold"
            ));
        }
    }
    Ok(())
}
