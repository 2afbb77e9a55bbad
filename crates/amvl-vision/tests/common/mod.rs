//! Shared by the vision tests: the CPU device and random pixels.
#![allow(dead_code)]

use burn::prelude::*;
use burn::tensor::Distribution;

pub fn device() -> Device {
    Device::flex()
}

/// [images, 3, size, size], uniform in [-1, 1] (already normalised).
pub fn pixels(images: usize, size: usize, device: &Device) -> Tensor<4> {
    Tensor::random([images, 3, size, size], Distribution::Uniform(-1.0, 1.0), device)
}
