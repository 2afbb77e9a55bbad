//! Loaded Llama/Qwen2 checkpoints reproduce transformers' logits, hidden states and greedy
//! continuations (decoded through the KV cache).

mod common;

use amvl_hf::{CheckReport, DecoderArch, DecoderCheckReport, HfError, check_decoder, check_dir, load_decoder};
use burn::prelude::*;
use common::{Raw, TOLERANCE, edit_config, edited_copy, fixture, read_tensors, to_bf16};

fn device() -> Device {
    Device::flex()
}

fn assert_passes(dir: &std::path::Path, tolerance: f32) -> DecoderCheckReport {
    let report = check_decoder(dir, &device()).unwrap();
    println!("{report}");
    let names: Vec<&str> = report.outputs.iter().map(|o| o.name).collect();
    assert_eq!(names, ["logits", "last_hidden_state"]);
    assert!(report.passes(tolerance), "not within {tolerance}:\n{report}");
    report
}

#[test]
fn llama_matches_transformers() {
    let report = assert_passes(&fixture("llama"), TOLERANCE);
    assert_eq!(report.architecture, DecoderArch::Llama);
    assert_eq!(report.outputs[0].shape, [2, 17, 320]);
    assert_eq!(report.outputs[1].shape, [2, 17, 64]);
    assert_eq!(report.greedy.prompt_len, 9);
    assert_eq!(report.greedy.generated.len(), 21);
}

#[test]
fn qwen2_matches_transformers() {
    let report = assert_passes(&fixture("qwen2"), TOLERANCE);
    assert_eq!(report.architecture, DecoderArch::Qwen2);
    assert_eq!(report.outputs[0].shape, [2, 17, 352]);
    assert!(report.greedy.matches(), "{report}");
}

#[test]
fn check_dir_dispatches_every_fixture() {
    for name in ["llama", "qwen2", "siglip_vision", "clip_vision"] {
        let report = check_dir(&fixture(name), &device()).unwrap();
        println!("{report}");
        assert!(report.passes(TOLERANCE), "{report}");
        let is_decoder = matches!(report, CheckReport::Decoder(_));
        assert_eq!(report.greedy().is_some(), is_decoder, "{name}");
        assert_eq!(is_decoder, !name.ends_with("vision"), "{name}");
    }
}

#[test]
fn loaded_config_follows_config_json() {
    let llama = load_decoder(&fixture("llama"), &device()).unwrap();
    let c = &llama.config;
    assert_eq!((c.vocab_size, c.hidden_size, c.intermediate_size), (320, 64, 160));
    assert_eq!((c.num_layers, c.num_heads, c.num_kv_heads), (2, 4, 2));
    assert_eq!((c.head_dim, c.rope_theta, c.rms_eps), (Some(16), 10_000.0, 1e-5));
    assert!(!c.qkv_bias && !c.tie_embeddings);
    assert!(llama.model.lm_head.is_some());

    let qwen = load_decoder(&fixture("qwen2"), &device()).unwrap();
    let c = &qwen.config;
    assert_eq!((c.vocab_size, c.intermediate_size), (352, 192));
    assert_eq!((c.head_dim, c.rope_theta, c.rms_eps), (None, 1e6, 1e-6));
    assert!(c.qkv_bias && c.tie_embeddings);
    assert!(qwen.model.lm_head.is_none());
    assert!(qwen.model.layers[0].self_attn.q_proj.bias.is_some());
}

/// transformers 4 writes `rope_theta` at the top level and no `rope_parameters`.
fn transformers4_config(dir: &std::path::Path, theta: f64) {
    edit_config(dir, |json| {
        let map = json.as_object_mut().unwrap();
        map.remove("rope_parameters");
        map.insert("rope_theta".into(), theta.into());
    });
}

#[test]
fn top_level_rope_theta_is_read() {
    let dir = edited_copy("qwen2", |_| {});
    transformers4_config(dir.path(), 1e6);
    assert_passes(dir.path(), TOLERANCE);
}

#[test]
fn rope_theta_is_actually_used() {
    let dir = edited_copy("qwen2", |_| {});
    transformers4_config(dir.path(), 10_000.0);
    let report = check_decoder(dir.path(), &device()).unwrap();
    assert!(!report.passes(TOLERANCE), "a wrong theta should show:\n{report}");
}

#[test]
fn rope_theta_in_both_places_must_agree() {
    let dir = edited_copy("llama", |_| {});
    edit_config(dir.path(), |json| json["rope_theta"] = 10_000.0.into());
    assert_passes(dir.path(), TOLERANCE);

    edit_config(dir.path(), |json| json["rope_theta"] = 500_000.0.into());
    let error = load_decoder(dir.path(), &device()).unwrap_err();
    assert!(matches!(error, HfError::Config { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .ends_with("rope_theta is 500000 at the top level but 10000 in rope_parameters"),
        "{error}"
    );
}

#[test]
fn sharded_checkpoint_loads() {
    let dir = edited_copy("llama", |_| {});
    let all = read_tensors(&dir.path().join("model.safetensors"));
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let (first, second): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(name, _)| name.starts_with("model.layers.0"));
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
    let index = serde_json::json!({"metadata": {"total_size": 0}, "weight_map": weight_map});
    std::fs::write(dir.path().join("model.safetensors.index.json"), index.to_string()).unwrap();
    assert_passes(dir.path(), TOLERANCE);
}

#[test]
fn bf16_checkpoint_is_converted() {
    let dir = edited_copy("qwen2", |tensors| {
        for raw in tensors.values_mut() {
            *raw = to_bf16(raw);
        }
    });
    let report = check_decoder(dir.path(), &device()).unwrap();
    println!("{report}");
    let error = report.max_abs_error();
    assert!(error > 0.0 && error < 0.05, "bf16 rounding: {error}\n{report}");
}

#[test]
fn tied_head_saved_twice_is_accepted_only_if_identical() {
    let dir = edited_copy("qwen2", |t| {
        let embed = t["model.embed_tokens.weight"].clone();
        t.insert("lm_head.weight".into(), embed);
    });
    assert_passes(dir.path(), TOLERANCE);

    let dir = edited_copy("qwen2", |t| {
        t.insert("lm_head.weight".into(), Raw::f32(vec![352, 64], 0.5));
    });
    let error = load_decoder(dir.path(), &device()).unwrap_err();
    assert!(matches!(error, HfError::UnexpectedTensors { .. }), "{error:?}");
    assert!(error.to_string().ends_with(": lm_head.weight"), "{error}");
}

#[test]
fn older_checkpoints_rotary_buffers_are_ignored() {
    let dir = edited_copy("llama", |t| {
        for i in 0..2 {
            t.insert(
                format!("model.layers.{i}.self_attn.rotary_emb.inv_freq"),
                Raw::f32(vec![8], 1.0),
            );
        }
    });
    assert_passes(dir.path(), TOLERANCE);
}

#[test]
fn a_differing_greedy_token_fails_the_check() {
    let dir = edited_copy("llama", |_| {});
    let path = dir.path().join("reference.safetensors");
    let mut reference = read_tensors(&path);
    let greedy = reference.get_mut("greedy_output").unwrap();
    // Last token (i64, little endian): bump it to another id.
    let last = greedy.bytes.len() - 8;
    let token = i64::from_le_bytes(greedy.bytes[last..].try_into().unwrap());
    greedy.bytes[last..].copy_from_slice(&((token + 1) % 320).to_le_bytes());
    common::write_tensors(&path, &reference);

    let report = check_dir(dir.path(), &device()).unwrap();
    println!("{report}");
    assert!(report.max_abs_error() <= TOLERANCE);
    assert!(!report.passes(TOLERANCE));
    assert_eq!(report.greedy().unwrap().first_mismatch(), Some(20));
    assert!(report.to_string().contains("differs at position 20"), "{report}");
}

#[test]
fn parameters_can_be_loaded_in_half_precision() {
    use amvl_hf::load_decoder_as;
    use burn::tensor::{DType, FloatDType};

    let device = device();
    let dir = fixture("llama");
    let full = load_decoder(&dir, &device).unwrap();
    let mut reference = amvl_hf::Checkpoint::read_file(&dir.join("reference.safetensors")).unwrap();
    let ids: Tensor<2, Int> = reference.take_int("input_ids", &device).unwrap();
    let expected = full.model.forward_ids(ids.clone());
    for dtype in [FloatDType::BF16, FloatDType::F16] {
        let half = load_decoder_as(&dir, dtype, &device).unwrap();
        assert_eq!(half.model.embed_tokens.weight.val().dtype(), DType::from(dtype));
        let logits = half.model.forward_ids(ids.clone()).cast(FloatDType::F32);
        let error = amvl_hf::max_abs_diff(&logits, &expected);
        println!("{dtype:?}: logits max abs error {error:.3e}");
        assert!(error.is_finite() && error < 0.05, "{dtype:?}: {error}");
    }
}
