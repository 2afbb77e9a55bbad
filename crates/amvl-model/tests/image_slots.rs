//! The optional learned image-slot embeddings of the projector (`model.image_slot_embeddings`).

use amvl_model::{ModelConfig, Projector};
use burn::module::{Module, Param};
use burn::prelude::*;
use burn::tensor::{Distribution, Tolerance};

fn device() -> Device {
    Device::flex()
}

#[test]
fn default_model_has_no_slot_embeddings() {
    let config = ModelConfig::default();
    assert_eq!(config.image_slot_embeddings, 0);
    let model = config.init(&device());
    assert!(model.projector.image_slots.is_none());
    let with = ModelConfig {
        image_slot_embeddings: 4,
        ..ModelConfig::default()
    }
    .init(&device());
    let slots = with.projector.image_slots.as_ref().expect("slots");
    assert_eq!(slots.embedding.dims(), [4, 64]);
    assert_eq!(slots.tokens_per_image, 16);
    // Exactly the 4 × 64 slot rows are added to the parameter count.
    assert_eq!(with.num_params(), model.num_params() + 4 * 64);
}

#[test]
fn slot_k_is_added_to_every_token_of_image_k() {
    let device = device();
    let (d_vision, d_model, per) = (6, 5, 3);
    let mut with = Projector::new(d_vision, 8, d_model, 4, per, &device);
    // Slot k's row is the constant 10·(k + 1).
    let rows: Vec<f32> = (0..4)
        .flat_map(|k| std::iter::repeat_n(10.0 * (k as f32 + 1.0), d_model))
        .collect();
    with.image_slots.as_mut().unwrap().embedding =
        Param::from_tensor(Tensor::from_data(TensorData::new(rows, [4, d_model]), &device));
    let without = Projector {
        linear_1: with.linear_1.clone(),
        linear_2: with.linear_2.clone(),
        image_slots: None,
        center_tokens: None,
    };
    // Two items of three images (fewer images than slots is fine).
    let x: Tensor<3> = Tensor::random([2, 3 * per, d_vision], Distribution::Uniform(-1.0, 1.0), &device);
    let diff: Vec<f32> = (with.forward(x.clone()) - without.forward(x))
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    let mut expected = Vec::new();
    for _item in 0..2 {
        for image in 0..3 {
            for _token in 0..per {
                expected.extend(std::iter::repeat_n(10.0 * (image as f32 + 1.0), d_model));
            }
        }
    }
    TensorData::new(diff, [2, 3 * per, d_model]).assert_approx_eq::<f32>(
        &TensorData::new(expected, [2, 3 * per, d_model]),
        Tolerance::absolute(1e-4),
    );
}

#[test]
#[should_panic(expected = "5 images per item but model.image_slot_embeddings = 4")]
fn more_images_than_slots_is_refused() {
    let device = device();
    let projector = Projector::new(6, 8, 5, 4, 2, &device);
    projector.forward(Tensor::zeros([1, 5 * 2, 6], &device));
}

#[test]
fn config_key_parses_and_defaults() {
    let parsed: ModelConfig = amvl_core::parse_toml("image_slot_embeddings = 4\n", "test").unwrap();
    assert_eq!(parsed.image_slot_embeddings, 4);
    let empty: ModelConfig = amvl_core::parse_toml("", "test").unwrap();
    assert_eq!(empty, ModelConfig::default());
}

#[test]
fn merged_vision_tokens_reach_the_projector() {
    // merge_size 2: 4 tokens of width 4 · 64 per image; the slots count merged tokens.
    let mut config = ModelConfig {
        image_slot_embeddings: 2,
        ..ModelConfig::default()
    };
    config.vision.merge_size = 2;
    let device = device();
    let model = config.init(&device);
    assert_eq!(model.projector.linear_1.weight.dims(), [256, 64]);
    assert_eq!(model.projector.image_slots.as_ref().unwrap().tokens_per_image, 4);
    let images: Tensor<5> = Tensor::random([2, 2, 3, 32, 32], Distribution::Uniform(0.0, 1.0), &device);
    let mask = Tensor::<2, Bool>::full([2, 2], true, &device);
    let (tokens, real) = model.image_tokens(images, mask);
    assert_eq!(tokens.dims(), [2, 8, 64]);
    assert_eq!(real.dims(), [2, 8]);
}

#[test]
fn centred_tokens_ignore_what_an_image_shares_and_keep_what_varies() {
    let device = Device::flex();
    device.seed(9);
    let (d_vision, per) = (6, 3);
    let plain = Projector::new(d_vision, 8, 5, 0, per, &device);
    let centred = plain.clone().with_centered_tokens(Some(per));
    let x: Tensor<3> = Tensor::random([2, 2 * per, d_vision], Distribution::Uniform(-1.0, 1.0), &device);
    // A different constant vector added to every token of each image changes nothing centred…
    let shift: Tensor<3> = Tensor::<3>::random([4, 1, d_vision], Distribution::Uniform(-5.0, 5.0), &device)
        .expand([4, per, d_vision])
        .reshape([2, 2 * per, d_vision]);
    let moved = x.clone() + shift;
    let err: f32 = (centred.forward(x.clone()) - centred.forward(moved.clone()))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(err < 1e-4, "centred output moved by {err}");
    let plain_moved: f32 = (plain.forward(x.clone()) - plain.forward(moved))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(
        plain_moved > 1e-2,
        "the shift must matter without centring ({plain_moved})"
    );
    // …and equals the plain projector applied to x minus each image's token mean.
    let means = x
        .clone()
        .reshape([4, per, d_vision])
        .mean_dim(1)
        .expand([4, per, d_vision])
        .reshape([2, 2 * per, d_vision]);
    let err: f32 = (centred.forward(x.clone()) - plain.forward(x - means))
        .abs()
        .max()
        .into_scalar::<f32>();
    assert!(err < 1e-5, "{err}");
}
