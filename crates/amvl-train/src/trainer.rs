//! The training loop: read top to bottom. Three passes share one prefix inside
//! `forward_train`; both heads and the decoder are updated by one AdamW step.

use amvl_core::AmvlBatch;
use amvl_loss::AmvlLoss;
use amvl_model::AmvlModel;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::checkpoint::{CheckpointError, Checkpoints, TrainState};
use crate::config::RunConfig;
use crate::bucketed_order::BucketedOrder;
use crate::data_order::{DataOrder, mix_seed};
use crate::lr::learning_rate;
use crate::metrics::{MetricsLog, StepRecord};
use crate::parallel::{run_on_pools, single_thread_pools};

/// Anything that can hand the trainer a batch of training items by index.
pub trait BatchSource {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The items at `indices` as one batch on `device`.
    fn batch(&self, indices: &[usize], device: &Device) -> Result<AmvlBatch, String>;
    /// How many images item `i` has (cheap: no image is decoded where the source knows).
    fn image_count(&self, i: usize) -> Result<usize, String>;
}

/// Which items each micro-batch holds.
enum Order {
    Plain(DataOrder),
    /// Whole steps (`batch_size · grad_accum` items of one image count) cut into the step's
    /// micro-batches, so the micro-batches of a step have the same shapes (and parallel ones
    /// finish together).
    Bucketed { order: BucketedOrder, grad_accum: usize },
}

impl Order {
    fn new(train: &crate::config::TrainConfig, data: &dyn BatchSource) -> Result<Self, TrainError> {
        if !train.bucket_by_images {
            return Ok(Self::Plain(DataOrder::new(train.seed, data.len())));
        }
        let keys = (0..data.len())
            .map(|i| data.image_count(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(TrainError::Data)?;
        Ok(Self::Bucketed {
            order: BucketedOrder::new(train.seed, keys, train.batch_size * train.grad_accum),
            grad_accum: train.grad_accum,
        })
    }

    /// Dataset indices of global micro-batch `number` (of `batch_size` items; a bucketed
    /// epoch's last, short step is shared out evenly, so a micro-batch there may be smaller or empty).
    fn micro_batch(&mut self, number: u64, batch_size: usize) -> Vec<usize> {
        match self {
            Self::Plain(order) => order.indices(number * batch_size as u64, batch_size),
            Self::Bucketed { order, grad_accum } => {
                let accum = *grad_accum as u64;
                let step = order.batch(number / accum);
                let (k, n) = ((number % accum) as usize, step.len());
                step[k * n / *grad_accum..(k + 1) * n / *grad_accum].to_vec()
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "non-finite loss at step {step} (total {total}, ntp {ntp}, forward {forward}, reverse {reverse}); \
         the run stopped before applying it, so no NaN reached the weights. Last good checkpoint: {last_checkpoint}. \
         Lower train.learning_rate, or set train.skip_nonfinite = true to skip such steps"
    )]
    NonFinite {
        step: u64,
        total: f32,
        ntp: f32,
        forward: f32,
        reverse: f32,
        last_checkpoint: String,
    },
    #[error(
        "non-finite loss in steps {first}..={last} (their mean: total {total}, ntp {ntp}, forward {forward}, \
         reverse {reverse}), found when the loss terms were next read (train.check_every = {check_every}): the \
         weights in memory may hold NaN, and no checkpoint was written after it. Last good checkpoint: {last_checkpoint}. Set \
         train.check_every = 1 to stop before a non-finite loss reaches the weights, or lower train.learning_rate"
    )]
    NonFiniteWindow {
        first: u64,
        last: u64,
        total: f32,
        ntp: f32,
        forward: f32,
        reverse: f32,
        check_every: u64,
        last_checkpoint: String,
    },
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("data: {0}")]
    Data(String),
    #[error("run folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What one micro-batch gives the step: its loss terms and, when they are finite (or were not
/// read), its gradients (all parameters, and the vision tower's apart when it has its own
/// learning rate).
struct MicroOutput {
    /// total, ntp, forward, reverse, KL(q‖p), KL(p‖q): [6], on the device.
    terms: Tensor<1>,
    /// The same six values read to the host, when this step reads them.
    read: Option<Vec<f32>>,
    beta: f64,
    gamma: f64,
    grads: Option<(GradientsParams, Option<GradientsParams>)>,
}

/// The forward and backward pass of one micro-batch, the same in every thread.
struct MicroJob<'a> {
    loss: &'a AmvlLoss,
    step: u64,
    grad_accum: usize,
    split_vision: bool,
    /// Read the loss terms to the host now (and skip the backward pass when one is not finite);
    /// otherwise they stay on the device and nothing waits for it.
    read: bool,
}

impl MicroJob<'_> {
    /// Loss terms of `batch` under `model` (with the latent noise `noise`), then gradients of
    /// total / grad_accum unless a term was read and is not finite.
    fn run(&self, model: &AmvlModel, batch: AmvlBatch, noise: Option<Tensor<3>>) -> MicroOutput {
        let out = model.forward_train_path(&batch, true, noise, self.loss.objective().latent_path());
        let terms = self.loss.compute(
            self.step,
            out.logits,
            batch.answer_target.clone(),
            batch.answer_mask.clone(),
            out.prior.as_ref(),
            out.posterior.as_ref(),
        );
        let scalars = Tensor::cat(
            vec![
                terms.total.clone(),
                terms.ntp.clone(),
                terms.forward.clone(),
                terms.reverse.clone(),
                terms.kl_qp.clone(),
                terms.kl_pq.clone(),
            ],
            0,
        )
        .detach();
        let read = self
            .read
            .then(|| scalars.clone().into_data().try_into_vec_as::<f32>().expect("loss scalars"));
        let (beta, gamma) = (terms.beta, terms.gamma);
        if read.as_ref().is_some_and(|v| !v.iter().all(|x| x.is_finite())) {
            return MicroOutput {
                terms: scalars,
                read,
                beta,
                gamma,
                grads: None,
            };
        }
        let mut raw = (terms.total / self.grad_accum as f32).backward();
        let vision = self
            .split_vision
            .then(|| GradientsParams::from_module(&mut raw, &model.vision));
        let grads = GradientsParams::from_grads(raw, model);
        MicroOutput {
            terms: scalars,
            read,
            beta,
            gamma,
            grads: Some((grads, vision)),
        }
    }

    /// All micro-batches at once ([`run_on_pools`]), each with its own copy of the model (`fork`:
    /// the same parameters and ids, a separate autodiff graph). Outputs come back in micro-batch
    /// order, so accumulating them gives the same sum whatever thread finishes first.
    fn run_parallel(
        &self,
        model: &AmvlModel,
        inputs: Vec<(AmvlBatch, Option<Tensor<3>>)>,
        pools: &[rayon::ThreadPool],
        device: &Device,
    ) -> Vec<MicroOutput> {
        let jobs: Vec<_> = inputs
            .into_iter()
            .map(|(batch, noise)| (model.clone().fork(device), batch, noise))
            .collect();
        run_on_pools(jobs, pools, |(copy, batch, noise)| self.run(&copy, batch, noise))
    }
}

/// Receives progress; the CLI prints lines or draws a bar.
pub trait Progress {
    fn record(&mut self, record: &StepRecord, total_steps: u64);
    fn message(&mut self, text: &str);
    /// The user asked to stop (e.g. quit the dashboard): the run checkpoints and returns.
    fn should_stop(&self) -> bool {
        false
    }
    /// Training is over (finished or stopped): release the terminal.
    fn finish(&mut self) {}
}

/// Prints one line per record.
pub struct LinePrinter;

impl Progress for LinePrinter {
    fn record(&mut self, record: &StepRecord, total_steps: u64) {
        println!("{}", record.line(total_steps));
    }
    fn message(&mut self, text: &str) {
        println!("{text}");
    }
}

/// Where the run ended.
#[derive(Debug)]
pub struct TrainOutcome {
    pub model: AmvlModel,
    pub state: TrainState,
    pub last_checkpoint: PathBuf,
}

/// Optional stop after a given step (to test interruption).
#[derive(Clone, Copy, Debug, Default)]
pub struct StopAt(pub Option<u64>);

pub fn optimizer(config: &RunConfig) -> ModuleOptimizer {
    let clip = (config.train.grad_clip > 0.0)
        .then(|| GradientClippingConfig::Norm(config.train.grad_clip as f32));
    AdamWConfig::new()
        .with_weight_decay(config.train.weight_decay as f32)
        .with_epsilon(config.train.adam_epsilon as f32)
        .with_beta_1(config.train.adam_beta1 as f32)
        .with_beta_2(config.train.adam_beta2 as f32)
        .with_grad_clipping(clip)
        .init()
}

/// Builds the model for `config` from its seed (on an autodiff `device`).
pub fn init_model(config: &RunConfig, device: &Device) -> AmvlModel {
    seeded_parameters(config, device, || config.model_to_build().init(device))
}

/// The model `build` returns, with every lazily initialised parameter drawn now from the run's
/// seed (loaded parts keep their values).
fn seeded_parameters(config: &RunConfig, device: &Device, build: impl FnOnce() -> AmvlModel) -> AmvlModel {
    amvl_core::random::with_seed(device, mix_seed(&[config.train.seed, 0x1417]), || {
        let model = build();
        amvl_core::random::materialize(&model);
        model
    })
}

/// Trains in `run_dir` (its `checkpoints/` and `metrics.*`), resuming from the latest checkpoint
/// when `resume` is set. `device` must have autodiff enabled.
pub fn train(
    config: &RunConfig,
    run_dir: &Path,
    device: &Device,
    data: &dyn BatchSource,
    model: Option<AmvlModel>,
    resume: bool,
    stop: StopAt,
    progress: &mut dyn Progress,
) -> Result<TrainOutcome, TrainError> {
    let checkpoints = Checkpoints::new(run_dir.join("checkpoints"));
    let mut model = match model {
        Some(given) => seeded_parameters(config, device, || given),
        None => init_model(config, device),
    };
    let built = config.model_to_build();
    let latent_shape = built.has_latent().then(|| [built.latent.slots, built.latent.d_latent]);
    let mut optim = optimizer(config);
    let mut state = TrainState {
        step: 0,
        seed: config.train.seed,
        samples_seen: 0,
        skipped_steps: 0,
        elapsed_seconds: 0.0,
    };
    if resume {
        let latest = checkpoints
            .latest()
            .ok_or_else(|| CheckpointError::Missing(checkpoints.dir.clone()))?;
        state = Checkpoints::load_state(&latest)?;
        model = Checkpoints::load_model(&latest, model)?;
        optim = Checkpoints::load_optimizer(&latest, optim)?;
        progress.message(&format!("resumed from {} (step {})", latest.display(), state.step));
    }
    if config.train.freeze.iter().any(|p| p == "vision") {
        model.vision = model.vision.no_grad();
    }
    if config.train.freeze.iter().any(|p| p == "decoder") {
        model.decoder = model.decoder.no_grad();
    }
    let metrics = MetricsLog::open(run_dir, resume.then_some(state.step)).map_err(|source| TrainError::Io {
        path: run_dir.to_path_buf(),
        source,
    })?;

    let loss = AmvlLoss::new(config.loss.clone());
    let train = &config.train;
    let samples_per_step = (train.batch_size * train.grad_accum) as u64;
    let mut order = Order::new(train, data)?;
    let mut last_checkpoint = checkpoints
        .latest()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "none".into());
    let mut window = [0f64; 6];
    let mut window_steps = 0u64;
    let mut window_start = Instant::now();
    let run_start = Instant::now() - std::time::Duration::from_secs_f64(state.elapsed_seconds);

    let split_vision = train.vision_lr_scale != 1.0;
    let micro_pools = (train.parallel_micro_batches && train.grad_accum > 1)
        .then(|| single_thread_pools(train.grad_accum))
        .flatten();
    // With `check_every > 1`, the steps' mean loss terms are summed on the device until read.
    let read_each_step = train.check_every <= 1;
    let mut pending: Option<Tensor<1>> = None;
    let mut pending_steps = 0u64;
    while state.step < train.steps {
        let step = state.step;
        let lr = learning_rate(train, step);
        let mut accumulator = GradientsAccumulator::new();
        let mut vision_accumulator = GradientsAccumulator::new();
        let mut values = [0f32; 6];
        let mut finite = true;
        let (mut beta, mut gamma) = (0.0, 0.0);
        let mut inputs = Vec::with_capacity(train.grad_accum);
        for micro in 0..train.grad_accum {
            let number = step * train.grad_accum as u64 + micro as u64;
            let indices = order.micro_batch(number, train.batch_size);
            if indices.is_empty() {
                continue;
            }
            let batch = data.batch(&indices, device).map_err(TrainError::Data)?;
            let noise = latent_shape.map(|[slots, d]| {
                let seed = mix_seed(&[train.seed, step, micro as u64, 0x57E9]);
                amvl_core::random::standard_normal([indices.len(), slots, d], seed, device)
            });
            inputs.push((batch, noise));
        }
        let logs_next = (step + 1) % train.log_every == 0 || step + 1 == train.steps || stop.0 == Some(step + 1);
        let diagnostics = (train.diagnostics && logs_next)
            .then(|| inputs.first().map(|(batch, noise)| crate::diagnostics::measure(&model, &loss, step, batch, noise.clone())))
            .flatten();
        let job = MicroJob {
            loss: &loss,
            step,
            grad_accum: train.grad_accum,
            split_vision,
            read: read_each_step,
        };
        let results = match &micro_pools {
            Some(pools) => job.run_parallel(&model, inputs, pools, device),
            None => {
                let mut outs = Vec::with_capacity(train.grad_accum);
                for (batch, noise) in inputs {
                    let out = job.run(&model, batch, noise);
                    // A non-finite micro-batch ends the step: the rest are not computed.
                    let stop = out.grads.is_none();
                    outs.push(out);
                    if stop {
                        break;
                    }
                }
                outs
            }
        };
        let mut step_terms: Option<Tensor<1>> = None;
        for out in results {
            (beta, gamma) = (out.beta, out.gamma);
            for (v, s) in values.iter_mut().zip(out.read.iter().flatten()) {
                *v += s / train.grad_accum as f32;
            }
            if !read_each_step {
                let terms = out.terms / train.grad_accum as f32;
                step_terms = Some(match step_terms {
                    Some(sum) => sum + terms,
                    None => terms,
                });
            }
            match out.grads {
                Some((grads, vision)) => {
                    if let Some(vision) = vision {
                        vision_accumulator.accumulate(&model.vision, vision);
                    }
                    accumulator.accumulate(&model, grads);
                }
                None => {
                    finite = false;
                    break;
                }
            }
        }
        if !finite {
            if train.skip_nonfinite {
                state.step += 1;
                state.skipped_steps += 1;
                progress.message(&format!("step {step}: non-finite loss, step skipped"));
                continue;
            }
            return Err(TrainError::NonFinite {
                step,
                total: values[0],
                ntp: values[1],
                forward: values[2],
                reverse: values[3],
                last_checkpoint,
            });
        }
        if split_vision {
            // Disjoint gradients: each call moves only the parameters it has gradients for.
            model = optim.step(lr * train.vision_lr_scale, model, vision_accumulator.grads());
        }
        model = optim.step(lr, model, accumulator.grads());
        state.step += 1;
        state.samples_seen += samples_per_step;
        if read_each_step {
            for (w, v) in window.iter_mut().zip(values) {
                *w += v as f64;
            }
        } else if let Some(terms) = step_terms {
            pending = Some(match pending.take() {
                Some(sum) => sum + terms,
                None => terms,
            });
            pending_steps += 1;
        }
        window_steps += 1;

        let user_stop = progress.should_stop();
        let at_end = state.step == train.steps || stop.0 == Some(state.step) || user_stop;
        let log_now = state.step % train.log_every == 0 || at_end;
        let checkpoint_now = state.step % train.checkpoint_every == 0 || at_end;
        if log_now || checkpoint_now || state.step % train.check_every == 0 {
            if let Some(sum) = pending.take() {
                let read: Vec<f32> = sum.into_data().try_into_vec_as::<f32>().expect("loss scalars");
                let steps = std::mem::take(&mut pending_steps);
                if !read.iter().all(|v| v.is_finite()) {
                    let mean = |i: usize| read[i] / steps as f32;
                    return Err(TrainError::NonFiniteWindow {
                        first: state.step - steps,
                        last: state.step - 1,
                        total: mean(0),
                        ntp: mean(1),
                        forward: mean(2),
                        reverse: mean(3),
                        check_every: train.check_every,
                        last_checkpoint,
                    });
                }
                for (w, v) in window.iter_mut().zip(read) {
                    *w += v as f64;
                }
            }
        }
        if log_now {
            let elapsed = window_start.elapsed().as_secs_f64().max(1e-9);
            let n = window_steps as f64;
            let per_step = elapsed / n;
            let record = StepRecord {
                step: state.step,
                total: window[0] / n,
                ntp: window[1] / n,
                forward: window[2] / n,
                reverse: window[3] / n,
                kl_qp: window[4] / n,
                kl_pq: window[5] / n,
                beta,
                gamma,
                lr,
                samples_per_second: samples_per_step as f64 / per_step,
                elapsed_seconds: run_start.elapsed().as_secs_f64(),
                eta_seconds: per_step * (train.steps - state.step) as f64,
                diagnostics: diagnostics.clone(),
            };
            metrics.append(&record).map_err(|source| TrainError::Io {
                path: run_dir.to_path_buf(),
                source,
            })?;
            progress.record(&record, train.steps);
            window = [0.0; 6];
            window_steps = 0;
            window_start = Instant::now();
        }
        if checkpoint_now {
            state.elapsed_seconds = run_start.elapsed().as_secs_f64();
            let path = checkpoints.save(&model, &optim, &state)?;
            last_checkpoint = path.display().to_string();
        }
        if stop.0 == Some(state.step) || user_stop {
            break;
        }
    }
    progress.finish();
    let last_checkpoint = checkpoints
        .latest()
        .ok_or_else(|| CheckpointError::Missing(checkpoints.dir.clone()))?;
    Ok(TrainOutcome {
        model,
        state,
        last_checkpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::{BatchSource, Order};
    use crate::config::TrainConfig;
    use amvl_core::AmvlBatch;
    use burn::prelude::*;

    /// Items whose image counts are given; batches are never built.
    struct Counts(Vec<usize>);

    impl BatchSource for Counts {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn batch(&self, _: &[usize], _: &Device) -> Result<AmvlBatch, String> {
            unreachable!("only the order is tested")
        }
        fn image_count(&self, i: usize) -> Result<usize, String> {
            Ok(self.0[i])
        }
    }

    #[test]
    fn a_steps_micro_batches_share_their_image_count_and_cover_the_epoch() {
        // 37 one-image, 21 two-image and 13 four-image items; steps of 2 × 4.
        let counts: Vec<usize> = [(1, 37), (2, 21), (4, 13)].iter().flat_map(|&(k, n)| vec![k; n]).collect();
        let data = Counts(counts.clone());
        let train = TrainConfig {
            batch_size: 4,
            grad_accum: 2,
            ..TrainConfig::default()
        };
        let mut order = Order::new(&train, &data).unwrap();
        let steps = (counts.len() as u64).div_ceil(8);
        let mut seen = vec![0usize; counts.len()];
        let mut mixed_steps = 0;
        for step in 0..steps {
            let micro: Vec<Vec<usize>> = (0..2).map(|k| order.micro_batch(step * 2 + k, 4)).collect();
            let keys: Vec<usize> = micro.iter().flatten().map(|&i| counts[i]).collect();
            for i in micro.iter().flatten() {
                seen[*i] += 1;
            }
            if keys.iter().any(|&k| k != keys[0]) {
                mixed_steps += 1;
            } else {
                assert_eq!(micro[0].len(), micro[1].len(), "step {step}: unequal halves {micro:?}");
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "every item once per epoch: {seen:?}");
        // Only the epoch's leftover steps (fewer than 8 items of a count each) mix counts.
        assert!(mixed_steps <= 2, "{mixed_steps} steps mixed image counts");
    }
}
