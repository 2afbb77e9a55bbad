//! The training loop, read top to bottom: each step's micro-batches, the diagnostics of a log
//! step, one [`TrainStep`] (forward and backward passes, accumulation, AdamW), the loss window,
//! log lines and checkpoints.

use amvl_core::AmvlBatch;
use amvl_data::DataError;
use amvl_loss::AmvlLoss;
use amvl_model::AmvlModel;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::prelude::*;
use std::path::{Path, PathBuf};

use crate::checkpoint::{CheckpointError, Checkpoints, TrainState};
use crate::config::RunConfig;
use crate::data_order::mix_seed;
use crate::error::TrainError;
use crate::loss_window::LossWindow;
use crate::lr::learning_rate;
use crate::metrics::StepRecord;
use crate::micro_batches::MicroBatches;
use crate::step::TrainStep;
use crate::step_log::{LogStep, StepLog};

/// Anything that can hand the trainer a batch of training items by index.
pub trait BatchSource {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The items at `indices` as one batch on `device`.
    fn batch(&self, indices: &[usize], device: &Device) -> Result<AmvlBatch, DataError>;
    /// How many images item `i` has (cheap: no image is decoded where the source knows).
    fn image_count(&self, i: usize) -> Result<usize, DataError>;
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
    let clip = (config.train.grad_clip > 0.0).then_some(GradientClippingConfig::Norm(config.train.grad_clip as f32));
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
    let train = &config.train;
    let collective = crate::collective::global();
    let (rank, world) = (collective.rank(), collective.world_size());
    if !train.grad_accum.is_multiple_of(world) {
        return Err(TrainError::WorldSize {
            grad_accum: train.grad_accum,
            world,
        });
    }
    collective.set_timeout(train.collective_timeout_s);
    if train.precision == crate::precision::Precision::Bf16Mixed
        && device.settings().float_dtype != burn::tensor::FloatDType::BF16
    {
        return Err(TrainError::Precision(format!("{:?}", device.settings().float_dtype)));
    }
    let checkpoints = Checkpoints::new(run_dir.join("checkpoints"));
    let (model, optim, state) = starting_point(config, &checkpoints, device, model, resume && rank == 0, progress)?;
    let (mut model, mut optim, mut state) = share_starting_point(model, optim, state, &*collective)?;
    let log = (rank == 0)
        .then(|| StepLog::open(run_dir, train, resume.then_some(state.step), state.elapsed_seconds))
        .transpose()?;
    let loss = AmvlLoss::new(config.loss.clone());
    let built = config.model_to_build();
    let latent_shape = built
        .has_latent()
        .then_some([built.latent.slots, built.latent.d_latent]);
    let mut micro_batches = MicroBatches::new(train, data, latent_shape)?.shard(rank, world);
    let runner = TrainStep::new(train);
    let mut window = LossWindow::new(train.check_every);
    let mut last_checkpoint = checkpoints
        .latest()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "none".into());
    while state.step < train.steps {
        let step = state.step;
        if world > 1 {
            crate::collective::chaos_fault(rank, step);
        }
        let lr = learning_rate(train, step);
        let inputs = micro_batches.step(step, data, device)?;
        let logs_next = (step + 1) % train.log_every == 0 || step + 1 == train.steps || stop.0 == Some(step + 1);
        let mixed = train.precision.compute_model(&model);
        let compute = mixed.as_ref().unwrap_or(&model);
        let diagnostics = (train.diagnostics && logs_next && rank == 0)
            .then(|| {
                let first = inputs.first();
                first.map(|(batch, noise)| crate::diagnostics::measure(compute, &loss, step, batch, noise.clone()))
            })
            .flatten();
        let grads = runner.gradients(&loss, compute, inputs, step, device);
        drop(mixed);
        let grads = runner.to_master(grads, &model, train.precision);
        let mut grads = runner.all_reduce(grads, &model, &*collective, step)?;
        if !grads.finite {
            if train.skip_nonfinite {
                state.step += 1;
                state.skipped_steps += 1;
                progress.message(&format!("step {step}: non-finite loss, step skipped"));
                continue;
            }
            let [total, ntp, forward, reverse, ..] = grads.read;
            return Err(TrainError::NonFinite {
                step,
                total,
                ntp,
                forward,
                reverse,
                last_checkpoint,
            });
        }
        let (read, on_device, beta, gamma) = (grads.read, grads.on_device.take(), grads.beta, grads.gamma);
        model = runner.apply(model, &mut optim, grads, lr);
        state.step += 1;
        state.samples_seen += (train.batch_size * train.grad_accum) as u64;
        window.add(read, on_device);

        let user_stop = progress.should_stop();
        let at_end = state.step == train.steps || stop.0 == Some(state.step) || user_stop;
        let log_now = state.step % train.log_every == 0 || at_end;
        let checkpoint_now = state.step % train.checkpoint_every == 0 || at_end;
        if log_now || checkpoint_now || state.step % train.check_every == 0 {
            window.settle(state.step, &last_checkpoint)?;
        }
        if log_now {
            let at = LogStep {
                step: state.step,
                beta,
                gamma,
                lr,
                diagnostics,
            };
            let means = window.take();
            if let Some(log) = &log {
                log.write(at, means, progress)?;
            }
        }
        if checkpoint_now && let Some(log) = &log {
            state.elapsed_seconds = log.elapsed_seconds();
            let path = checkpoints.save(&model, &optim, &state)?;
            last_checkpoint = path.display().to_string();
        }
        if stop.0 == Some(state.step) || user_stop {
            break;
        }
    }
    progress.finish();
    let last_checkpoint = if rank == 0 {
        checkpoints
            .latest()
            .ok_or_else(|| CheckpointError::Missing(checkpoints.dir.clone()))?
    } else {
        checkpoints.dir.join(format!("step-{:08}", state.step))
    };
    Ok(TrainOutcome {
        model,
        state,
        last_checkpoint,
    })
}

/// Rank 0's starting point (parameters, optimizer state, train state) on every rank.
fn share_starting_point(
    model: AmvlModel,
    optim: ModuleOptimizer,
    state: TrainState,
    collective: &dyn crate::collective::Collective,
) -> Result<(AmvlModel, ModuleOptimizer, TrainState), TrainError> {
    use crate::collective::sync::{broadcast_model, broadcast_optimizer};
    if collective.world_size() == 1 {
        return Ok((model, optim, state));
    }
    let mut bytes = serde_json::to_vec(&state).expect("state serialises");
    collective.broadcast(&mut bytes, "broadcast of the train state")?;
    let state: TrainState = serde_json::from_slice(&bytes).expect("rank 0's state");
    let model = broadcast_model(model, collective)?;
    let optim = broadcast_optimizer(optim, collective)?;
    Ok((model, optim, state))
}

/// The model (the given one or one from the seed), its optimizer and the step to start from:
/// step 0, or with `resume` the latest checkpoint's weights, moments and state. The parts that
/// `train.freeze` names get no gradients.
fn starting_point(
    config: &RunConfig,
    checkpoints: &Checkpoints,
    device: &Device,
    given: Option<AmvlModel>,
    resume: bool,
    progress: &mut dyn Progress,
) -> Result<(AmvlModel, ModuleOptimizer, TrainState), TrainError> {
    let mut model = match given {
        Some(given) => seeded_parameters(config, device, || given),
        None => init_model(config, device),
    };
    let mut optim = optimizer(config);
    let mut state = TrainState {
        step: 0,
        seed: config.train.seed,
        samples_seen: 0,
        skipped_steps: 0,
        elapsed_seconds: 0.0,
    };
    if resume {
        match checkpoints.recover()? {
            Some(good) if config.train.precision == crate::precision::Precision::Bf16Mixed => {
                return Err(TrainError::MixedResume(good.path));
            }
            Some(good) => {
                for (path, why) in &good.damaged {
                    progress.message(&format!(
                        "warning: checkpoint {} is damaged ({why}); moved aside, resuming from the one before",
                        path.display()
                    ));
                }
                let latest = good.path;
                state = Checkpoints::load_state(&latest)?;
                model = Checkpoints::load_model(&latest, model)?;
                optim = Checkpoints::load_optimizer(&latest, optim)?;
                progress.message(&format!("resumed from {} (step {})", latest.display(), state.step));
            }
            None => progress.message(&format!(
                "no checkpoint in {} yet: the run starts from step 0",
                checkpoints.dir.display()
            )),
        }
    }
    if let Some(dtype) = config.train.precision.master_dtype() {
        model = amvl_core::cast_floats(model, dtype);
    }
    if config.train.freeze.iter().any(|p| p == "vision") {
        model.vision = model.vision.no_grad();
    }
    if config.train.freeze.iter().any(|p| p == "decoder") {
        model.decoder = model.decoder.no_grad();
    }
    Ok((model, optim, state))
}
