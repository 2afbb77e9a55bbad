use amvl_core::{AmvlBatch, DecoderCache, LanguageModel, VisionTower};
use amvl_latent::DiagGaussian;
use burn::prelude::*;
use burn::tensor::Distribution;

use crate::model::AmvlModel;
use crate::suffix::Prefix;

/// Where the latent z comes from at inference (and in the evaluation controls).
#[derive(Clone, Debug)]
pub enum LatentChoice {
    /// μ of p(z|x).
    PriorMean,
    /// μ + τ·σ·ε from p(z|x).
    PriorSample { tau: f64 },
    /// μ of q(z|x,y): needs the batch's target; measures answer leakage.
    PosteriorMean,
    /// z = 0.
    Zero,
    /// A given z [batch, slots, d_latent] (e.g. shuffled or another question's prior).
    Given(Tensor<3>),
    /// No latent block in the sequence at all.
    Removed,
    /// The learned slot embeddings in place of injected z (how a pause-token model runs).
    Slots,
}

#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub latent: LatentChoice,
    pub max_new_tokens: usize,
    /// 0 = greedy; otherwise sample from softmax(logits / temperature).
    pub temperature: f64,
    /// The first decoder input after the latent block: `<answer>`, or `<rationale>` for a
    /// model that reasons in words first.
    pub answer_start: u32,
    pub eos: u32,
    /// When set (the id of `<answer>` for a rationale-first model), a sample stops one token
    /// after generating this marker, and that token's logits are kept in
    /// [`Generation::answer_logits`].
    pub answer_marker: Option<u32>,
}

impl GenerateOptions {
    /// Greedy decoding of `max_new_tokens` after `<answer>` (`answer_start`), no marker.
    pub fn greedy(latent: LatentChoice, max_new_tokens: usize, answer_start: u32, eos: u32) -> Self {
        Self {
            latent,
            max_new_tokens,
            temperature: 0.0,
            answer_start,
            eos,
            answer_marker: None,
        }
    }
}

/// Generated answers and the latents that produced them.
#[derive(Clone, Debug)]
pub struct Generation {
    /// Per sample, the generated ids up to (not including) `<eos>`.
    pub tokens: Vec<Vec<u32>>,
    /// [batch, slots, d_latent] as injected (absent when removed or no latent block).
    pub z: Option<Tensor<3>>,
    /// p(z|x), when the latent choice read it (prior mean or sample).
    pub prior: Option<DiagGaussian>,
    /// [batch, vocab]: logits of the first generated token.
    pub first_logits: Tensor<2>,
    /// With [`GenerateOptions::answer_marker`]: per sample, the logits of the token generated
    /// right after the marker (`None` where the marker never came).
    pub answer_logits: Vec<Option<Vec<f32>>>,
}

impl Generation {
    /// Per sample, the token after the first `marker` (or the first token, without a marker).
    pub fn answer_tokens(&self, marker: Option<u32>) -> Vec<Option<u32>> {
        self.tokens
            .iter()
            .map(|t| match marker {
                None => t.first().copied(),
                Some(m) => t.iter().position(|&id| id == m).and_then(|i| t.get(i + 1).copied()),
            })
            .collect()
    }
}

impl<V: Module + VisionTower, L: Module + LanguageModel> AmvlModel<V, L> {
    /// Resolves `choice` into the z to inject, given the prefix (and batch target for the posterior).
    pub fn choose_latent(
        &self,
        prefix: &Prefix<L::Cache>,
        batch: &AmvlBatch,
        choice: &LatentChoice,
    ) -> (Option<Tensor<3>>, Option<DiagGaussian>) {
        let Some(block) = self.latent.as_ref() else {
            return (None, None);
        };
        // The prior pass runs only for the choices that read it.
        match choice {
            LatentChoice::PriorMean => {
                let prior = self.prior(prefix);
                (Some(prior.mean.clone()), Some(prior))
            }
            LatentChoice::PriorSample { tau } => {
                let prior = self.prior(prefix);
                (Some(prior.sample(*tau)), Some(prior))
            }
            LatentChoice::PosteriorMean => (
                Some(
                    self.posterior(prefix, batch.target.clone(), batch.target_mask.clone())
                        .mean,
                ),
                None,
            ),
            LatentChoice::Zero => {
                let d_latent = block.injector.proj.weight.dims()[0];
                let z = Tensor::zeros([batch.batch_size(), block.count(), d_latent], &batch.question.device());
                (Some(z), None)
            }
            LatentChoice::Given(z) => (Some(z.clone()), None),
            LatentChoice::Removed | LatentChoice::Slots => (None, None),
        }
    }

    /// Answers the batch's questions with the KV cache: prefix once, latent block, then one
    /// token at a time.
    pub fn generate(&self, batch: &AmvlBatch, options: &GenerateOptions) -> Generation {
        let prefix = self.run_prefix(batch, true);
        self.generate_with_prefix(&prefix, batch, options)
    }

    /// [`generate`](Self::generate) after an already-computed prefix (several latent choices
    /// can share one prefix).
    pub fn generate_with_prefix(
        &self,
        prefix: &Prefix<L::Cache>,
        batch: &AmvlBatch,
        options: &GenerateOptions,
    ) -> Generation {
        let (z, prior) = self.choose_latent(prefix, batch, &options.latent);
        let b = batch.batch_size();
        let device = batch.question.device();
        let start = Tensor::<2, Int>::full([b, 1], options.answer_start as i64, &device);
        let start = self.decoder.embed_tokens(start);
        let suffix = match (&z, self.latent.as_ref()) {
            (Some(z), Some(block)) => Tensor::cat(vec![block.injector.forward(z.clone()), start], 1),
            (None, Some(block)) if matches!(options.latent, LatentChoice::Slots) => {
                Tensor::cat(vec![block.slots.expand(b), start], 1)
            }
            _ => start,
        };
        let len = suffix.dims()[1];
        let real = Tensor::<2, Bool>::full([b, len], true, &device);
        let (hidden, mut cache) = self.run_suffix(prefix, suffix, real);
        let d = hidden.dims()[2];
        let mut last = hidden.slice([0..b, len - 1..len, 0..d]);
        let mut tokens = vec![Vec::new(); b];
        let mut done = vec![false; b];
        let mut first_logits = None;
        let vocab = self.decoder.vocab_size();
        let mut answer_logits: Vec<Option<Vec<f32>>> = vec![None; b];
        let mut after_marker = vec![false; b];
        for _ in 0..options.max_new_tokens {
            let logits = self.decoder.logits(last).reshape([b, vocab]);
            if first_logits.is_none() {
                first_logits = Some(logits.clone());
            }
            let rows: Option<Vec<f32>> = (options.answer_marker.is_some() && after_marker.iter().any(|&a| a))
                .then(|| logits.clone().into_data().try_into_vec_as::<f32>().expect("logits"));
            let next = pick(logits, options.temperature);
            let ids: Vec<i64> = next.to_data().try_into_vec_as::<i64>().expect("token ids");
            for (i, &id) in ids.iter().enumerate() {
                if done[i] {
                    continue;
                }
                if after_marker[i] {
                    if let Some(rows) = &rows {
                        answer_logits[i] = Some(rows[i * vocab..(i + 1) * vocab].to_vec());
                    }
                    tokens[i].push(id as u32);
                    done[i] = true;
                    after_marker[i] = false;
                } else if id as u32 == options.eos {
                    done[i] = true;
                } else {
                    tokens[i].push(id as u32);
                    after_marker[i] = options.answer_marker == Some(id as u32);
                }
            }
            if done.iter().all(|&d| d) {
                break;
            }
            let embeds = self.decoder.embed_tokens(next.reshape([b, 1]));
            let real = Tensor::<2, Bool>::full([b, 1], true, &device);
            let (h, c) = self.decoder.forward_embeds(embeds, real, Some(cache));
            cache = c;
            last = h;
        }
        Generation {
            tokens,
            z,
            prior,
            first_logits: first_logits.unwrap_or_else(|| Tensor::zeros([b, self.decoder.vocab_size()], &device)),
            answer_logits,
        }
    }
}

impl<V: Module + VisionTower, L: Module + LanguageModel> AmvlModel<V, L> {
    /// Greedy decoding of exactly `new_tokens` tokens after `[prefix, inject(z), <answer>]`, all
    /// on the device: no early stop at `<eos>` and no read-back per token, so its time is the
    /// model's (the benchmark's decode). Returns the ids [batch, new_tokens].
    ///
    /// A `Prefix::Cached` prefix decodes with the KV cache (one position per step); a
    /// `Prefix::Naive` one re-runs the decoder over the whole sequence for every token. Both give
    /// the same ids.
    pub fn greedy_fixed(
        &self,
        prefix: &Prefix<L::Cache>,
        z: Option<Tensor<3>>,
        answer_start: u32,
        new_tokens: usize,
    ) -> Tensor<2, Int> {
        let (b, device) = match prefix {
            Prefix::Cached(c) => (c.batch_size(), z.as_ref().map(|z| z.device())),
            Prefix::Naive { embeds, .. } => (embeds.dims()[0], Some(embeds.device())),
        };
        let device = device.unwrap_or_else(|| self.decoder.embedding_table().device());
        let start = self
            .decoder
            .embed_tokens(Tensor::<2, Int>::full([b, 1], answer_start as i64, &device));
        let mut suffix = match &z {
            Some(z) => {
                let block = self.latent.as_ref().expect("latent block");
                Tensor::cat(vec![block.injector.forward(z.clone()), start], 1)
            }
            None => start,
        };
        let vocab = self.decoder.vocab_size();
        let real = |n: usize| Tensor::<2, Bool>::full([b, n], true, &device);
        let mut ids = Vec::with_capacity(new_tokens);
        let len = suffix.dims()[1];
        let (hidden, mut cache) = self.run_suffix(prefix, suffix.clone(), real(len));
        let d = hidden.dims()[2];
        let mut last = hidden.slice([0..b, len - 1..len, 0..d]);
        for t in 0..new_tokens {
            let next = self.decoder.logits(last).reshape([b, vocab]).argmax(1);
            ids.push(next.clone());
            if t + 1 == new_tokens {
                break;
            }
            let embeds = self.decoder.embed_tokens(next);
            last = match prefix {
                Prefix::Cached(_) => {
                    let (h, c) = self.decoder.forward_embeds(embeds, real(1), Some(cache));
                    cache = c;
                    h
                }
                Prefix::Naive { .. } => {
                    suffix = Tensor::cat(vec![suffix, embeds], 1);
                    let len = suffix.dims()[1];
                    let (h, _) = self.run_suffix(prefix, suffix.clone(), real(len));
                    h.slice([0..b, len - 1..len, 0..d])
                }
            };
        }
        Tensor::cat(ids, 1)
    }
}

/// Greedy (temperature 0) or Gumbel-max sampling: [batch, vocab] → [batch]
fn pick(logits: Tensor<2>, temperature: f64) -> Tensor<1, Int> {
    let [b, v] = logits.dims();
    let scores = if temperature > 0.0 {
        let u = Tensor::<2>::random([b, v], Distribution::Uniform(1e-10, 1.0), &logits.device());
        logits / temperature - u.log().neg().log()
    } else {
        logits
    };
    scores.argmax(1).reshape([b])
}
