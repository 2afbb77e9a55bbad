//! One model, optimizer and synthetic batch of the fixed bench shapes, and the timed operations.
//!
//! Every timed operation ends with `device.sync()`, so a time is the device's work, not the time
//! to queue it. Nothing inside a timed training step reads a value back to the host.

use amvl_core::{AmvlBatch, LanguageModel};
use amvl_loss::{AmvlLoss, LossTerms, masked_cross_entropy};
use amvl_model::{AmvlModel, LatentChoice};
use amvl_train::config::TrainConfig;
use amvl_train::precision::Precision;
use amvl_train::step::{StepLoss, TermReading, TrainStep};
use amvl_train::trainer::{init_model, optimizer};
use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use burn::tensor::Distribution;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::BenchError;
use crate::spec::{BenchSpec, LOSS_STEP, token_id};

/// What one measurement times. The names are the JSON keys on both sides (ours and PyTorch's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// The AMVL training step as the trainer runs it: shared prefix, prior + posterior + decode
    /// passes, loss, backward, AdamW (per-parameter clipping).
    TrainShared,
    /// The same step with three naive full passes (no shared prefix).
    TrainNaive,
    /// A step of one decoder pass over the whole sequence `[image, question, target, <lat>…,
    /// answer]` with the NTP loss only: the yardstick for the shared-prefix step's cost.
    TrainOnePass,
    /// Inference: vision + prefix pass + prior pass (z = prior mean).
    Prefill,
    /// `DECODE_TOKENS` greedy tokens after the prefill, with the KV cache.
    DecodeCached,
    /// The same tokens, re-running the decoder over the whole sequence for each one.
    DecodeRecompute,
}

impl Figure {
    pub const ALL: [Figure; 6] = [
        Figure::TrainShared,
        Figure::TrainNaive,
        Figure::TrainOnePass,
        Figure::Prefill,
        Figure::DecodeCached,
        Figure::DecodeRecompute,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Figure::TrainShared => "train_shared",
            Figure::TrainNaive => "train_naive",
            Figure::TrainOnePass => "train_one_pass",
            Figure::Prefill => "prefill",
            Figure::DecodeCached => "decode_cached",
            Figure::DecodeRecompute => "decode_recompute",
        }
    }

    pub fn from_key(key: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn is_training(self) -> bool {
        matches!(self, Figure::TrainShared | Figure::TrainNaive | Figure::TrainOnePass)
    }
}

/// Device memory as the backend reports it (none on `flex`).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct DeviceMemory {
    /// Largest `bytes_in_use` seen at the sampling points (after forward, after backward, after
    /// the optimizer step).
    pub in_use_max: u64,
    /// Largest `bytes_reserved` seen (the allocator's pages, what the device has given out).
    pub reserved_max: u64,
}

pub struct BenchSession {
    pub spec: BenchSpec,
    /// The autodiff device everything lives on.
    pub device: Device,
    model: Option<AmvlModel>,
    optim: ModuleOptimizer,
    loss: AmvlLoss,
    batch: AmvlBatch,
    lr: f64,
    /// The trainer's step: one batch, or the batch as parallel micro-batches (each on its own
    /// thread with a one-thread rayon pool and its own `fork` of the model).
    step: TrainStep,
    memory: MemorySampler,
    /// `Bf16Mixed`: `model` holds f32 master weights; each step casts a bf16 copy to compute on.
    precision: Precision,
}

/// Device memory sampled after each forward pass, after the backward passes and after the
/// optimizer step (shared with the step's threads).
#[derive(Clone)]
struct MemorySampler {
    device: Device,
    seen: Arc<Mutex<Option<DeviceMemory>>>,
}

impl MemorySampler {
    fn sample(&self) {
        if let Some(usage) = self.device.memory_pool_usage() {
            let mut seen = self.seen.lock().expect("memory samples");
            let m = seen.get_or_insert_with(DeviceMemory::default);
            m.in_use_max = m.in_use_max.max(usage.bytes_in_use);
            m.reserved_max = m.reserved_max.max(usage.bytes_reserved);
        }
    }
}

impl BenchSession {
    /// Builds the model (seeded) and a synthetic batch of the spec's exact shapes on `device`
    /// (which must have autodiff enabled and its dtype already configured).
    pub fn new(spec: BenchSpec, device: &Device, seed: u64) -> Self {
        let mut config = spec.config.clone();
        config.train.seed = seed;
        let model = init_model(&config, device);
        let optim = optimizer(&config);
        let batch = synthetic_batch(&spec, device, seed);
        let memory = MemorySampler {
            device: device.clone(),
            seen: Arc::default(),
        };
        let step = Self::train_step_of(&spec, 1, &memory);
        Self {
            loss: AmvlLoss::new(config.loss.clone()),
            lr: config.train.learning_rate,
            spec,
            device: device.clone(),
            model: Some(model),
            optim,
            batch,
            step,
            memory,
            precision: Precision::Device,
        }
    }

    /// Trains as `train.precision = precision` does: with `Bf16Mixed` (on a bf16 device) the
    /// weights and AdamW state are f32 and each step runs on a bf16 copy, the cast included in
    /// the step's time.
    pub fn with_precision(mut self, precision: Precision) -> Self {
        if let Some(dtype) = precision.master_dtype() {
            let model = self.model.take().expect("model");
            self.model = Some(amvl_core::cast_floats(model, dtype));
        }
        self.precision = precision;
        self
    }

    /// The model the passes run on: the weights, or their bf16 copy when mixed.
    fn compute(&self) -> AmvlModel {
        self.precision
            .compute_model(self.model())
            .unwrap_or_else(|| self.model().clone())
    }

    /// The trainer's step over `parts` micro-batches side by side (one batch when `parts` ≤ 1),
    /// reading nothing back to the host.
    fn train_step_of(spec: &BenchSpec, parts: usize, memory: &MemorySampler) -> TrainStep {
        let train = TrainConfig {
            grad_accum: parts.max(1),
            parallel_micro_batches: true,
            ..spec.config.train.clone()
        };
        let sampler = memory.clone();
        TrainStep::new(&train)
            .with_reading(TermReading::Discard)
            .with_after_forward(Arc::new(move || sampler.sample()))
    }

    /// Runs each training step as `parts` micro-batches at once, as the trainer's
    /// `[train] parallel_micro_batches` does: the batch split into `parts` consecutive slices,
    /// each on its own thread with a one-thread rayon pool and its own `fork` of the model, the
    /// gradients of objective / parts summed, one optimizer step. The same update as one batch
    /// up to float rounding (every bench item has the same length). `parts <= 1`: one batch.
    /// Under MPI (`mpirun -np W …/xtask bench`), `parts` must be a multiple of `W`: each rank
    /// runs `parts / W` of them and the gradients are summed across ranks.
    pub fn with_micro_batches(mut self, parts: usize) -> Result<Self, BenchError> {
        let world = amvl_train::collective::global().world_size();
        if world > 1 && !parts.max(1).is_multiple_of(world) {
            return Err(BenchError::WorldSize { parts, world });
        }
        if parts > 1 && parts > self.spec.shape.batch {
            return Err(BenchError::TooManyMicroBatches {
                parts,
                batch: self.spec.shape.batch,
            });
        }
        self.step = Self::train_step_of(&self.spec, parts, &self.memory);
        if parts > 1 && self.step.parallel() != parts {
            return Err(BenchError::Threads(parts));
        }
        Ok(self)
    }

    /// Micro-batches a training step runs at once (1: one batch).
    pub fn micro_batches(&self) -> usize {
        self.step.parallel().max(1)
    }

    pub fn model(&self) -> &AmvlModel {
        self.model.as_ref().expect("model")
    }

    pub fn batch(&self) -> &AmvlBatch {
        &self.batch
    }

    /// Device memory as sampled so far (None: the backend does not report it).
    pub fn memory(&self) -> Option<DeviceMemory> {
        *self.memory.seen.lock().expect("memory samples")
    }

    /// The training objective of `figure` (a training figure) on the bench batch, [1].
    pub fn objective(&self, figure: Figure) -> Tensor<1> {
        let loss = FigureLoss {
            loss: &self.loss,
            figure,
        };
        loss.terms(&self.compute(), &self.batch, None, LOSS_STEP).total
    }

    /// One optimizer step of `figure` (the trainer's [`TrainStep`]), synchronised; returns its
    /// wall time in seconds.
    pub fn train_step(&mut self, figure: Figure) -> f64 {
        let start = Instant::now();
        let parts = self.micro_batches();
        let collective = amvl_train::collective::global();
        let (rank, world) = (collective.rank(), collective.world_size());
        let inputs: Vec<_> = match parts {
            1 => vec![(self.batch.clone(), None)],
            _ => self.batch.split(parts).into_iter().map(|part| (part, None)).collect(),
        };
        // Under MPI each rank runs its share of the micro-batches; the gradients are summed.
        let inputs = inputs
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % world == rank)
            .map(|(_, input)| input)
            .collect();
        let loss = FigureLoss {
            loss: &self.loss,
            figure,
        };
        let mixed = self.precision.compute_model(self.model());
        let compute = mixed.as_ref().unwrap_or(self.model());
        let grads = self.step.gradients(&loss, compute, inputs, LOSS_STEP, &self.device);
        drop(mixed);
        let grads = self.step.to_master(grads, self.model(), self.precision);
        let grads = self
            .step
            .all_reduce(grads, self.model(), &*collective, LOSS_STEP)
            .expect("the ranks' gradients summed");
        self.memory.sample();
        let model = self.model.take().expect("model");
        self.model = Some(self.step.apply(model, &mut self.optim, grads, self.lr));
        self.device.sync().expect("device sync");
        let elapsed = start.elapsed().as_secs_f64();
        self.memory.sample();
        elapsed
    }

    /// The loss of the current weights for `figure`, read to the host (outside timing).
    pub fn loss_value(&self, figure: Figure) -> f32 {
        self.objective(figure).into_scalar::<f32>()
    }

    /// Times one inference operation (prefill or a decode) on the non-autodiff model.
    pub fn inference(&mut self, figure: Figure) -> f64 {
        let model = self.compute().valid();
        let inner = self.device.clone().without_autodiff();
        let batch = self.batch.clone().to_device(&inner);
        let elapsed = match figure {
            Figure::Prefill => {
                inner.sync().expect("device sync");
                let start = Instant::now();
                let prefix = model.run_prefix(&batch, true);
                let (z, _) = model.choose_latent(&prefix, &batch, &LatentChoice::PriorMean);
                drop((prefix, z));
                inner.sync().expect("device sync");
                start.elapsed().as_secs_f64()
            }
            Figure::DecodeCached | Figure::DecodeRecompute => {
                let cached = figure == Figure::DecodeCached;
                let prefix = model.run_prefix(&batch, cached);
                let (z, _) = model.choose_latent(&prefix, &batch, &LatentChoice::PriorMean);
                inner.sync().expect("device sync");
                let start = Instant::now();
                let ids = model.greedy_fixed(
                    &prefix,
                    z,
                    token_id(amvl_core::special_tokens::ANSWER),
                    self.spec.shape.decode_tokens,
                );
                drop(ids);
                inner.sync().expect("device sync");
                start.elapsed().as_secs_f64()
            }
            other => panic!("{} is not an inference figure", other.key()),
        };
        self.memory.sample();
        elapsed
    }

    /// Runs `figure` once, returning seconds.
    pub fn run(&mut self, figure: Figure) -> f64 {
        if figure.is_training() {
            self.train_step(figure)
        } else {
            self.inference(figure)
        }
    }
}

/// A training figure's loss: the trainer's objective, the same with three full passes, or the
/// NTP loss of one plain decoder pass.
struct FigureLoss<'a> {
    loss: &'a AmvlLoss,
    figure: Figure,
}

impl StepLoss for FigureLoss<'_> {
    fn terms(&self, model: &AmvlModel, batch: &AmvlBatch, noise: Option<Tensor<3>>, step: u64) -> LossTerms {
        match self.figure {
            Figure::TrainShared => self.loss.terms(model, batch, noise, step),
            Figure::TrainNaive => {
                let out = model.forward_train_with(batch, false, noise);
                amvl_train::step::loss_of(self.loss, step, &out, batch)
            }
            Figure::TrainOnePass => {
                let logits = one_pass_logits(model, batch);
                let ntp = masked_cross_entropy(logits, batch.answer_target.clone(), batch.answer_mask.clone());
                let zero = ntp.zeros_like();
                LossTerms {
                    total: ntp.clone(),
                    ntp,
                    forward: zero.clone(),
                    reverse: zero.clone(),
                    kl_qp: zero.clone(),
                    kl_pq: zero,
                    beta: 0.0,
                    gamma: 0.0,
                }
            }
            other => panic!("{} is not a training figure", other.key()),
        }
    }
}

/// Teacher-forced answer logits from one decoder pass over `[image tokens, question, target,
/// <lat>_1..k, answer_input]` (the latent slots as plain embeddings; no heads, no sample).
pub fn one_pass_logits(model: &AmvlModel, batch: &AmvlBatch) -> Tensor<3> {
    let (prefix, prefix_real) = model.prefix_embeds(batch);
    let [b, len_a] = batch.answer_input.dims();
    let mut pieces = vec![prefix, model.decoder.embed_tokens(batch.target.clone())];
    let mut real = vec![prefix_real, batch.target_mask.clone()];
    if let Some(block) = model.latent.as_ref() {
        pieces.push(block.slots.expand(b));
        real.push(Tensor::<2, Bool>::full(
            [b, block.count()],
            true,
            &batch.question.device(),
        ));
    }
    pieces.push(model.decoder.embed_tokens(batch.answer_input.clone()));
    real.push(batch.answer_mask.clone());
    let embeds = Tensor::cat(pieces, 1);
    let total = embeds.dims()[1];
    let (hidden, _) = model
        .decoder
        .forward_embeds_keep(embeds, Tensor::cat(real, 1), None, total - len_a..total);
    model.decoder.logits(hidden)
}

/// A batch of the spec's exact shapes: random images, random ordinary token ids, no padding.
pub fn synthetic_batch(spec: &BenchSpec, device: &Device, seed: u64) -> AmvlBatch {
    let s = &spec.shape;
    amvl_core::random::with_seed(device, seed ^ 0xBE7C_0001, || {
        let first = amvl_core::special_tokens::ALL.len() as f64;
        let vocab = s.vocab as f64;
        let ids = |len: usize| Tensor::<2, Int>::random([s.batch, len], Distribution::Uniform(first, vocab), device);
        let all = |len: usize| Tensor::<2, Bool>::full([s.batch, len], true, device);
        let answer = ids(s.answer_len);
        let start = Tensor::<2, Int>::full([s.batch, 1], token_id(amvl_core::special_tokens::ANSWER) as i64, device);
        let eos = Tensor::<2, Int>::full([s.batch, 1], token_id(amvl_core::special_tokens::EOS) as i64, device);
        let head = answer.clone().narrow(1, 0, s.answer_len - 1);
        let answer_input = Tensor::cat(vec![start, head.clone()], 1);
        let answer_target = Tensor::cat(vec![head, eos], 1);
        let mut question = ids(s.question_len);
        // `<bos>` first, as the batcher writes it.
        question = question.slice_assign(
            [0..s.batch, 0..1],
            Tensor::<2, Int>::full([s.batch, 1], token_id(amvl_core::special_tokens::BOS) as i64, device),
        );
        AmvlBatch {
            images: Tensor::<5>::random(
                [s.batch, s.images_per_sample, 3, s.image_size, s.image_size],
                Distribution::Normal(0.0, 1.0),
                device,
            ),
            image_mask: all(s.images_per_sample),
            question,
            question_mask: all(s.question_len),
            target: answer,
            target_mask: all(s.target_len),
            answer_input,
            answer_target,
            answer_mask: all(s.answer_len),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> BenchSession {
        let spec = BenchSpec::named("tiny", Some(2)).unwrap();
        BenchSession::new(spec, &Device::flex().autodiff(), 3)
    }

    #[test]
    fn synthetic_batch_has_the_fixed_shapes() {
        let session = tiny();
        let s = &session.spec.shape;
        let b = session.batch();
        assert_eq!(b.images.dims(), [2, 1, 3, s.image_size, s.image_size]);
        assert_eq!(b.question.dims(), [2, s.question_len]);
        assert_eq!(b.target.dims(), [2, s.target_len]);
        assert_eq!(b.answer_input.dims(), [2, s.answer_len]);
        let ids: Vec<i64> = b.answer_input.to_data().try_into_vec_as::<i64>().unwrap();
        assert_eq!(ids[0], token_id(amvl_core::special_tokens::ANSWER) as i64);
        let max = b.question.clone().max().into_scalar::<i64>();
        assert!(max < s.vocab as i64);
    }

    #[test]
    fn cached_and_recomputed_greedy_decoding_agree() {
        let session = tiny();
        let model = session.model().valid();
        let device = Device::flex();
        let batch = session.batch().clone().to_device(&device);
        let ids = |cached: bool| {
            let prefix = model.run_prefix(&batch, cached);
            let (z, _) = model.choose_latent(&prefix, &batch, &LatentChoice::PriorMean);
            model
                .greedy_fixed(&prefix, z, token_id(amvl_core::special_tokens::ANSWER), 12)
                .to_data()
                .try_into_vec_as::<i64>()
                .unwrap()
        };
        let cached = ids(true);
        assert_eq!(cached.len(), 2 * 12);
        assert_eq!(cached, ids(false));
    }

    #[test]
    fn parallel_micro_batches_take_the_same_step_as_one_batch() {
        // The one-pass step draws no latent noise, so both ways must land on the same weights.
        let mut one = tiny();
        let mut two = tiny().with_micro_batches(2).unwrap();
        assert_eq!(two.micro_batches(), 2);
        // Other tests draw from the device's generator meanwhile: start from one's exact state.
        two.model = one.model.clone();
        two.batch = one.batch.clone();
        let figure = Figure::TrainOnePass;
        let start = one.loss_value(figure);
        assert_eq!(start, two.loss_value(figure));
        for _ in 0..2 {
            one.train_step(figure);
            two.train_step(figure);
        }
        let (a, b) = (one.loss_value(figure), two.loss_value(figure));
        assert!((a - start).abs() > 1e-3, "two steps moved the loss only {start} → {a}");
        assert!(
            (a - b).abs() <= 1e-5 * a.abs().max(1.0),
            "one batch {a} vs two micro-batches {b}"
        );
        // The AMVL step samples z, so only its progress is checked.
        let before = two.loss_value(Figure::TrainShared);
        two.train_step(Figure::TrainShared);
        let after = two.loss_value(Figure::TrainShared);
        assert!(after.is_finite() && after != before, "{before} → {after}");
        let error = tiny().with_micro_batches(3).err().expect("3 parts of 2 items");
        assert!(
            matches!(error, BenchError::TooManyMicroBatches { parts: 3, batch: 2 }),
            "{error:?}"
        );
        assert!(error.to_string().contains("at most one per item"), "{error}");
    }

    #[test]
    fn every_training_figure_steps_and_stays_finite() {
        let mut session = tiny();
        for figure in [Figure::TrainShared, Figure::TrainNaive, Figure::TrainOnePass] {
            let before = session.loss_value(figure);
            assert!(session.train_step(figure) > 0.0);
            let after = session.loss_value(figure);
            assert!(
                before.is_finite() && after.is_finite(),
                "{}: {before} → {after}",
                figure.key()
            );
            assert_ne!(before, after, "{}: the step changed no weight", figure.key());
        }
    }
}
