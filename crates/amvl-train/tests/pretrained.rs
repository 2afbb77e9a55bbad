//! Compose the AMVL model around Hugging Face parts and fine-tune it with the vision tower frozen.
mod common;

use amvl_train::StopAt;
use amvl_train::run::{Pretrained, TrainRequest, run_training};
use amvl_train::session::DataSource;
use burn::prelude::*;
use common::Quiet;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../amvl-hf/tests/fixtures")
        .join(name)
}

fn max_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

#[test]
fn fine_tunes_around_pretrained_parts_with_the_vision_tower_frozen() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::tiny_run_config();
    config.train.steps = 3;
    config.train.freeze = vec!["vision".into()];
    let request = TrainRequest {
        pretrained: Pretrained {
            vision: Some(fixture("siglip_vision")),
            decoder: Some(fixture("llama")),
            tokenizer: None,
        },
        config,
        data: DataSource::Suite,
        out: dir.path().join("run"),
        resume: false,
        stop: StopAt(None),
    };
    let device = Device::flex();
    let (outcome, config, _) = run_training(&request, &device, &mut Quiet).unwrap();
    assert_eq!(
        config.model.decoder.vocab_size, 320,
        "the pretrained vocabulary is kept"
    );
    assert_eq!(config.model.vision.hidden_size, 64);

    let hf_vision = amvl_hf::load_vision(&fixture("siglip_vision"), &device).unwrap().model;
    let hf_decoder = amvl_hf::load_decoder(&fixture("llama"), &device).unwrap().model;
    let trained = outcome.model;
    let frozen = max_diff(
        trained.vision.encoder.layers[0].mlp.fc1.weight.val().inner(),
        hf_vision.encoder.layers[0].mlp.fc1.weight.val(),
    );
    assert_eq!(frozen, 0.0, "the frozen vision tower moved");
    let tuned = max_diff(
        trained.decoder.layers[0].mlp.up_proj.weight.val().inner(),
        hf_decoder.layers[0].mlp.up_proj.weight.val(),
    );
    assert!(tuned > 0.0, "the decoder did not train");
}

#[test]
fn growing_the_vocabulary_keeps_existing_rows() {
    let device = Device::flex();
    let decoder = amvl_hf::load_decoder(&fixture("llama"), &device).unwrap().model;
    let before = decoder.embed_tokens.weight.val();
    let grown = decoder.resize_vocab(330, 0.02);
    let after = grown.embed_tokens.weight.val();
    assert_eq!(after.dims(), [330, 64]);
    assert_eq!(max_diff(after.narrow(0, 0, 320), before), 0.0);
    assert_eq!(grown.lm_head.as_ref().unwrap().weight.dims(), [64, 330]);
}
