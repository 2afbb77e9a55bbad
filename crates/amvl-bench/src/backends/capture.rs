//! Everything one device computes from the shared weights and batches, read back to the host.

use amvl_latent::DiagGaussian;
use amvl_loss::{AmvlLoss, LossTerms};
use amvl_model::AmvlModel;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use std::path::Path;
use std::time::Instant;

use amvl_data::DataError;
use amvl_train::checkpoint::{CheckpointError, Checkpoints};
use amvl_train::config::RunConfig;
use amvl_train::lr::learning_rate;
use amvl_train::precision::Precision;
use amvl_train::step::MicroBatch;
use amvl_train::trainer::{BatchSource, init_model, optimizer};

use crate::error::ParityError;

/// A named tensor on the host, in the group it is reported under.
#[derive(Clone, Debug)]
pub struct Named {
    pub group: String,
    pub name: String,
    pub values: Vec<f32>,
}

/// One device's results.
#[derive(Clone, Debug, Default)]
pub struct Capture {
    /// Forward outputs and loss terms of the first batch.
    pub outputs: Vec<Named>,
    /// The gradient of every parameter after one backward pass on the first batch.
    pub grads: Vec<Named>,
    /// The total loss at each optimizer step.
    pub losses: Vec<f32>,
    /// Wall time of each optimizer step (forward, backward, update, synchronised), seconds.
    pub step_seconds: Vec<f64>,
}

/// The inputs every device shares: the weights file, the batches and the latent noise.
pub struct Shared<'a> {
    pub config: &'a RunConfig,
    pub weights: &'a Path,
    pub data: &'a dyn BatchSource,
    /// Item indices of each step's batch.
    pub batches: Vec<Vec<usize>>,
    /// ε of z = μ_q + σ_q·ε for each step, [batch, slots, d_latent] (none without a latent block).
    pub noise: Vec<Option<TensorData>>,
    /// The loss-schedule step at which the forward outputs are compared (β and γ both on).
    pub compare_step: u64,
    /// Optimizer steps to run (0: compare the forward and gradients only).
    pub train_steps: usize,
}

/// The weights as `precision` holds its master copy on `device` (f32 when mixed, else the
/// device's float dtype).
fn master_weights(shared: &Shared, device: &Device, precision: Precision) -> Result<AmvlModel, CheckpointError> {
    let model = load_weights(shared.config, shared.weights, device)?;
    Ok(match precision.master_dtype() {
        Some(dtype) => amvl_core::cast_floats(model, dtype),
        None => model,
    })
}

pub fn to_host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().expect("float tensor")
}

struct GradCollector<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    out: Vec<Named>,
}

impl ModuleVisitor for GradCollector<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(grad) = self.grads.get::<D>(param.id) else {
            return;
        };
        let group = self.path.first().cloned().unwrap_or_default();
        self.out.push(Named {
            group: format!("grad {group}"),
            name: self.path.join("."),
            values: to_host(grad),
        });
    }
}

/// The model on `device` with the shared weights.
pub fn load_weights(config: &RunConfig, weights: &Path, device: &Device) -> Result<AmvlModel, CheckpointError> {
    Checkpoints::load_model_file(weights, init_model(config, device))
}

fn gaussian(out: &mut Vec<Named>, label: &str, g: Option<&DiagGaussian>) {
    if let Some(g) = g {
        for (name, t) in [("mean", &g.mean), ("log_std", &g.log_std)] {
            out.push(Named {
                group: format!("{label} {name}"),
                name: format!("{label}.{name}"),
                values: to_host(t.clone()),
            });
        }
    }
}

fn terms_named(terms: &LossTerms) -> Vec<Named> {
    [
        ("total", &terms.total),
        ("ntp", &terms.ntp),
        ("forward", &terms.forward),
        ("reverse", &terms.reverse),
    ]
    .into_iter()
    .map(|(name, t)| Named {
        group: "loss terms".into(),
        name: name.into(),
        values: to_host(t.clone()),
    })
    .collect()
}

fn step_inputs(shared: &Shared, step: usize, device: &Device) -> Result<MicroBatch, DataError> {
    let batch = shared.data.batch(&shared.batches[step], device)?;
    let noise = shared.noise[step]
        .as_ref()
        .map(|data| Tensor::<3>::from_data(data.clone(), device));
    Ok((batch, noise))
}

/// Runs the comparison workload on an autodiff `device`, holding the weights as `precision`
/// says: with `Bf16Mixed` the passes run on a bf16 copy of f32 master weights and the gradients
/// are read (and applied) in f32, as `train.precision = "bf16-mixed"` trains.
pub fn capture(shared: &Shared, device: &Device, precision: Precision) -> Result<Capture, ParityError> {
    let loss = AmvlLoss::new(shared.config.loss.clone());
    let mut result = Capture::default();

    let master = master_weights(shared, device, precision)?;
    let mixed = precision.compute_model(&master);
    let model = mixed.as_ref().unwrap_or(&master);
    let (batch, noise) = step_inputs(shared, 0, device)?;
    let out = model.forward_train_with(&batch, true, noise);
    let terms = loss.compute(
        shared.compare_step,
        out.logits.clone(),
        batch.answer_target.clone(),
        batch.answer_mask.clone(),
        out.prior.as_ref(),
        out.posterior.as_ref(),
    );
    result.outputs.push(Named {
        group: "logits".into(),
        name: "logits".into(),
        values: to_host(out.logits.clone()),
    });
    gaussian(&mut result.outputs, "prior", out.prior.as_ref());
    gaussian(&mut result.outputs, "posterior", out.posterior.as_ref());
    result.outputs.extend(terms_named(&terms));
    let grads = GradientsParams::from_grads(terms.total.backward(), model);
    let grads = precision.master_gradients(grads, &master);
    let mut collector = GradCollector {
        grads: &grads,
        path: Vec::new(),
        out: Vec::new(),
    };
    master.visit(&mut collector);
    result.grads = collector.out;
    drop(mixed);

    let mut master = master_weights(shared, device, precision)?;
    let mut optim = optimizer(shared.config);
    for step in 0..shared.train_steps {
        let started = Instant::now();
        let (batch, noise) = step_inputs(shared, step, device)?;
        let mixed = precision.compute_model(&master);
        let model = mixed.as_ref().unwrap_or(&master);
        let out = model.forward_train_with(&batch, true, noise);
        let terms = loss.compute(
            step as u64,
            out.logits,
            batch.answer_target.clone(),
            batch.answer_mask.clone(),
            out.prior.as_ref(),
            out.posterior.as_ref(),
        );
        let total = terms.total.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(terms.total.backward(), model);
        drop(mixed);
        let grads = precision.master_gradients(grads, &master);
        master = optim.step(learning_rate(&shared.config.train, step as u64), master, grads);
        device.sync().map_err(|e| ParityError::Sync(format!("{e:?}")))?;
        result.step_seconds.push(started.elapsed().as_secs_f64());
        result.losses.push(total);
    }
    Ok(result)
}
