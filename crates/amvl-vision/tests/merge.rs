//! Token merging after the encoder (`merge_size`).

mod common;

use amvl_core::VisionTower;
use amvl_vision::{Pooling, VisionConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

#[test]
fn default_does_not_merge() {
    let c = VisionConfig::default();
    assert_eq!(c.merge_size, 1);
    assert_eq!((c.output_tokens_per_image(), c.output_width()), (16, 64));
    let tower = c.init(&device());
    let x: Tensor<4> = Tensor::random([2, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device());
    let encoded: Vec<f32> = tower.encode(x.clone()).into_data().try_into_vec_as::<f32>().unwrap();
    let hidden: Vec<f32> = tower.last_hidden_state(x).into_data().try_into_vec_as::<f32>().unwrap();
    assert_eq!(encoded, hidden);
}

#[test]
fn merge_concatenates_each_2x2_block() {
    let device = device();
    let config = VisionConfig {
        merge_size: 2,
        ..VisionConfig::default()
    };
    config.validate().unwrap();
    // 4×4 patch grid → 2×2 merged tokens of width 4 · 64.
    assert_eq!(config.output_tokens_per_image(), 4);
    assert_eq!(config.output_width(), 256);
    let tower = config.init(&device);
    assert_eq!((tower.tokens_per_image(), tower.d_output()), (4, 256));
    let x: Tensor<4> = Tensor::random([3, 3, 32, 32], Distribution::Uniform(-1.0, 1.0), &device);
    let hidden = tower.last_hidden_state(x.clone());
    assert_eq!(hidden.dims(), [3, 16, 64]);
    let merged = tower.encode(x);
    assert_eq!(merged.dims(), [3, 4, 256]);
    let h: Vec<f32> = hidden.into_data().try_into_vec_as::<f32>().unwrap();
    let m: Vec<f32> = merged.into_data().try_into_vec_as::<f32>().unwrap();
    for (merged_at, patch_at) in merge_map(3) {
        assert_eq!(
            m[merged_at], h[patch_at],
            "merged value {merged_at} vs patch value {patch_at}"
        );
    }
}

/// For a 4×4 grid of width-64 patch tokens merged 2×2: (index in the merged [images, 4, 256]
/// values, index in the patch [images, 16, 64] values) of every value.
fn merge_map(images: usize) -> Vec<(usize, usize)> {
    let mut map = Vec::new();
    for image in 0..images {
        for (out, (by, bx)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
            for (part, (dy, dx)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
                let patch = (2 * by + dy) * 4 + (2 * bx + dx);
                for c in 0..64 {
                    map.push(((image * 4 + out) * 256 + part * 64 + c, (image * 16 + patch) * 64 + c));
                }
            }
        }
    }
    map
}

#[test]
fn merge_is_validated() {
    let e = VisionConfig {
        merge_size: 3,
        ..VisionConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(
        e.contains("patch grid (4×4) must be divisible by `merge_size` (3)"),
        "{e}"
    );
    let e = VisionConfig {
        merge_size: 2,
        class_token: true,
        pooling: Pooling::ClassToken,
        ..VisionConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(e.contains("cannot be combined with `class_token = true`"), "{e}");
    let e = VisionConfig {
        merge_size: 0,
        ..VisionConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(e.contains("`merge_size` must be nonzero"), "{e}");
}

#[test]
fn merge_sends_each_gradient_back_to_its_patch() {
    let device = device().autodiff();
    let config = VisionConfig {
        merge_size: 2,
        ..VisionConfig::default()
    };
    let tower = config.init(&device);
    let x: Tensor<3> = Tensor::random([2, 16, 64], Distribution::Uniform(-1.0, 1.0), &device).require_grad();
    let w: Tensor<3> = Tensor::random([2, 4, 256], Distribution::Uniform(-1.0, 1.0), &device);
    let merged = tower.merge_tokens(x.clone());
    let grads = (merged * w.clone()).sum().backward();
    let g: Vec<f32> = x.grad(&grads).unwrap().into_data().try_into_vec_as::<f32>().unwrap();
    let w: Vec<f32> = w.into_data().try_into_vec_as::<f32>().unwrap();
    for (merged_at, patch_at) in merge_map(2) {
        assert_eq!(g[patch_at], w[merged_at], "gradient of patch value {patch_at}");
    }
}
