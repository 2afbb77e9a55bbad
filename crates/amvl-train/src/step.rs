//! One optimizer step: every micro-batch's forward and backward pass (one after another, or side
//! by side on single-thread pools), the gradients accumulated in micro-batch order, then AdamW,
//! with the vision tower at its own learning rate when `train.vision_lr_scale` ≠ 1. The trainer
//! and the bench both run their steps through [`TrainStep`].

use amvl_core::AmvlBatch;
use amvl_loss::{AmvlLoss, LossTerms};
use amvl_model::{AmvlModel, TrainOutput};
use amvl_vision::VisionTransformer;
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rayon::ThreadPool;
use std::sync::Arc;

use crate::config::TrainConfig;
use crate::parallel::{run_on_pools, single_thread_pools};

/// The loss a step differentiates, for one micro-batch.
pub trait StepLoss: Sync {
    /// The loss terms of `batch` under `model` at optimizer step `step`, with the latent noise
    /// `noise` [batch, slots, d_latent] (fresh when `None`).
    fn terms(&self, model: &AmvlModel, batch: &AmvlBatch, noise: Option<Tensor<3>>, step: u64) -> LossTerms;
}

/// The training objective: the shared-prefix forward with the slots filled as the objective
/// says, then the loss.
impl StepLoss for AmvlLoss {
    fn terms(&self, model: &AmvlModel, batch: &AmvlBatch, noise: Option<Tensor<3>>, step: u64) -> LossTerms {
        let out = model.forward_train_path(batch, true, noise, self.objective().latent_path());
        loss_of(self, step, &out, batch)
    }
}

/// `loss`'s terms at optimizer step `step` for a training forward `out` of `batch`.
pub fn loss_of(loss: &AmvlLoss, step: u64, out: &TrainOutput, batch: &AmvlBatch) -> LossTerms {
    loss.compute(
        step,
        out.logits.clone(),
        batch.answer_target.clone(),
        batch.answer_mask.clone(),
        out.prior.as_ref(),
        out.posterior.as_ref(),
    )
}

/// What a step does with its loss terms (total, ntp, forward, reverse, KL(q‖p), KL(p‖q)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermReading {
    /// Read to the host after each micro-batch's forward pass: a micro-batch with a non-finite
    /// term gets no backward pass and ends the step.
    EachStep,
    /// Summed on the device, to be read later: nothing waits for the device.
    OnDevice,
    /// Not kept (timed steps that must not read anything back).
    Discard,
}

/// A micro-batch and its latent noise [batch, slots, d_latent] (fresh noise when `None`).
pub type MicroBatch = (AmvlBatch, Option<Tensor<3>>);

/// Called after each micro-batch's forward pass (e.g. to sample device memory).
pub type AfterForward = Arc<dyn Fn() + Send + Sync>;

/// The step's settings; the model, optimizer and loss are passed to each call.
pub struct TrainStep {
    /// Micro-batches per step: each one's total is divided by it before its backward pass.
    grad_accum: usize,
    /// The vision tower's learning rate over the rest's, when it is not 1.
    vision_lr_scale: Option<f64>,
    reading: TermReading,
    /// One single-thread pool per micro-batch when they run side by side.
    pools: Option<Vec<ThreadPool>>,
    after_forward: Option<AfterForward>,
}

/// A step's gradients (not yet applied) and what it read of its loss terms.
pub struct StepGradients {
    all: GradientsAccumulator<AmvlModel>,
    /// The vision tower's, apart when it has its own learning rate.
    vision: GradientsAccumulator<VisionTransformer>,
    /// [`TermReading::EachStep`]: the terms' mean over the micro-batches (each term / grad_accum,
    /// summed up to and including a non-finite micro-batch).
    pub read: [f32; 6],
    /// [`TermReading::OnDevice`]: the same mean, [6] on the device (None: no micro-batch ran).
    pub on_device: Option<Tensor<1>>,
    /// The loss weights of the last micro-batch (0 when none ran).
    pub beta: f64,
    pub gamma: f64,
    /// False when a read term was not finite: the gradients are incomplete and must not be applied.
    pub finite: bool,
}

/// What one micro-batch gives the step: its loss terms and, when they are finite (or were not
/// read), its gradients (all parameters, and the vision tower's apart when it has its own
/// learning rate).
struct MicroOutput {
    /// [6] on the device (None: [`TermReading::Discard`]).
    terms: Option<Tensor<1>>,
    /// The same six values read to the host ([`TermReading::EachStep`]).
    read: Option<Vec<f32>>,
    beta: f64,
    gamma: f64,
    grads: Option<(GradientsParams, Option<GradientsParams>)>,
}

impl TrainStep {
    /// The step `train` describes: `grad_accum` micro-batches (side by side with
    /// `parallel_micro_batches`, when the threads can be had), terms read each step when
    /// `check_every` ≤ 1 and summed on the device otherwise, the vision tower's own learning rate.
    pub fn new(train: &TrainConfig) -> Self {
        let pools = (train.parallel_micro_batches && train.grad_accum > 1)
            .then(|| single_thread_pools(train.grad_accum))
            .flatten();
        Self {
            grad_accum: train.grad_accum,
            vision_lr_scale: (train.vision_lr_scale != 1.0).then_some(train.vision_lr_scale),
            reading: if train.check_every <= 1 {
                TermReading::EachStep
            } else {
                TermReading::OnDevice
            },
            pools,
            after_forward: None,
        }
    }

    /// The same step with the loss terms handled as `reading` says.
    pub fn with_reading(mut self, reading: TermReading) -> Self {
        self.reading = reading;
        self
    }

    /// The same step calling `hook` after each micro-batch's forward pass.
    pub fn with_after_forward(mut self, hook: AfterForward) -> Self {
        self.after_forward = Some(hook);
        self
    }

    pub fn reading(&self) -> TermReading {
        self.reading
    }

    /// Micro-batches run side by side (0: one after another).
    pub fn parallel(&self) -> usize {
        self.pools.as_ref().map_or(0, Vec::len)
    }

    /// Forward and backward passes of `inputs` (at most `grad_accum` micro-batches) at optimizer
    /// step `step` on `device` (autodiff), gradients accumulated in micro-batch order (the same sum whatever thread
    /// finishes first). One after another, a non-finite micro-batch ends the step there.
    pub fn gradients(
        &self,
        loss: &dyn StepLoss,
        model: &AmvlModel,
        inputs: Vec<MicroBatch>,
        step: u64,
        device: &Device,
    ) -> StepGradients {
        let results = match &self.pools {
            Some(pools) => self.run_parallel(loss, model, inputs, step, pools, device),
            None => {
                let mut outs = Vec::with_capacity(inputs.len());
                for (batch, noise) in inputs {
                    let out = self.run_micro(loss, model, batch, noise, step);
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
        let mut grads = StepGradients {
            all: GradientsAccumulator::new(),
            vision: GradientsAccumulator::new(),
            read: [0.0; 6],
            on_device: None,
            beta: 0.0,
            gamma: 0.0,
            finite: true,
        };
        for out in results {
            (grads.beta, grads.gamma) = (out.beta, out.gamma);
            for (v, s) in grads.read.iter_mut().zip(out.read.iter().flatten()) {
                *v += s / self.grad_accum as f32;
            }
            if self.reading == TermReading::OnDevice {
                let terms = out.terms.expect("terms kept on the device") / self.grad_accum as f32;
                grads.on_device = Some(match grads.on_device.take() {
                    Some(sum) => sum + terms,
                    None => terms,
                });
            }
            match out.grads {
                Some((all, vision)) => {
                    if let Some(vision) = vision {
                        grads.vision.accumulate(&model.vision, vision);
                    }
                    grads.all.accumulate(model, all);
                }
                None => {
                    grads.finite = false;
                    break;
                }
            }
        }
        grads
    }

    /// `grads` (from the step's passes on `precision`'s compute model) in the dtypes of the
    /// `master` model's parameters.
    pub fn to_master(
        &self,
        mut grads: StepGradients,
        master: &AmvlModel,
        precision: crate::precision::Precision,
    ) -> StepGradients {
        if precision == crate::precision::Precision::Device || !grads.finite {
            return grads;
        }
        let all = precision.master_gradients(grads.all.grads(), master);
        grads.all.accumulate(master, all);
        if self.vision_lr_scale.is_some() {
            let vision = precision.master_gradients(grads.vision.grads(), &master.vision);
            grads.vision.accumulate(&master.vision, vision);
        }
        grads
    }

    /// Sums `grads` over the ranks of `collective` (data parallelism): the terms read, the
    /// finite flag, then, when every rank's terms were finite, the gradients (the vision tower's
    /// apart when it has its own learning rate). The identity in a single process.
    pub fn all_reduce(
        &self,
        mut grads: StepGradients,
        model: &AmvlModel,
        collective: &dyn crate::collective::Collective,
        step: u64,
    ) -> Result<StepGradients, crate::collective::CollectiveError> {
        use crate::collective::sync::all_reduce_gradients;
        if collective.world_size() == 1 {
            return Ok(grads);
        }
        let on_device = grads
            .on_device
            .take()
            .map(|t| t.into_data().try_into_vec_as::<f32>().expect("loss terms"));
        let mut small = vec![f32::from(u8::from(!grads.finite))];
        small.extend(grads.read);
        small.extend(on_device.clone().unwrap_or_else(|| vec![0.0; 6]));
        collective.all_reduce_sum(&mut small, &format!("all-reduce of step {step}'s loss terms"))?;
        grads.finite = small[0] == 0.0;
        grads.read.copy_from_slice(&small[1..7]);
        if on_device.is_some() {
            let device = model.devices().into_iter().next().expect("a device");
            grads.on_device = Some(Tensor::<1>::from_floats(&small[7..13], &device));
        }
        if !grads.finite {
            return Ok(grads);
        }
        let operation = format!("all-reduce of step {step}'s gradients");
        let reduced = all_reduce_gradients(grads.all.grads(), model, collective, &operation)?;
        grads.all.accumulate(model, reduced);
        if self.vision_lr_scale.is_some() {
            let reduced = all_reduce_gradients(grads.vision.grads(), &model.vision, collective, &operation)?;
            grads.vision.accumulate(&model.vision, reduced);
        }
        Ok(grads)
    }

    /// One AdamW step of `model` along `grads` at learning rate `lr` (the vision tower at
    /// `lr · vision_lr_scale` when that is not 1).
    pub fn apply(&self, model: AmvlModel, optim: &mut ModuleOptimizer, grads: StepGradients, lr: f64) -> AmvlModel {
        debug_assert!(grads.finite, "a non-finite step must not be applied");
        let StepGradients {
            mut all, mut vision, ..
        } = grads;
        let model = match self.vision_lr_scale {
            // Disjoint gradients: each call moves only the parameters it has gradients for.
            Some(scale) => optim.step(lr * scale, model, vision.grads()),
            None => model,
        };
        optim.step(lr, model, all.grads())
    }

    /// Loss terms of `batch` under `model`, then gradients of total / grad_accum unless a term
    /// was read and is not finite.
    fn run_micro(
        &self,
        loss: &dyn StepLoss,
        model: &AmvlModel,
        batch: AmvlBatch,
        noise: Option<Tensor<3>>,
        step: u64,
    ) -> MicroOutput {
        let terms = loss.terms(model, &batch, noise, step);
        if let Some(hook) = &self.after_forward {
            hook();
        }
        let scalars = (self.reading != TermReading::Discard).then(|| {
            let parts = [
                &terms.total,
                &terms.ntp,
                &terms.forward,
                &terms.reverse,
                &terms.kl_qp,
                &terms.kl_pq,
            ];
            Tensor::cat(parts.map(|t| t.clone()).to_vec(), 0).detach()
        });
        let read = scalars
            .as_ref()
            .filter(|_| self.reading == TermReading::EachStep)
            .map(|s| s.clone().into_data().try_into_vec_as::<f32>().expect("loss scalars"));
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
            .vision_lr_scale
            .is_some()
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
    /// order.
    fn run_parallel(
        &self,
        loss: &dyn StepLoss,
        model: &AmvlModel,
        inputs: Vec<MicroBatch>,
        step: u64,
        pools: &[ThreadPool],
        device: &Device,
    ) -> Vec<MicroOutput> {
        let jobs: Vec<_> = inputs
            .into_iter()
            .map(|(batch, noise)| (model.clone().fork(device), batch, noise))
            .collect();
        run_on_pools(jobs, pools, |(copy, batch, noise)| {
            self.run_micro(loss, &copy, batch, noise, step)
        })
    }
}
