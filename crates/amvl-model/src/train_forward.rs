use amvl_core::{AmvlBatch, DecoderCache, LanguageModel, VisionTower};
use amvl_latent::{DiagGaussian, LatentPath, PosteriorReader};
use burn::prelude::*;

use crate::model::AmvlModel;
use crate::suffix::Prefix;

/// What one training forward produces.
#[derive(Clone, Debug)]
pub struct TrainOutput {
    /// [batch, len_a, vocab]: teacher-forced answer logits, aligned with `answer_target`.
    pub logits: Tensor<3>,
    /// p(z|x), [batch, slots, d_latent] (absent without a latent block).
    pub prior: Option<DiagGaussian>,
    /// q(z|x,y)
    pub posterior: Option<DiagGaussian>,
    /// The sample of q injected into the slots [batch, slots, d_latent].
    pub z: Option<Tensor<3>>,
}

fn all_real(batch: usize, len: usize, device: &Device) -> Tensor<2, Bool> {
    Tensor::<2, Bool>::full([batch, len], true, device)
}

impl<V: Module + VisionTower, L: Module + LanguageModel> AmvlModel<V, L> {
    /// The training forward with the shared prefix and a fresh sample z ~ q.
    pub fn forward_train(&self, batch: &AmvlBatch) -> TrainOutput {
        self.forward_train_with(batch, true, None)
    }

    /// `shared`: run the prefix once (else three full passes); `noise` [batch, slots, d_latent]:
    /// the ε of z = μ_q + σ_q·ε (fresh standard normal when `None`).
    pub fn forward_train_with(&self, batch: &AmvlBatch, shared: bool, noise: Option<Tensor<3>>) -> TrainOutput {
        self.forward_train_path(batch, shared, noise, LatentPath::Posterior)
    }

    /// [`forward_train_with`](Self::forward_train_with) with the slots filled as `path` says:
    /// z ~ q (the variational objectives), z = μ_p (prior trained by NTP alone), or the slot
    /// embeddings (pause tokens). Only `Posterior` reads the target.
    pub fn forward_train_path(
        &self,
        batch: &AmvlBatch,
        shared: bool,
        noise: Option<Tensor<3>>,
        path: LatentPath,
    ) -> TrainOutput {
        let prefix = self.run_prefix(batch, shared);
        if let (Some(block), LatentPath::PriorMean | LatentPath::Slots) = (&self.latent, path) {
            let (prior, embeds) = match path {
                LatentPath::PriorMean => {
                    let prior = self.prior(&prefix);
                    let embeds = block.injector.forward(prior.mean.clone());
                    (Some(prior), embeds)
                }
                _ => (None, block.slots.expand(batch.batch_size())),
            };
            let z = prior.as_ref().map(|p| p.mean.clone());
            let logits = self.decode_embeds(
                &prefix,
                Some(embeds),
                batch.answer_input.clone(),
                batch.answer_mask.clone(),
            );
            return TrainOutput {
                logits,
                prior,
                posterior: None,
                z,
            };
        }
        if self.latent.is_none() {
            let logits = self.decode_logits(&prefix, None, batch.answer_input.clone(), batch.answer_mask.clone());
            return TrainOutput {
                logits,
                prior: None,
                posterior: None,
                z: None,
            };
        }
        let prior = self.prior(&prefix);
        let posterior = self.posterior(&prefix, batch.target.clone(), batch.target_mask.clone());
        let z = match noise {
            Some(eps) => posterior.sample_with_noise(eps, 1.0),
            None => posterior.sample(1.0),
        };
        let logits = self.decode_logits(
            &prefix,
            Some(z.clone()),
            batch.answer_input.clone(),
            batch.answer_mask.clone(),
        );
        TrainOutput {
            logits,
            prior: Some(prior),
            posterior: Some(posterior),
            z: Some(z),
        }
    }

    /// Prior pass: `[prefix, <lat>_1..k]` → p(z|x).
    pub fn prior(&self, prefix: &Prefix<L::Cache>) -> DiagGaussian {
        let block = self.latent.as_ref().expect("model has no latent block");
        let batch = prefix_batch(prefix);
        let slots = block.slots.expand(batch);
        let device = slots.device();
        let (hidden, _) = self.run_suffix(prefix, slots, all_real(batch, block.count(), &device));
        block.prior_head.forward(hidden)
    }

    /// Posterior pass: `[prefix, target, <lat>_1..k]` → q(z|x,y). `target`/`mask` [batch, len_t].
    pub fn posterior(&self, prefix: &Prefix<L::Cache>, target: Tensor<2, Int>, mask: Tensor<2, Bool>) -> DiagGaussian {
        let block = self.latent.as_ref().expect("model has no latent block");
        let [batch, len_t] = target.dims();
        let k = block.count();
        let slots = block.slots.expand(batch);
        let device = slots.device();
        let tokens = self.decoder.embed_tokens(target);
        let suffix = Tensor::cat(vec![tokens.clone(), slots], 1);
        let real = Tensor::cat(vec![mask.clone(), all_real(batch, k, &device)], 1);
        let (hidden, _) = match block.reader {
            PosteriorReader::SlotsAndStates => self.run_suffix_keep(prefix, suffix, real, 0..len_t + k),
            _ => self.run_suffix_keep(prefix, suffix, real, len_t..len_t + k),
        };
        let d = hidden.dims()[2];
        let start = hidden.dims()[1] - k;
        let slots = hidden.clone().slice([0..batch, start..start + k, 0..d]);
        let summary = match block.reader {
            PosteriorReader::Slots => None,
            PosteriorReader::SlotsAndStates => Some(masked_mean(hidden.slice([0..batch, 0..len_t, 0..d]), mask)),
            PosteriorReader::SlotsAndTokens => Some(unit_rms(masked_mean(tokens, mask))),
        };
        block.posterior_head.forward_with_target(slots, summary)
    }

    /// Teacher-forced decode: `[prefix, inject(z), answer_input]` → logits [batch, len_a, vocab].
    /// `z = None` drops the latent block from the sequence entirely.
    pub fn decode_logits(
        &self,
        prefix: &Prefix<L::Cache>,
        z: Option<Tensor<3>>,
        answer_input: Tensor<2, Int>,
        answer_mask: Tensor<2, Bool>,
    ) -> Tensor<3> {
        let embeds = z.map(|z| {
            let block = self.latent.as_ref().expect("model has no latent block");
            block.injector.forward(z)
        });
        self.decode_embeds(prefix, embeds, answer_input, answer_mask)
    }

    /// Teacher-forced decode with the slots given at model width: `[prefix, embeds, answer_input]`
    /// → logits [batch, len_a, vocab]; `embeds` [batch, slots, d_model].
    pub fn decode_embeds(
        &self,
        prefix: &Prefix<L::Cache>,
        embeds: Option<Tensor<3>>,
        answer_input: Tensor<2, Int>,
        answer_mask: Tensor<2, Bool>,
    ) -> Tensor<3> {
        let [batch, len_a] = answer_input.dims();
        let answer = self.decoder.embed_tokens(answer_input);
        let device = answer.device();
        let (suffix, real, skip) = match embeds {
            Some(embeds) => {
                let k = embeds.dims()[1];
                (
                    Tensor::cat(vec![embeds, answer], 1),
                    Tensor::cat(vec![all_real(batch, k, &device), answer_mask], 1),
                    k,
                )
            }
            None => (answer, answer_mask, 0),
        };
        let (hidden, _) = self.run_suffix_keep(prefix, suffix, real, skip..skip + len_a);
        self.decoder.logits(hidden)
    }
}

/// Mean over the real positions: `states` [batch, len, d], `mask` [batch, len] → [batch, d].
fn masked_mean(states: Tensor<3>, mask: Tensor<2, Bool>) -> Tensor<2> {
    let [batch, len, d] = states.dims();
    let weights = mask.float().reshape([batch, len, 1]);
    let count = weights.clone().sum_dim(1).clamp_min(1.0);
    ((states * weights).sum_dim(1) / count).reshape([batch, d])
}

/// Each row scaled to unit RMS: [batch, d] → [batch, d].
fn unit_rms(x: Tensor<2>) -> Tensor<2> {
    let rms = x.clone().powi_scalar(2).mean_dim(1).sqrt().clamp_min(1e-6);
    x / rms
}

fn prefix_batch<C: DecoderCache>(prefix: &Prefix<C>) -> usize {
    match prefix {
        Prefix::Cached(c) => c.batch_size(),
        Prefix::Naive { embeds, .. } => embeds.dims()[0],
    }
}
