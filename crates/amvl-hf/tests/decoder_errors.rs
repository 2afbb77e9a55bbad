//! Each way a Llama/Qwen2 checkpoint can be wrong gives an error that names the problem.

mod common;

use amvl_hf::{HfError, check_dir, load_decoder};
use burn::prelude::*;
use common::{Raw, edit_config, edited_copy};

fn load_error(dir: &std::path::Path) -> (HfError, String) {
    let error = load_decoder(dir, &Device::flex()).expect_err("loading should fail");
    let message = error.to_string();
    (error, message)
}

#[test]
fn missing_tensor_is_named() {
    let dir = edited_copy("llama", |t| {
        t.remove("model.layers.1.mlp.down_proj.weight");
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::MissingTensor { .. }), "{error:?}");
    assert_eq!(
        message,
        "tensor `model.layers.1.mlp.down_proj.weight` is missing from the checkpoint"
    );
}

#[test]
fn qwen2_needs_its_qkv_biases() {
    let dir = edited_copy("qwen2", |t| {
        t.remove("model.layers.0.self_attn.k_proj.bias");
    });
    let (_, message) = load_error(dir.path());
    assert_eq!(
        message,
        "tensor `model.layers.0.self_attn.k_proj.bias` is missing from the checkpoint"
    );
}

#[test]
fn untied_llama_needs_its_head() {
    let dir = edited_copy("llama", |t| {
        t.remove("lm_head.weight");
    });
    let (_, message) = load_error(dir.path());
    assert_eq!(message, "tensor `lm_head.weight` is missing from the checkpoint");
}

#[test]
fn unexpected_tensors_are_listed() {
    let dir = edited_copy("llama", |t| {
        t.insert("model.layers.0.self_attn.o_proj.bias".into(), Raw::f32(vec![64], 0.0));
        t.insert("model.layers.2.mlp.up_proj.weight".into(), Raw::f32(vec![160, 64], 0.0));
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::UnexpectedTensors { .. }), "{error:?}");
    assert_eq!(
        message,
        "the checkpoint has 2 unexpected tensor(s) the model has no place for: \
         model.layers.0.self_attn.o_proj.bias, model.layers.2.mlp.up_proj.weight"
    );
}

#[test]
fn shape_mismatch_names_tensor_and_both_shapes() {
    let dir = edited_copy("qwen2", |t| {
        t.insert(
            "model.layers.1.self_attn.v_proj.weight".into(),
            Raw::f32(vec![64, 64], 0.0),
        );
    });
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::ShapeMismatch { .. }), "{error:?}");
    assert_eq!(
        message,
        "tensor `model.layers.1.self_attn.v_proj.weight` has shape [64, 64] in the checkpoint \
         but the model expects [32, 64]"
    );
}

#[test]
fn config_disagreeing_with_weights_is_a_shape_mismatch() {
    let dir = edited_copy("llama", |_| {});
    edit_config(dir.path(), |json| json["num_key_value_heads"] = 4.into());
    let (_, message) = load_error(dir.path());
    assert_eq!(
        message,
        "tensor `model.layers.0.self_attn.k_proj.weight` has shape [32, 64] in the checkpoint \
         but the model expects [64, 64]"
    );
}

#[test]
fn unsupported_architecture_is_named_with_every_supported_one() {
    let dir = edited_copy("llama", |_| {});
    edit_config(dir.path(), |json| {
        json["architectures"] = serde_json::json!(["MistralForCausalLM"])
    });
    let expected = "unsupported architecture `MistralForCausalLM`; supported: LlamaForCausalLM, \
                    Qwen2ForCausalLM, SiglipVisionModel, CLIPVisionModel, SiglipModel, CLIPModel";
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::UnsupportedArchitecture { .. }), "{error:?}");
    assert_eq!(message, expected);
    let error = check_dir(dir.path(), &Device::flex()).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

#[test]
fn vision_config_points_to_the_vision_loader() {
    let dir = edited_copy("siglip_vision", |_| {});
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::Config { .. }), "{error:?}");
    assert!(
        message.ends_with(
            "`SiglipVisionModel` is a vision tower, not a causal language model; load it with \
             `load_vision` (or `check_dir`)"
        ),
        "{message}"
    );
}

#[test]
fn pickles_are_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(common::fixture("qwen2/config.json"), dir.path().join("config.json")).unwrap();
    let pickle = dir.path().join("pytorch_model.bin");
    std::fs::write(&pickle, b"not even a pickle").unwrap();
    for path in [dir.path().to_path_buf(), pickle.clone()] {
        let (error, message) = load_error(&path);
        assert!(matches!(error, HfError::PickleRefused { .. }), "{error:?}");
        assert!(message.contains("pytorch_model.bin"), "{message}");
        assert!(message.contains("pickles, which can run arbitrary code"), "{message}");
    }
}

#[test]
fn sharded_pickles_are_refused() {
    let dir = edited_copy("llama", |_| {});
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let index = serde_json::json!({"weight_map": {"lm_head.weight": "pytorch_model-00001-of-00001.pt"}});
    std::fs::write(dir.path().join("model.safetensors.index.json"), index.to_string()).unwrap();
    let (error, message) = load_error(dir.path());
    assert!(matches!(error, HfError::PickleRefused { .. }), "{error:?}");
    assert!(message.contains("pytorch_model-00001-of-00001.pt"), "{message}");
}

/// Config features amvl-decoder cannot honour are refused by name.
#[test]
fn unsupported_config_features_are_refused() {
    let cases: [(&str, serde_json::Value, &str); 5] = [
        (
            "rope_parameters",
            serde_json::json!({"rope_theta": 10000.0, "rope_type": "llama3", "factor": 8.0}),
            "rope_parameters.rope_type `llama3` is not supported; only `default` rotary positions are",
        ),
        (
            "rope_scaling",
            serde_json::json!({"type": "linear", "factor": 2.0}),
            "rope_scaling.rope_type `linear` is not supported; only `default` rotary positions are",
        ),
        (
            "hidden_act",
            "gelu".into(),
            "unsupported hidden_act `gelu`; amvl-decoder's MLP is SwiGLU (`silu`)",
        ),
        (
            "attention_bias",
            true.into(),
            "attention_bias = true (biases on q/k/v/o_proj) is not supported: amvl-decoder's \
             o_proj has no bias",
        ),
        (
            "mlp_bias",
            true.into(),
            "mlp_bias = true is not supported: amvl-decoder's MLP has no biases",
        ),
    ];
    for (key, value, expected) in cases {
        let dir = edited_copy("llama", |_| {});
        edit_config(dir.path(), |json| json[key] = value);
        let (error, message) = load_error(dir.path());
        assert!(matches!(error, HfError::Config { .. }), "{key}: {error:?}");
        assert!(message.contains("config.json"), "{message}");
        assert!(message.ends_with(expected), "{key}: {message}");
    }
}

#[test]
fn integer_reference_ids_are_required() {
    let dir = edited_copy("llama", |_| {});
    let path = dir.path().join("reference.safetensors");
    let mut reference = common::read_tensors(&path);
    reference.insert("input_ids".into(), Raw::f32(vec![2, 17], 1.0));
    common::write_tensors(&path, &reference);
    let error = check_dir(dir.path(), &Device::flex()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "tensor `input_ids` has dtype F32; token ids must be integers (I64, I32, U32, I16, U16, \
         I8, U8)"
    );
}
