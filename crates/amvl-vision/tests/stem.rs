//! The optional convolutional stem (`stem_channels`).

mod common;

use amvl_core::VisionTower;
use amvl_vision::{HiddenAct, VisionConfig};
use burn::module::Param;
use burn::prelude::*;
use burn::tensor::Tolerance;
use common::*;

#[test]
fn default_has_no_stem_and_missing_key_means_none() {
    let c = VisionConfig::default();
    assert!(c.stem_channels.is_empty());
    assert_eq!(c.stem_output_size(), 32);
    assert_eq!(c.patch_input_channels(), 3);
    let tower = c.init(&device());
    assert!(tower.embeddings.stem.is_none());
    assert_eq!(tower.embeddings.patch_embedding.weight.dims(), [64, 3, 8, 8]);
    let parsed: VisionConfig = serde_json::from_str(r#"{"num_layers": 2}"#).unwrap();
    assert!(parsed.stem_channels.is_empty());
}

#[test]
fn each_stem_conv_halves_the_side() {
    let device = device();
    // 32 px → 16 → 8, then 2×2 patches: a 4×4 grid, 16 tokens, as without the stem at patch 8.
    let config = VisionConfig {
        stem_channels: vec![8, 16],
        patch_size: 2,
        ..VisionConfig::default()
    };
    config.validate().unwrap();
    assert_eq!(config.stem_output_size(), 8);
    assert_eq!(config.patch_input_channels(), 16);
    assert_eq!(config.grid_size(), 4);
    assert_eq!(config.tokens_per_image(), 16);
    let tower = config.init(&device);
    let stem = tower.embeddings.stem.as_ref().expect("stem");
    assert_eq!(stem.convs.len(), 2);
    assert_eq!(stem.convs[0].weight.dims(), [8, 3, 3, 3]);
    assert_eq!(stem.convs[1].weight.dims(), [16, 8, 3, 3]);
    assert_eq!(stem.convs[0].stride, [2, 2]);
    let x = pixels(3, 32, &device);
    assert_eq!(stem.forward(x.clone()).dims(), [3, 16, 8, 8]);
    assert_eq!(tower.embeddings.patch_embedding.weight.dims(), [64, 16, 2, 2]);
    assert_eq!(tower.encode(x).dims(), [3, 16, 64]);
    assert_eq!(tower.tokens_per_image(), 16);

    // 64 px with two stem convolutions and 4×4 patches: also 16 tokens.
    let big = VisionConfig {
        image_size: 64,
        stem_channels: vec![8, 16],
        patch_size: 4,
        ..VisionConfig::default()
    };
    let tower = big.init(&device);
    assert_eq!(tower.encode(pixels(2, 64, &device)).dims(), [2, 16, 64]);
}

/// A 3×3 kernel with a single tap: output (i, j) reads input (2i + dy − 1, 2j + dx − 1), zero outside.
fn single_tap(channels: usize, dy: usize, dx: usize, device: &Device) -> Tensor<4> {
    let mut w = vec![0f32; channels * channels * 9];
    for c in 0..channels {
        w[((c * channels + c) * 3 + dy) * 3 + dx] = 1.0;
    }
    Tensor::from_data(TensorData::new(w, [channels, channels, 3, 3]), device)
}

#[test]
fn stem_conv_is_stride_2_with_zero_padding_1() {
    let device = device();
    let config = VisionConfig {
        stem_channels: vec![3],
        patch_size: 4,
        activation: HiddenAct::Gelu,
        ..VisionConfig::default()
    };
    let tower = config.init(&device);
    let mut stem = tower.embeddings.stem.clone().expect("stem");
    let bias = Tensor::<1>::zeros([3], &device);
    stem.convs[0].bias = Some(Param::from_tensor(bias));
    // Centre tap: output = gelu(x[:, :, 2i, 2j]).
    stem.convs[0].weight = Param::from_tensor(single_tap(3, 1, 1, &device));
    let x = pixels(2, 32, &device);
    let data: Vec<f32> = x.to_data().try_into_vec_as::<f32>().unwrap();
    let at = |n: usize, c: usize, y: i64, xx: i64| -> f32 {
        if y < 0 || xx < 0 {
            0.0
        } else {
            data[((n * 3 + c) * 32 + y as usize) * 32 + xx as usize]
        }
    };
    let gelu = |v: f32| 0.5 * v * (1.0 + erf(v / std::f32::consts::SQRT_2));
    let out: Vec<f32> = stem.forward(x.clone()).into_data().try_into_vec_as::<f32>().unwrap();
    let mut expected = Vec::with_capacity(out.len());
    for n in 0..2 {
        for c in 0..3 {
            for i in 0..16i64 {
                for j in 0..16i64 {
                    expected.push(gelu(at(n, c, 2 * i, 2 * j)));
                }
            }
        }
    }
    TensorData::new(out, [2, 3, 16, 16]).assert_approx_eq::<f32>(
        &TensorData::new(expected.clone(), [2, 3, 16, 16]),
        Tolerance::absolute(1e-5),
    );
    // Top-left tap: output (i, j) reads (2i − 1, 2j − 1); row 0 and column 0 see the zero padding.
    stem.convs[0].weight = Param::from_tensor(single_tap(3, 0, 0, &device));
    let out: Vec<f32> = stem.forward(x).into_data().try_into_vec_as::<f32>().unwrap();
    let mut expected = Vec::with_capacity(out.len());
    for n in 0..2 {
        for c in 0..3 {
            for i in 0..16i64 {
                for j in 0..16i64 {
                    expected.push(gelu(at(n, c, 2 * i - 1, 2 * j - 1)));
                }
            }
        }
    }
    assert_eq!(expected[0], 0.0);
    TensorData::new(out, [2, 3, 16, 16])
        .assert_approx_eq::<f32>(&TensorData::new(expected, [2, 3, 16, 16]), Tolerance::absolute(1e-5));
}

/// Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7).
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() as f64);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t + 0.254_829_592)
            * t
            * (-(x as f64) * (x as f64)).exp();
    (y as f32).copysign(x)
}

#[test]
fn stem_sizes_are_validated() {
    let e = VisionConfig {
        stem_channels: vec![16, 0],
        ..VisionConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(e.contains("`stem_channels[1]` must be nonzero"), "{e}");
    // 32 px, 8 px patches and three halvings: 32 is not divisible by 8 · 2³ = 64.
    let e = VisionConfig {
        stem_channels: vec![8, 8, 8],
        ..VisionConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(
        e.contains("`image_size` (32) must be divisible by `patch_size` (8) times 2 per stem convolution (3 in `stem_channels`)"),
        "{e}"
    );
}

#[test]
fn stem_round_trips_through_serde() {
    let c = VisionConfig {
        stem_channels: vec![32, 64],
        patch_size: 2,
        ..VisionConfig::default()
    };
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"stem_channels\":[32,64]"), "{json}");
    assert_eq!(serde_json::from_str::<VisionConfig>(&json).unwrap(), c);
}
