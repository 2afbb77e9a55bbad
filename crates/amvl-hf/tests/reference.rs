//! Loaded checkpoints reproduce transformers' outputs on the stored reference inputs.

mod common;

use amvl_core::VisionTower;
use amvl_hf::vision::VisionArch;
use amvl_hf::{Checkpoint, check_vision, load_vision, max_abs_diff};
use amvl_vision::Pooling;
use burn::prelude::*;
use common::{TOLERANCE, edit_config, edited_copy, fixture, to_bf16};

fn device() -> Device {
    Device::flex()
}

fn assert_close(dir: &std::path::Path, tolerance: f32) -> amvl_hf::VisionCheckReport {
    let report = check_vision(dir, &device()).unwrap();
    println!("{report}");
    let names: Vec<&str> = report.outputs.iter().map(|o| o.name).collect();
    assert_eq!(names, ["last_hidden_state", "pooler_output"]);
    assert!(report.passes(tolerance), "errors above {tolerance}:\n{report}");
    report
}

#[test]
fn siglip_matches_transformers() {
    let report = assert_close(&fixture("siglip_vision"), TOLERANCE);
    assert_eq!(report.architecture, VisionArch::SiglipVision);
    assert_eq!(report.outputs[0].shape, [2, 16, 64]);
}

#[test]
fn clip_matches_transformers() {
    let report = assert_close(&fixture("clip_vision"), TOLERANCE);
    assert_eq!(report.architecture, VisionArch::ClipVision);
    assert_eq!(report.outputs[0].shape, [2, 17, 64]);
}

#[test]
fn loaded_config_follows_the_architecture() {
    let device = device();
    let siglip = load_vision(&fixture("siglip_vision"), &device).unwrap();
    assert_eq!(siglip.config.pooling, Pooling::AttentionHead);
    assert!(!siglip.config.class_token && siglip.config.patch_bias);
    assert_eq!(siglip.model.tokens_per_image(), 16);

    let clip = load_vision(&fixture("clip_vision"), &device).unwrap();
    assert_eq!(clip.config.pooling, Pooling::ClassToken);
    assert!(clip.config.class_token && clip.config.pre_layernorm && !clip.config.patch_bias);
    assert_eq!(clip.config.layer_norm_eps, 1e-5);
    assert_eq!(clip.model.tokens_per_image(), 17);
    assert_eq!(clip.model.d_output(), 64);
}

#[test]
fn encode_is_last_hidden_state() {
    let device = device();
    let dir = fixture("clip_vision");
    let loaded = load_vision(&dir, &device).unwrap();
    let mut reference = Checkpoint::read_file(&dir.join("reference.safetensors")).unwrap();
    let pixels: Tensor<4> = reference.take_any("pixel_values", &device).unwrap();
    let expected: Tensor<3> = reference.take_any("last_hidden_state", &device).unwrap();
    let error = max_abs_diff(&loaded.model.encode(pixels), &expected);
    assert!(error < TOLERANCE, "{error}");
}

#[test]
fn vision_model_prefix_is_accepted() {
    let dir = edited_copy("siglip_vision", |tensors| {
        *tensors = std::mem::take(tensors)
            .into_iter()
            .map(|(name, raw)| (format!("vision_model.{name}"), raw))
            .collect();
    });
    assert_close(dir.path(), TOLERANCE);
}

#[test]
fn two_tower_checkpoint_loads_its_vision_half() {
    let dir = edited_copy("clip_vision", |tensors| {
        *tensors = std::mem::take(tensors)
            .into_iter()
            .map(|(name, raw)| (format!("vision_model.{name}"), raw))
            .collect();
        tensors.insert(
            "text_model.embeddings.token_embedding.weight".into(),
            common::Raw::f32(vec![10, 8], 0.1),
        );
        tensors.insert("logit_scale".into(), common::Raw::f32(vec![], 2.0));
    });
    edit_config(dir.path(), |json| {
        let vision = json.clone();
        *json = serde_json::json!({
            "architectures": ["CLIPModel"],
            "model_type": "clip",
            "vision_config": vision,
            "text_config": {"hidden_size": 8},
        });
    });
    let report = assert_close(dir.path(), TOLERANCE);
    assert_eq!(report.architecture, VisionArch::Clip);
}

#[test]
fn sharded_checkpoint_loads() {
    let dir = edited_copy("siglip_vision", |_| {});
    let all = common::read_tensors(&dir.path().join("model.safetensors"));
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let (first, second): (Vec<_>, Vec<_>) = all.into_iter().partition(|(name, _)| name.starts_with("encoder"));
    let mut weight_map = serde_json::Map::new();
    for (file, part) in [
        ("model-00001-of-00002.safetensors", first),
        ("model-00002-of-00002.safetensors", second),
    ] {
        for (name, _) in &part {
            weight_map.insert(name.clone(), file.into());
        }
        common::write_tensors(&dir.path().join(file), &part.into_iter().collect());
    }
    let index = serde_json::json!({"metadata": {}, "weight_map": weight_map});
    std::fs::write(dir.path().join("model.safetensors.index.json"), index.to_string()).unwrap();
    assert_close(dir.path(), TOLERANCE);
}

#[test]
fn bf16_checkpoint_is_converted() {
    let dir = edited_copy("siglip_vision", |tensors| {
        for raw in tensors.values_mut() {
            *raw = to_bf16(raw);
        }
    });
    let report = assert_close(dir.path(), 0.05);
    assert!(
        report.max_abs_error() > 0.0,
        "bf16 rounding should change the outputs a little"
    );
}
