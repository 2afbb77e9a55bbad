//! The model learns answers that only the pixels give: the question is the same for every item
//! and the answer letter depends on what the image shows (a colour; where one square is
//! relative to another).
mod common;

use amvl::AmvlBatch;
use amvl::burn::optim::{AdamWConfig, GradientsParams};
use amvl::burn::prelude::*;
use amvl::burn::tensor::TensorData;
use amvl::loss::{AmvlLoss, LossConfig, Objective};
use common::*;

const LETTERS: [i64; 2] = [20, 21];

#[derive(Clone, Copy)]
enum Scene {
    /// One 8×8 square, red (answer 0) or blue, anywhere.
    Colour,
    /// A red and a blue square anywhere in the columns; answer 0 when red is the upper one.
    RedAbove,
}

/// `n` items of `scene` from `seed`: images [n, 1, 3, 32, 32] on grey and their answers.
fn items(scene: Scene, n: usize, seed: u64, device: &Device) -> (AmvlBatch, Vec<usize>) {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let mut pixels = vec![0f32; n * 3 * 32 * 32];
    let mut answers = Vec::with_capacity(n);
    for i in 0..n {
        let answer = next(2) as usize;
        // (x, y, colour channel) of each square.
        let squares = match scene {
            Scene::Colour => vec![(next(24), next(24), if answer == 0 { 0 } else { 2 })],
            Scene::RedAbove => {
                let (upper, lower) = (next(10), 14 + next(10));
                let (red_y, blue_y) = if answer == 0 { (upper, lower) } else { (lower, upper) };
                vec![(next(24), red_y, 0), (next(24), blue_y, 2)]
            }
        };
        for (x0, y0, channel) in squares {
            let (x0, y0) = (x0 as usize, y0 as usize);
            for c in 0..3 {
                for y in y0..y0 + 8 {
                    for x in x0..x0 + 8 {
                        pixels[((i * 3 + c) * 32 + y) * 32 + x] = if c == channel { 0.9 } else { -0.9 };
                    }
                }
            }
        }
        answers.push(answer);
    }
    let ints = |rows: Vec<Vec<i64>>| {
        let len = rows[0].len();
        let flat: Vec<i64> = rows.into_iter().flatten().collect();
        Tensor::<1, Int>::from_ints(flat.as_slice(), device).reshape([n, len])
    };
    let all = |len: usize| Tensor::<2, Bool>::full([n, len], true, device);
    let letter = |i: usize| LETTERS[answers[i]];
    let batch = AmvlBatch {
        images: Tensor::<1>::from_data(TensorData::new(pixels, [n * 3 * 32 * 32]), device).reshape([n, 1, 3, 32, 32]),
        image_mask: all(1),
        question: ints((0..n).map(|_| vec![1, 10, 11, 12, 13]).collect()),
        question_mask: all(5),
        target: ints((0..n).map(|i| vec![letter(i)]).collect()),
        target_mask: all(1),
        answer_input: ints((0..n).map(|i| vec![8, letter(i)]).collect()),
        answer_target: ints((0..n).map(|i| vec![letter(i), 2]).collect()),
        answer_mask: all(2),
    };
    (batch, answers)
}

/// Share of `answers` whose letter logit after `<answer>` beats the other letter's.
fn accuracy(model: &amvl::AmvlModel, batch: &AmvlBatch, answers: &[usize]) -> f64 {
    let prefix = model.run_prefix(batch, true);
    let logits = model.decode_logits(&prefix, None, batch.answer_input.clone(), batch.answer_mask.clone());
    let [n, _, vocab] = logits.dims();
    let first: Vec<f32> = logits
        .slice([0..n, 0..1, 0..vocab])
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    let right = answers
        .iter()
        .enumerate()
        .filter(|&(i, &a)| {
            let row = &first[i * vocab..(i + 1) * vocab];
            row[LETTERS[a] as usize] > row[LETTERS[1 - a] as usize]
        })
        .count();
    right as f64 / n as f64
}

/// Trains the tiny model (no latent block) on fresh items of `scene` for `steps` steps of 16 and
/// returns the held-out accuracy before and after.
fn learn(scene: Scene, steps: u64) -> (f64, f64) {
    let device = device().autodiff();
    let mut config = tiny_config();
    config.latent.slots = 0;
    let mut model = amvl::core::random::with_seed(&device, 71, || {
        let m = config.init(&device);
        amvl::core::random::materialize(&m);
        m
    });
    let loss = AmvlLoss::new(LossConfig::default().with_objective(Objective::NoLatent));
    let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
    let (held_out, answers) = items(scene, 64, 999, &device);
    let before = accuracy(&model, &held_out, &answers);
    for step in 0..steps {
        let (batch, _) = items(scene, 16, step, &device);
        let out = model.forward_train(&batch);
        let terms = loss.compute(
            step,
            out.logits,
            batch.answer_target.clone(),
            batch.answer_mask.clone(),
            None,
            None,
        );
        let grads = GradientsParams::from_grads(terms.total.backward(), &model);
        model = optim.step(1e-3, model, grads);
    }
    (before, accuracy(&model, &held_out, &answers))
}

#[test]
fn a_colour_only_the_image_shows_is_learned() {
    let (before, after) = learn(Scene::Colour, 120);
    assert!(after >= 0.95, "held-out accuracy {before:.2} → {after:.2}");
}

#[test]
fn which_square_is_above_is_learned() {
    let (before, after) = learn(Scene::RedAbove, 120);
    assert!(after >= 0.95, "held-out accuracy {before:.2} → {after:.2}");
}
