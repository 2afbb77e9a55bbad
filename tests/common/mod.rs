//! Shared helpers: the tiny model shape and deterministic synthetic batches.
#![allow(dead_code)]

use amvl::AmvlBatch;
use amvl::ModelConfig;
use amvl::burn::prelude::*;

pub const VOCAB: usize = 48;

pub fn device() -> Device {
    Device::flex()
}

/// The `tiny` shape (configs/tiny.toml) with a small vocabulary.
pub fn tiny_config() -> ModelConfig {
    let mut config = ModelConfig::default();
    config.vision.image_size = 32;
    config.vision.patch_size = 8;
    config.decoder.vocab_size = VOCAB;
    config
}

fn ids(rows: &[Vec<i64>], len: usize, device: &Device) -> (Tensor<2, Int>, Tensor<2, Bool>) {
    let mut flat = Vec::new();
    let mut mask = Vec::new();
    for r in rows {
        for j in 0..len {
            flat.push(*r.get(j).unwrap_or(&0));
            mask.push(j < r.len());
        }
    }
    let b = rows.len();
    (
        Tensor::<1, Int>::from_ints(flat.as_slice(), device).reshape([b, len]),
        Tensor::<1, Bool>::from_bool(TensorData::from(mask.as_slice()), device).reshape([b, len]),
    )
}

/// Three samples with different numbers of images and different question/target/answer lengths.
pub fn synthetic_batch(device: &Device, seed: u64) -> AmvlBatch {
    let images = amvl::core::random::standard_normal([3, 2, 3, 32, 32], seed, device);
    let image_mask = Tensor::<1, Bool>::from_bool(
        TensorData::from([true, true, true, false, true, true].as_slice()),
        device,
    )
    .reshape([3, 2]);
    let s = seed as i64;
    let questions = vec![
        vec![1, 10 + s % 7, 11, 12, 13, 14, 15],
        vec![1, 16, 17 + s % 5],
        vec![1, 18, 19, 20, 21],
    ];
    let targets = vec![vec![30, 31], vec![32], vec![33, 34, 35]];
    let answers = [vec![40], vec![41, 42], vec![43]];
    let (question, question_mask) = ids(&questions, 7, device);
    let (target, target_mask) = ids(&targets, 3, device);
    let inputs: Vec<Vec<i64>> = answers
        .iter()
        .map(|a| std::iter::once(8).chain(a.iter().copied()).collect())
        .collect();
    let outputs: Vec<Vec<i64>> = answers
        .iter()
        .map(|a| a.iter().copied().chain(std::iter::once(2)).collect())
        .collect();
    let (answer_input, answer_mask) = ids(&inputs, 3, device);
    let (answer_target, _) = ids(&outputs, 3, device);
    AmvlBatch {
        images,
        image_mask,
        question,
        question_mask,
        target,
        target_mask,
        answer_input,
        answer_target,
        answer_mask,
    }
}

pub fn max_abs_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.to_data().try_into_vec_as::<f32>().unwrap()
}
