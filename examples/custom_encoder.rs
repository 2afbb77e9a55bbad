//! Plug your own vision encoder into the stock AMVL model: a two-layer CNN instead of the ViT.
//!
//! `cargo run --example custom_encoder`

use amvl::burn::nn::LinearConfig;
use amvl::burn::nn::conv::{Conv2d, Conv2dConfig};
use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::burn::tensor::activation::relu;
use amvl::core::{AmvlBatch, VisionTower};
use amvl::model::{AmvlModel, GenerateOptions, LatentChoice, Projector};

/// 32×32 images → a 4×4 grid of 48-wide tokens.
#[derive(Module, Debug)]
struct SmallCnn {
    conv1: Conv2d,
    conv2: Conv2d,
}

impl VisionTower for SmallCnn {
    fn d_output(&self) -> usize {
        48
    }
    fn tokens_per_image(&self) -> usize {
        16
    }
    /// [images, 3, 32, 32] → [images, 16, 48]
    fn encode(&self, pixels: Tensor<4>) -> Tensor<3> {
        let x = relu(self.conv1.forward(pixels)); // [n, 24, 16, 16]
        let x = relu(self.conv2.forward(x)); // [n, 48, 4, 4]
        let [n, c, h, w] = x.dims();
        x.reshape([n, c, h * w]).swap_dims(1, 2)
    }
}

fn main() {
    let device = Device::flex();
    device.seed(0);
    // Take the stock decoder and latent block from a config, swap the vision tower.
    let mut config = amvl::ModelConfig::default();
    config.decoder.vocab_size = 32;
    let stock = config.init(&device);
    let cnn = SmallCnn {
        conv1: Conv2dConfig::new([3, 24], [2, 2]).with_stride([2, 2]).init(&device),
        conv2: Conv2dConfig::new([24, 48], [4, 4]).with_stride([4, 4]).init(&device),
    };
    let d_model = config.decoder.hidden_size;
    let model: AmvlModel<SmallCnn, _> = AmvlModel {
        vision: cnn,
        projector: Projector {
            linear_1: LinearConfig::new(48, d_model).init(&device),
            linear_2: LinearConfig::new(d_model, d_model).init(&device),
            image_slots: None,
            center_tokens: None,
        },
        decoder: stock.decoder,
        latent: stock.latent,
    };

    let ids = |rows: &[i64], b: usize| Tensor::<1, Int>::from_ints(rows, &device).reshape([b, rows.len() / b]);
    let batch = AmvlBatch {
        images: Tensor::random([2, 1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device),
        image_mask: Tensor::<2, Bool>::full([2, 1], true, &device),
        question: ids(&[1, 10, 11, 12, 1, 13, 14, 15], 2),
        question_mask: Tensor::<2, Bool>::full([2, 4], true, &device),
        target: ids(&[20, 21], 2),
        target_mask: Tensor::<2, Bool>::full([2, 1], true, &device),
        answer_input: ids(&[8, 20, 8, 21], 2),
        answer_target: ids(&[20, 2, 21, 2], 2),
        answer_mask: Tensor::<2, Bool>::full([2, 2], true, &device),
    };
    let out = model.forward_train(&batch);
    println!(
        "training forward: logits {:?}, prior mean {:?}",
        out.logits.dims(),
        out.prior.unwrap().mean.dims()
    );
    let answer = model.generate(
        &batch,
        &GenerateOptions {
            latent: LatentChoice::PriorMean,
            max_new_tokens: 3,
            temperature: 0.0,
            answer_start: 8,
            eos: 2,
            answer_marker: None,
        },
    );
    println!("generated (untrained) ids: {:?}", answer.tokens);
}
