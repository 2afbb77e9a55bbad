mod common;

use amvl_core::VisionTower;
use amvl_vision::{HiddenAct, Pooling, VisionConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

#[test]
fn default_tower_encodes_patches() {
    let device = device();
    let tower = VisionConfig::default().init(&device);
    assert_eq!(tower.tokens_per_image(), 16);
    assert_eq!(tower.d_output(), 64);
    let out = tower.encode(pixels(3, 32, &device));
    assert_eq!(out.dims(), [3, 16, 64]);
    let (tokens, pooled) = tower.forward_with_pooled(pixels(2, 32, &device));
    assert_eq!(tokens.dims(), [2, 16, 64]);
    assert!(pooled.is_none());
}

#[test]
fn class_token_variant_adds_a_token_and_pools_it() {
    let device = device();
    let config = VisionConfig {
        class_token: true,
        pre_layernorm: true,
        patch_bias: false,
        pooling: Pooling::ClassToken,
        activation: HiddenAct::QuickGelu,
        ..VisionConfig::default()
    };
    let tower = config.init(&device);
    assert!(tower.embeddings.patch_embedding.bias.is_none());
    assert!(tower.pre_layrnorm.is_some());
    let (tokens, pooled) = tower.forward_with_pooled(pixels(2, 32, &device));
    assert_eq!(tokens.dims(), [2, 17, 64]);
    assert_eq!(pooled.expect("class-token pooling").dims(), [2, 64]);
    assert_eq!(tower.tokens_per_image(), 17);
}

#[test]
fn attention_head_pools_each_image() {
    let device = device();
    let config = VisionConfig {
        pooling: Pooling::AttentionHead,
        activation: HiddenAct::Gelu,
        ..VisionConfig::default()
    };
    let tower = config.init(&device);
    let (tokens, pooled) = tower.forward_with_pooled(pixels(3, 32, &device));
    assert_eq!(tokens.dims(), [3, 16, 64]);
    assert_eq!(pooled.expect("attention head").dims(), [3, 64]);
}

#[test]
fn encode_multi_concatenates_each_images_tokens() {
    let device = device();
    let tower = VisionConfig::default().init(&device);
    let images: Tensor<5> = Tensor::random([2, 3, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device);
    let out = tower.encode_multi(images.clone());
    assert_eq!(out.dims(), [2, 3 * 16, 64]);

    let one = images.narrow(0, 1, 1).narrow(1, 2, 1).reshape([1, 3, 32, 32]);
    let expected = tower.encode(one);
    let got = out.narrow(0, 1, 1).narrow(1, 2 * 16, 16);
    let diff: f32 = (got - expected).abs().max().into_scalar();
    assert!(diff < 1e-5, "image (1, 2) differs by {diff}");
}

#[test]
fn normalize_uses_mean_and_std() {
    let device = device();
    let tower = VisionConfig::default().init(&device);
    let ones: Tensor<4> = Tensor::ones([1, 3, 2, 2], &device);
    let normalized = tower.normalize(ones);
    let max: f32 = (normalized - 1.0).abs().max().into_scalar();
    assert!(max < 1e-6, "(1 - 0.5) / 0.5 should be 1, off by {max}");
}

#[test]
#[should_panic(expected = "vision tower expects pixels [images, 3, 32, 32], got [1, 3, 64, 64]")]
fn wrong_image_size_is_reported() {
    let device = device();
    let tower = VisionConfig::default().init(&device);
    tower.encode(pixels(1, 64, &device));
}
