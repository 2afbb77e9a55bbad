//! Each way a checkpoint can be wrong gives an error that names the problem.

mod common;

use amvl_hf::{HfError, load_vision};
use burn::prelude::*;
use common::{Raw, edit_config, edited_copy};

fn load_error(dir: &std::path::Path) -> (HfError, String) {
    let error = load_vision(dir, &Device::flex()).expect_err("loading should fail");
    let message = error.to_string();
    (error, message)
}

#[test]
fn missing_tensor_is_named() {
    let dir = edited_copy("siglip_vision", |t| {
        t.remove("encoder.layers.1.mlp.fc2.bias");
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::MissingTensor { .. }), "{error:?}");
    assert_eq!(
        message,
        "tensor `encoder.layers.1.mlp.fc2.bias` is missing from the checkpoint"
    );
}

#[test]
fn unexpected_tensors_are_listed() {
    let dir = edited_copy("clip_vision", |t| {
        t.insert("encoder.layers.2.mlp.fc1.weight".into(), Raw::f32(vec![160, 64], 0.0));
        t.insert("visual_projection.weight".into(), Raw::f32(vec![32, 64], 0.0));
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::UnexpectedTensors { .. }), "{error:?}");
    assert_eq!(
        message,
        "the checkpoint has 2 unexpected tensor(s) the model has no place for: \
         encoder.layers.2.mlp.fc1.weight, visual_projection.weight"
    );
}

#[test]
fn shape_mismatch_names_tensor_and_both_shapes() {
    let dir = edited_copy("siglip_vision", |t| {
        t.insert(
            "embeddings.position_embedding.weight".into(),
            Raw::f32(vec![15, 64], 0.0),
        );
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::ShapeMismatch { .. }), "{error:?}");
    assert_eq!(
        message,
        "tensor `embeddings.position_embedding.weight` has shape [15, 64] in the checkpoint \
         but the model expects [16, 64]"
    );
}

#[test]
fn config_disagreeing_with_weights_is_a_shape_mismatch() {
    let dir = edited_copy("clip_vision", |_| {});
    edit_config(dir.path(), |json| json["intermediate_size"] = 128.into());
    let (_, message) = load_error(dir.path());
    assert_eq!(
        message,
        "tensor `encoder.layers.0.mlp.fc1.weight` has shape [160, 64] in the checkpoint \
         but the model expects [128, 64]"
    );
}

#[test]
fn unsupported_architecture_is_named_with_the_supported_ones() {
    let dir = edited_copy("siglip_vision", |_| {});
    edit_config(dir.path(), |json| {
        json["architectures"] = serde_json::json!(["ViTModel"])
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::UnsupportedArchitecture { .. }), "{error:?}");
    assert_eq!(
        message,
        "unsupported architecture `ViTModel`; supported: SiglipVisionModel, CLIPVisionModel, \
         SiglipModel, CLIPModel"
    );
}

#[test]
fn pickles_are_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::fixture("clip_vision/config.json"),
        dir.path().join("config.json"),
    )
    .unwrap();
    let pickle = dir.path().join("pytorch_model.bin");
    std::fs::write(&pickle, b"not even a pickle").unwrap();

    for path in [dir.path().to_path_buf(), pickle.clone()] {
        let (error, message) = load_error(&path);
        assert!(matches!(error, HfError::PickleRefused { .. }), "{error:?}");
        assert!(message.contains("pytorch_model.bin"), "{message}");
        assert!(message.contains("pickles, which can run arbitrary code"), "{message}");
        assert!(message.contains("safetensors"), "{message}");
    }
}

#[test]
fn directory_without_weights_says_what_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::fixture("clip_vision/config.json"),
        dir.path().join("config.json"),
    )
    .unwrap();
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::NoWeights { .. }), "{error:?}");
    assert!(
        message.contains("expected `model.safetensors` or `model.safetensors.index.json`"),
        "{message}"
    );
}

#[test]
fn unknown_activation_is_reported() {
    let dir = edited_copy("siglip_vision", |_| {});
    edit_config(dir.path(), |json| json["hidden_act"] = "swish".into());
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::Config { .. }), "{error:?}");
    assert!(
        message.contains("unsupported hidden_act `swish`; supported: gelu_pytorch_tanh, gelu, quick_gelu"),
        "{message}"
    );
}

#[test]
fn integer_weights_are_refused() {
    let dir = edited_copy("siglip_vision", |t| {
        let raw = t.get_mut("post_layernorm.bias").unwrap();
        raw.dtype = safetensors::Dtype::I32;
    });
    let (_, message) = load_error(dir.path());
    assert_eq!(
        message,
        "tensor `post_layernorm.bias` has dtype I32; only F32, F16, BF16 and F64 are supported"
    );
}

#[test]
fn prefixed_and_plain_copies_of_a_tensor_clash() {
    let dir = edited_copy("siglip_vision", |t| {
        let raw = t["post_layernorm.bias"].clone();
        t.insert("vision_model.post_layernorm.bias".into(), raw);
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::DuplicateTensor { .. }), "{error:?}");
    assert!(
        message.contains("`post_layernorm.bias` appears more than once"),
        "{message}"
    );
}
