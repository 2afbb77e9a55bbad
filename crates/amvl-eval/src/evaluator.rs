use amvl_core::{AmvlBatch, LanguageModel};
use amvl_data::{AmvlBatcher, Item, ItemSource};
use amvl_latent::LatentPath;
use amvl_loss::{GaussianRows, LatentDiagnostics};
use amvl_model::{AmvlModel, LatentChoice};
use amvl_train::session::EvalSplit;
use burn::prelude::*;
use std::collections::BTreeMap;

use crate::conditions::Condition;
use crate::content::ContentProbes;
use crate::error::EvalError;
use crate::probe::{argmax, probe_accuracy};
use crate::report::{EvalReport, TaskReport};

/// What to measure.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Prior sampling temperatures besides the mean (e.g. 0.2 and 1.0).
    pub taus: Vec<f64>,
    pub batch_size: usize,
    /// Leakage and latent-causality controls (posterior, zero, shuffled, removed, swapped).
    pub controls: bool,
    /// Seed for τ-sampling and shuffles.
    pub seed: u64,
    /// What filled the slots in training (the run's objective): z from the posterior (the
    /// variational objectives: every condition), the prior mean (`prior_ntp`: no posterior
    /// controls) or the slot embeddings (`pause`: no z, so `prior_mean` scores the slots).
    pub latent_path: LatentPath,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            taus: vec![0.2, 1.0],
            batch_size: 32,
            controls: true,
            seed: 0,
            latent_path: LatentPath::Posterior,
        }
    }
}

#[derive(Default)]
struct TaskAccumulator {
    items: usize,
    scorable: usize,
    chance: f64,
    correct: BTreeMap<String, usize>,
    likelihood_correct: BTreeMap<String, usize>,
    kl_sum: Vec<f64>,
    posterior_features: Vec<Vec<f32>>,
    prior_features: Vec<Vec<f32>>,
    labels: Vec<usize>,
    latent_norm_sum: f64,
    latent_norm_count: usize,
    slots: usize,
    prior_rows: GaussianRows,
    posterior_rows: GaussianRows,
}

fn rows(t: Tensor<3>) -> Vec<Vec<f32>> {
    let [b, k, d] = t.dims();
    let flat: Vec<f32> = t.into_data().try_into_vec_as::<f32>().expect("floats");
    (0..b).map(|i| flat[i * k * d..(i + 1) * k * d].to_vec()).collect()
}

/// Rolls the batch by one: item i gets item i+1's z.
fn swapped(z: Tensor<3>) -> Tensor<3> {
    let b = z.dims()[0];
    if b < 2 {
        return z;
    }
    Tensor::cat(vec![z.clone().narrow(0, 1, b - 1), z.narrow(0, 0, 1)], 0)
}

/// Permutes each slot's z across the batch with its own derangement-like shift.
fn shuffled(z: Tensor<3>, seed: u64) -> Tensor<3> {
    let [b, k, _] = z.dims();
    if b < 2 {
        return z;
    }
    let slots = (0..k)
        .map(|s| {
            let shift = 1 + ((seed as usize).wrapping_mul(31).wrapping_add(s * 7)) % (b - 1);
            let slot = z.clone().narrow(1, s, 1);
            Tensor::cat(
                vec![slot.clone().narrow(0, shift, b - shift), slot.narrow(0, 0, shift)],
                0,
            )
        })
        .collect();
    Tensor::cat(slots, 1)
}

/// Evaluates `model` on `items` (one split). `split` labels the rows.
pub fn evaluate(
    model: &AmvlModel,
    items: &dyn ItemSource,
    batcher: &AmvlBatcher,
    split: EvalSplit,
    options: &EvalOptions,
    device: &Device,
) -> Result<EvalReport, EvalError> {
    let tokenizer = batcher.tokenizer();
    let letter_ids: Vec<u32> = tokenizer.letter_ids(amvl_data::MAX_OPTIONS).to_vec();
    // A rationale-first model reasons in words, then answers after `<answer>`.
    let generate = |latent| amvl_train::session::answering(batcher.config(), tokenizer, latent);
    let embedding_norm = {
        let table = model.decoder.embed_tokens.weight.val();
        table.powi_scalar(2).sum_dim(1).sqrt().mean().into_scalar::<f32>() as f64
    };
    let path = options.latent_path;
    let has_latent = model.latent.is_some() && path != LatentPath::Slots;
    let has_posterior = has_latent && path == LatentPath::Posterior;
    let mut conditions = vec![Condition::PriorMean];
    if has_latent {
        conditions.extend(
            options
                .taus
                .iter()
                .filter(|&&t| t > 0.0)
                .map(|&tau| Condition::PriorSample { tau }),
        );
        if options.controls {
            if has_posterior {
                conditions.push(Condition::PosteriorMean);
            }
            conditions.extend([
                Condition::Zero,
                Condition::Shuffled,
                Condition::Swapped,
                Condition::Removed,
            ]);
        }
    } else if model.latent.is_some() && options.controls {
        conditions.push(Condition::Removed);
    }

    let mut tasks: BTreeMap<String, TaskAccumulator> = BTreeMap::new();
    let mut content = ContentProbes::default();
    let mut start = 0;
    let mut batch_no = 0u64;
    while start < items.len() {
        let end = (start + options.batch_size).min(items.len());
        let chunk: Vec<Item> = (start..end).map(|i| items.item(i)).collect::<Result<_, _>>()?;
        start = end;
        let batch: AmvlBatch = batcher.batch(chunk.clone(), device)?;
        let prefix = model.run_prefix(&batch, true);
        let latents = has_latent.then(|| {
            let prior = model.prior(&prefix);
            let posterior =
                has_posterior.then(|| model.posterior(&prefix, batch.target.clone(), batch.target_mask.clone()));
            (prior, posterior)
        });
        for condition in &conditions {
            let choice = match (condition, &latents) {
                (Condition::PriorMean, None) if model.latent.is_some() => LatentChoice::Slots,
                (_, None) => LatentChoice::Removed,
                (Condition::PriorMean, Some((p, _))) => LatentChoice::Given(p.mean.clone()),
                (Condition::PriorSample { tau }, Some((p, _))) => {
                    let seed = options.seed ^ batch_no.wrapping_mul(0x9E37) ^ tau.to_bits();
                    let noise = amvl_core::random::standard_normal(p.dims(), seed, device);
                    LatentChoice::Given(p.sample_with_noise(noise, *tau))
                }
                (Condition::PosteriorMean, Some((_, Some(q)))) => LatentChoice::Given(q.mean.clone()),
                (Condition::PosteriorMean, Some((_, None))) => unreachable!("no posterior condition without one"),
                (Condition::Zero, Some((p, _))) => LatentChoice::Given(p.mean.zeros_like()),
                (Condition::Shuffled, Some((p, _))) => {
                    LatentChoice::Given(shuffled(p.mean.clone(), options.seed + batch_no))
                }
                (Condition::Swapped, Some((p, _))) => LatentChoice::Given(swapped(p.mean.clone())),
                (Condition::Removed, Some(_)) => LatentChoice::Removed,
            };
            let generate = generate(choice);
            let generation = model.generate_with_prefix(&prefix, &batch, &generate);
            let answers = generation.answer_tokens(generate.answer_marker);
            // Only a letter-first model reads its letter distribution off the first token.
            let first_logits: Option<Vec<f32>> = generate.answer_marker.is_none().then(|| {
                generation
                    .first_logits
                    .into_data()
                    .try_into_vec_as::<f32>()
                    .expect("logits")
            });
            let vocab = model.decoder.vocab_size();
            for (i, item) in chunk.iter().enumerate() {
                let Some(answer) = item.answer else { continue };
                let acc = tasks.entry(item.task.clone()).or_default();
                let right = answers[i] == Some(letter_ids[answer]);
                *acc.correct.entry(condition.label()).or_default() += right as usize;
                // The letter's distribution: at the first token, or after `<answer>` for a
                // rationale-first model (no `<answer>` generated: not scored as right).
                let row = match &first_logits {
                    Some(first) => Some(&first[i * vocab..(i + 1) * vocab]),
                    None => generation.answer_logits[i].as_deref(),
                };
                if let Some(row) = row {
                    let scores: Vec<f32> = letter_ids[..item.options.len()]
                        .iter()
                        .map(|&id| row[id as usize])
                        .collect();
                    *acc.likelihood_correct.entry(condition.label()).or_default() +=
                        (argmax(&scores) == answer) as usize;
                }
            }
        }
        for item in &chunk {
            let acc = tasks.entry(item.task.clone()).or_default();
            acc.items += 1;
            if item.answer.is_some() {
                acc.scorable += 1;
                acc.chance += 1.0 / item.options.len() as f64;
            }
        }
        if let Some((prior, posterior)) = &latents {
            let k = prior.dims()[1];
            let kl: Option<Vec<f32>> = posterior
                .as_ref()
                .map(|q| q.kl(prior).into_data().try_into_vec_as::<f32>().expect("kl"));
            let block = model.latent.as_ref().expect("latent block");
            let injected = block.injector.forward(prior.mean.clone());
            let norms: Vec<f32> = injected
                .powi_scalar(2)
                .sum_dim(2)
                .sqrt()
                .into_data()
                .try_into_vec_as::<f32>()
                .expect("norms");
            let post_rows = posterior
                .as_ref()
                .map(|q| (rows(q.mean.clone()), rows(q.log_std.clone())));
            let prior_rows = (rows(prior.mean.clone()), rows(prior.log_std.clone()));
            for (i, item) in chunk.iter().enumerate() {
                let acc = tasks.get_mut(&item.task).expect("task seen");
                if acc.kl_sum.is_empty() && kl.is_some() {
                    acc.kl_sum = vec![0.0; k];
                }
                for s in 0..k {
                    if let Some(kl) = &kl {
                        acc.kl_sum[s] += kl[i * k + s] as f64;
                    }
                    acc.latent_norm_sum += norms[i * k + s] as f64;
                }
                acc.latent_norm_count += k;
                acc.slots = k;
                let posterior_mean = post_rows.as_ref().map(|(mean, _)| mean[i].as_slice());
                content.push(&item.question, &item.probes, k, &prior_rows.0[i], posterior_mean);
                acc.prior_rows.push(&prior_rows.0[i], &prior_rows.1[i]);
                if let Some((mean, log_std)) = &post_rows {
                    acc.posterior_rows.push(&mean[i], &log_std[i]);
                }
                if let Some(answer) = item.answer {
                    if let Some((mean, _)) = &post_rows {
                        acc.posterior_features.push(mean[i].clone());
                    }
                    acc.prior_features.push(prior_rows.0[i].clone());
                    acc.labels.push(answer);
                }
            }
        }
        batch_no += 1;
    }

    let tasks = tasks
        .into_iter()
        .map(|(task, acc)| {
            let frac = |n: usize| {
                if acc.scorable > 0 {
                    n as f64 / acc.scorable as f64
                } else {
                    0.0
                }
            };
            let accuracy: BTreeMap<String, f64> = acc.correct.iter().map(|(k, &v)| (k.clone(), frac(v))).collect();
            let likelihood_accuracy = acc
                .likelihood_correct
                .iter()
                .map(|(k, &v)| (k.clone(), frac(v)))
                .collect();
            let posterior = accuracy.get(&Condition::PosteriorMean.label());
            let leakage_gap = match (posterior, accuracy.get(&Condition::PriorMean.label())) {
                (Some(q), Some(p)) => Some(q - p),
                _ => None,
            };
            let classes = acc.labels.iter().max().map(|m| m + 1).unwrap_or(0);
            TaskReport {
                task,
                split: split.label().to_string(),
                items: acc.items,
                scorable: acc.scorable,
                chance: if acc.scorable > 0 {
                    acc.chance / acc.scorable as f64
                } else {
                    0.0
                },
                accuracy,
                likelihood_accuracy,
                leakage_gap,
                kl_per_slot: acc.kl_sum.iter().map(|s| s / acc.items.max(1) as f64).collect(),
                latent: (acc.prior_rows.items > 0).then(|| {
                    let posterior = (acc.posterior_rows.items > 0).then_some(&acc.posterior_rows);
                    LatentDiagnostics::from_rows(&acc.prior_rows, posterior, acc.slots)
                }),
                probe_posterior: probe_accuracy(&acc.posterior_features, &acc.labels, classes),
                probe_prior: probe_accuracy(&acc.prior_features, &acc.labels, classes),
                latent_norm: (acc.latent_norm_count > 0).then(|| acc.latent_norm_sum / acc.latent_norm_count as f64),
                embedding_norm,
            }
        })
        .collect();
    Ok(EvalReport {
        tasks,
        probes: content.finish(split.label()),
    })
}
