//! [`VisionTransformer`] → `config.json` + `preprocessor_config.json` + `model.safetensors` as
//! `SiglipVisionModel`/`CLIPVisionModel`.

use std::path::Path;

use amvl_vision::{Mlp, Pooling, VisionConfig, VisionTransformer};
use burn::nn::LayerNorm;
use serde_json::{Value, json};

use crate::HfError;
use crate::export::writer::{TensorWriter, create_dir, write_json, write_manifest};
use crate::files::WEIGHTS_FILE;
use crate::vision::VisionArch;

/// Writes `model` into `dir` (created if needed) with the tensor names the loader reads (as in
/// the fixtures transformers saved: no `vision_model.` prefix), its `config.json` and a
/// `preprocessor_config.json` holding `image_mean`/`image_std`.
///
/// Only the two layouts Hugging Face has are exportable: CLIP (class token, pre-layernorm, no
/// patch bias, class-token pooling) and SigLIP (none of those; attention-head or no pooling).
/// Returns the architecture written.
pub fn export_vision(model: &VisionTransformer, dir: &Path) -> Result<VisionArch, HfError> {
    let config = model.config();
    let arch = vision_arch(config).map_err(|message| HfError::Export {
        path: dir.into(),
        message,
    })?;
    create_dir(dir)?;

    let mut w = TensorWriter::default();
    let e = &model.embeddings;
    w.param("embeddings.patch_embedding.weight", &e.patch_embedding.weight);
    if let Some(bias) = &e.patch_embedding.bias {
        w.param("embeddings.patch_embedding.bias", bias);
    }
    w.param("embeddings.position_embedding.weight", &e.position_embedding.weight);
    if let Some(class) = &e.class_embedding {
        w.param("embeddings.class_embedding", class);
    }
    if let Some(norm) = &model.pre_layrnorm {
        layer_norm(&mut w, "pre_layrnorm", norm);
    }
    for (i, layer) in model.encoder.layers.iter().enumerate() {
        let p = format!("encoder.layers.{i}");
        layer_norm(&mut w, &format!("{p}.layer_norm1"), &layer.layer_norm1);
        let a = &layer.self_attn;
        w.linear(&format!("{p}.self_attn.q_proj"), &a.q_proj);
        w.linear(&format!("{p}.self_attn.k_proj"), &a.k_proj);
        w.linear(&format!("{p}.self_attn.v_proj"), &a.v_proj);
        w.linear(&format!("{p}.self_attn.out_proj"), &a.out_proj);
        layer_norm(&mut w, &format!("{p}.layer_norm2"), &layer.layer_norm2);
        mlp(&mut w, &format!("{p}.mlp"), &layer.mlp);
    }
    layer_norm(&mut w, "post_layernorm", &model.post_layernorm);
    if let Some(head) = &model.head {
        w.param("head.probe", &head.probe);
        w.param("head.attention.in_proj_weight", &head.attention.in_proj_weight);
        w.param("head.attention.in_proj_bias", &head.attention.in_proj_bias);
        w.linear("head.attention.out_proj", &head.attention.out_proj);
        layer_norm(&mut w, "head.layernorm", &head.layernorm);
        mlp(&mut w, "head.mlp", &head.mlp);
    }
    w.write(&dir.join(WEIGHTS_FILE))?;
    write_json(dir, "config.json", &hf_vision_config(arch, config))?;
    write_json(
        dir,
        "preprocessor_config.json",
        &json!({"image_mean": config.image_mean, "image_std": config.image_std}),
    )?;
    write_manifest(dir, &[WEIGHTS_FILE, "config.json", "preprocessor_config.json"])?;
    Ok(arch)
}

/// Which HF class `config` is, if any.
fn vision_arch(c: &VisionConfig) -> Result<VisionArch, String> {
    let clip = c.class_token && c.pre_layernorm && !c.patch_bias && c.pooling == Pooling::ClassToken;
    let siglip = !c.class_token
        && !c.pre_layernorm
        && c.patch_bias
        && matches!(c.pooling, Pooling::AttentionHead | Pooling::None);
    match (clip, siglip) {
        (true, _) => Ok(VisionArch::ClipVision),
        (_, true) => Ok(VisionArch::SiglipVision),
        _ => Err(format!(
            "this vision config (class_token {}, pre_layernorm {}, patch_bias {}, pooling {:?}) is \
             neither CLIP's nor SigLIP's layout",
            c.class_token, c.pre_layernorm, c.patch_bias, c.pooling
        )),
    }
}

/// The `config.json` the loader (and transformers) rebuild `config` from.
fn hf_vision_config(arch: VisionArch, c: &VisionConfig) -> Value {
    let model_type = match arch {
        VisionArch::ClipVision | VisionArch::Clip => "clip_vision_model",
        VisionArch::SiglipVision | VisionArch::Siglip => "siglip_vision_model",
    };
    let mut json = json!({
        "architectures": [arch.hf_name()],
        "model_type": model_type,
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_layers,
        "num_attention_heads": c.num_heads,
        "num_channels": c.num_channels,
        "image_size": c.image_size,
        "patch_size": c.patch_size,
        "hidden_act": c.activation,
        "layer_norm_eps": c.layer_norm_eps,
        "dtype": "float32",
        "torch_dtype": "float32",
    });
    if arch == VisionArch::SiglipVision {
        json["vision_use_head"] = (c.pooling == Pooling::AttentionHead).into();
    }
    json
}

fn layer_norm(w: &mut TensorWriter, p: &str, norm: &LayerNorm) {
    w.param(&format!("{p}.weight"), &norm.gamma);
    if let Some(beta) = &norm.beta {
        w.param(&format!("{p}.bias"), beta);
    }
}

fn mlp(w: &mut TensorWriter, p: &str, m: &Mlp) {
    w.linear(&format!("{p}.fc1"), &m.fc1);
    w.linear(&format!("{p}.fc2"), &m.fc2);
}
