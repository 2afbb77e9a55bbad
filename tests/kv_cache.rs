//! Incremental decoding and the shared-prefix training forward equal full passes.
mod common;

use amvl::burn::prelude::*;
use amvl::burn::tensor::Distribution;
use amvl::core::LanguageModel;
use amvl::decoder::DecoderConfig;
use amvl::model::{GenerateOptions, LatentChoice};
use common::*;

#[test]
fn kv_cache_decoding_equals_a_full_forward() {
    let device = device();
    device.seed(31);
    let config = DecoderConfig {
        vocab_size: VOCAB,
        qkv_bias: true,
        ..DecoderConfig::default()
    };
    let decoder = config.init(&device);
    let ids = Tensor::<2, Int>::random([2, 9], Distribution::Uniform(0.0, VOCAB as f64), &device);
    let full = decoder.forward_ids(ids.clone());

    let real = |n: usize| Tensor::<2, Bool>::full([2, n], true, &device);
    let (h, mut cache) = decoder.forward_embeds(decoder.embed_tokens(ids.clone().narrow(1, 0, 5)), real(5), None);
    let mut pieces = vec![decoder.logits(h)];
    for t in 5..9 {
        let (h, c) = decoder.forward_embeds(decoder.embed_tokens(ids.clone().narrow(1, t, 1)), real(1), Some(cache));
        cache = c;
        pieces.push(decoder.logits(h));
    }
    let incremental = Tensor::cat(pieces, 1);
    let err = max_abs_diff(full, incremental);
    assert!(err < 1e-5, "max abs error {err}");
}

#[test]
fn keeping_some_positions_and_prefilling_change_nothing() {
    let device = device();
    device.seed(33);
    let config = DecoderConfig {
        vocab_size: VOCAB,
        num_layers: 3,
        ..DecoderConfig::default()
    };
    let decoder = config.init(&device);
    let ids = Tensor::<2, Int>::random([2, 9], Distribution::Uniform(0.0, VOCAB as f64), &device);
    // The second sample is padded at two positions.
    let real = Tensor::<2, Bool>::from_bool(
        TensorData::from([[true; 9], [true, true, false, true, true, true, false, true, true]]),
        &device,
    );
    let embeds = decoder.embed_tokens(ids.clone());
    let (full, full_cache) = decoder.forward_embeds(embeds.clone(), real.clone(), None);
    let (kept, kept_cache) = decoder.forward_embeds_keep(embeds.clone(), real.clone(), None, 3..7);
    assert_eq!(kept.dims(), [2, 4, full.dims()[2]]);
    let err = max_abs_diff(full.clone().narrow(1, 3, 4), kept);
    assert!(err < 1e-5, "kept positions differ by {err}");
    let prefilled = decoder.prefill(embeds, real.clone());
    for cache in [&kept_cache, &prefilled] {
        for (a, b) in full_cache.layers.iter().zip(&cache.layers) {
            assert!(max_abs_diff(a.key.clone(), b.key.clone()) < 1e-6);
            assert!(max_abs_diff(a.value.clone(), b.value.clone()) < 1e-6);
        }
    }
    // A suffix after the prefilled cache reads what it would after a full pass.
    let next = decoder.embed_tokens(ids.narrow(1, 0, 3));
    let all_real = Tensor::<2, Bool>::full([2, 3], true, &device);
    let (a, _) = decoder.forward_embeds(next.clone(), all_real.clone(), Some(full_cache));
    let (b, _) = decoder.forward_embeds_keep(next, all_real, Some(prefilled), 1..3);
    let err = max_abs_diff(a.narrow(1, 1, 2), b);
    assert!(err < 1e-5, "suffix after prefill differs by {err}");
}

#[test]
fn padding_does_not_change_a_sample() {
    let device = device();
    device.seed(32);
    let decoder = DecoderConfig {
        vocab_size: VOCAB,
        ..DecoderConfig::default()
    }
    .init(&device);
    let ids = Tensor::<2, Int>::random([1, 6], Distribution::Uniform(1.0, VOCAB as f64), &device);
    let alone = decoder.forward_ids(ids.clone());
    // The same 6 tokens with two pad slots in the middle (as a right-padded question would leave).
    let padded = Tensor::cat(
        vec![
            ids.clone().narrow(1, 0, 3),
            Tensor::zeros([1, 2], &device),
            ids.narrow(1, 3, 3),
        ],
        1,
    );
    let real = Tensor::<1, Bool>::from_bool(
        TensorData::from([true, true, true, false, false, true, true, true].as_slice()),
        &device,
    )
    .reshape([1, 8]);
    let (h, _) = decoder.forward_embeds(decoder.embed_tokens(padded), real, None);
    let logits = decoder.logits(h);
    let kept = Tensor::cat(vec![logits.clone().narrow(1, 0, 3), logits.narrow(1, 5, 3)], 1);
    let err = max_abs_diff(alone, kept);
    assert!(err < 1e-5, "max abs error {err}");
}

#[test]
fn shared_prefix_training_forward_equals_three_full_passes() {
    let device = device();
    device.seed(33);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 5);
    let noise = Tensor::<3>::random([3, 4, 16], Distribution::Normal(0.0, 1.0), &device);
    let shared = model.forward_train_with(&batch, true, Some(noise.clone()));
    let naive = model.forward_train_with(&batch, false, Some(noise));
    let (ps, pn) = (shared.prior.unwrap(), naive.prior.unwrap());
    let (qs, qn) = (shared.posterior.unwrap(), naive.posterior.unwrap());
    for (name, a, b) in [
        ("logits", shared.logits, naive.logits),
        ("prior mean", ps.mean, pn.mean),
        ("prior log_std", ps.log_std, pn.log_std),
        ("posterior mean", qs.mean, qn.mean),
        ("posterior log_std", qs.log_std, qn.log_std),
    ] {
        let err = max_abs_diff(a, b);
        assert!(err < 1e-5, "{name}: max abs error {err}");
    }
}

#[test]
fn generation_with_the_cache_matches_teacher_forcing() {
    let device = device();
    device.seed(34);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 6);
    let options = GenerateOptions {
        latent: LatentChoice::PriorMean,
        max_new_tokens: 3,
        temperature: 0.0,
        answer_start: 8,
        eos: 2,
        answer_marker: None,
    };
    let generation = model.generate(&batch, &options);
    // Re-score the generated tokens with one full teacher-forced pass: each must be the argmax.
    let prefix = model.run_prefix(&batch, false);
    let z = generation.z.clone();
    for (i, tokens) in generation.tokens.iter().enumerate() {
        let mut inputs = vec![8i64];
        inputs.extend(tokens.iter().map(|&t| t as i64));
        let n = inputs.len();
        let row = Tensor::<1, Int>::from_ints(inputs.as_slice(), &device).reshape([1, n]);
        let mut sample = batch.clone();
        for field in [
            &mut sample.question,
            &mut sample.target,
            &mut sample.answer_input,
            &mut sample.answer_target,
        ] {
            *field = field.clone().narrow(0, i, 1);
        }
        let _ = &prefix;
        let one_prefix = model.run_prefix(
            &amvl::AmvlBatch {
                images: batch.images.clone().narrow(0, i, 1),
                image_mask: batch.image_mask.clone().narrow(0, i, 1),
                question_mask: batch.question_mask.clone().narrow(0, i, 1),
                target_mask: batch.target_mask.clone().narrow(0, i, 1),
                answer_mask: batch.answer_mask.clone().narrow(0, i, 1),
                ..sample
            },
            false,
        );
        let zi = z.clone().map(|z| z.narrow(0, i, 1));
        let logits = model.decode_logits(&one_prefix, zi, row, Tensor::<2, Bool>::full([1, n], true, &device));
        let argmax: Vec<i64> = logits.argmax(2).to_data().try_into_vec_as::<i64>().unwrap();
        for (j, &t) in tokens.iter().enumerate() {
            assert_eq!(argmax[j] as u32, t, "sample {i}, token {j}");
        }
    }
}

#[test]
fn generation_stops_one_token_after_the_answer_marker() {
    let device = device();
    device.seed(35);
    let model = tiny_config().init(&device);
    let batch = synthetic_batch(&device, 6);
    let free = GenerateOptions::greedy(LatentChoice::PriorMean, 6, 8, u32::MAX);
    let unmarked = model.generate(&batch, &free);
    assert!(unmarked.answer_logits.iter().all(Option::is_none));
    // Any token sample 0 generated early serves as the marker (as `<answer>` would).
    let marker = unmarked.tokens[0][1];
    let marked = model.generate(
        &batch,
        &GenerateOptions {
            answer_marker: Some(marker),
            ..free
        },
    );
    let answers = marked.answer_tokens(Some(marker));
    for (i, (full, cut)) in unmarked.tokens.iter().zip(&marked.tokens).enumerate() {
        match full.iter().position(|&t| t == marker) {
            Some(at) if at + 1 < full.len() => {
                assert_eq!(
                    cut,
                    &full[..at + 2].to_vec(),
                    "sample {i} stops right after the token following the marker"
                );
                assert_eq!(answers[i], Some(full[at + 1]));
                let row = marked.answer_logits[i].as_ref().expect("logits after the marker");
                let best = (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
                assert_eq!(
                    best as u32,
                    full[at + 1],
                    "sample {i}: the kept logits are the answer token's"
                );
            }
            _ => {
                assert_eq!(cut, full, "sample {i} never reaches the marker: generation unchanged");
                assert!(marked.answer_logits[i].is_none());
            }
        }
    }
    assert_eq!(marked.answer_tokens(None)[0], unmarked.tokens[0].first().copied());
}
