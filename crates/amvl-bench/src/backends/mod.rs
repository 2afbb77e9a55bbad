//! Backend parity: the same weights and batches on several devices, compared with `flex`:
//! forward outputs, every parameter's gradient, and the loss over a few optimizer steps.

mod capture;
mod errors;
mod probe;
mod report;

pub use capture::{Capture, Named, load_weights, to_host};
pub use errors::{Agreement, by_group, curve};
pub use probe::{DeviceStatus, probe_device};
pub use report::{BackendReport, DeviceReport, GroupReport, Tolerances};

use burn::prelude::*;
use burn::tensor::FloatDType;
use std::path::PathBuf;

use crate::error::ParityError;
use amvl_data::Split;
use amvl_train::batches::ItemBatches;
use amvl_train::checkpoint::Checkpoints;
use amvl_train::config::RunConfig;
use amvl_train::precision::Precision;
use amvl_train::session::{DataSource, batcher, open_split, tokenizer};
use amvl_train::trainer::init_model;
use capture::Shared;

/// What to compare.
#[derive(Clone, Debug)]
pub struct ParityOptions {
    pub config: RunConfig,
    /// Optimizer steps whose losses are compared. Not run in f16: AdamW's ε (1e-8) and small
    /// squared gradients underflow in f16, so pure-f16 training diverges; bf16 keeps f32's range.
    pub steps: usize,
    /// Float dtype of the compared devices (the reference is always `flex` in f32).
    pub float: FloatDType,
    pub tolerances: Tolerances,
    /// How the compared devices hold the weights: `Bf16Mixed` computes in bf16 (the devices'
    /// float dtype must then be bf16) on a copy of f32 master weights and AdamW state.
    pub precision: Precision,
    /// Where the shared weights file is written (removed afterwards).
    pub scratch: PathBuf,
}

impl ParityOptions {
    pub fn new(config: RunConfig, scratch: PathBuf) -> Self {
        Self {
            config,
            steps: 20,
            float: FloatDType::F32,
            tolerances: Tolerances::f32(),
            precision: Precision::Device,
            scratch,
        }
    }
}

/// The first step at which both β and γ are on (so every loss term is compared), else 0.
fn both_terms_on(config: &RunConfig) -> u64 {
    let (beta, gamma) = (config.loss.beta_schedule(), config.loss.gamma_schedule());
    (0..100_000u64)
        .find(|&s| beta.value(s) > 0.0 && gamma.value(s) > 0.0)
        .unwrap_or(0)
}

/// Why `flex` cannot be compared in `options`' dtype here (`None`: it is the reference itself).
fn flex_elsewhere(options: &ParityOptions) -> Option<String> {
    (options.float != FloatDType::F32).then(|| {
        format!(
            "flex computes the f32 reference here and a device has one float dtype per process; \
             flex in {} runs in a process of its own (tests/bf16_mixed_parity.rs, xtask/tests/precision.rs)",
            options.describe()
        )
    })
}

impl ParityOptions {
    /// `bf16-mixed`, or the compared float dtype.
    pub fn describe(&self) -> String {
        match self.precision {
            Precision::Bf16Mixed => "bf16-mixed".into(),
            Precision::Device => format!("{:?}", self.float).to_lowercase(),
        }
    }
}

/// Builds the inputs every device shares (a weights file made on `flex`, the batches, the
/// noise), hands them to `run`, and removes the weights file afterwards.
fn with_shared<T>(
    options: &ParityOptions,
    run: impl FnOnce(&Shared) -> Result<T, ParityError>,
) -> Result<T, ParityError> {
    if options.precision == Precision::Bf16Mixed && options.float != FloatDType::BF16 {
        return Err(ParityError::Precision(format!("{:?}", options.float).to_lowercase()));
    }
    let mut config = options.config.clone();
    let items = open_split(&DataSource::Suite, &config, Split::Train, config.data.train_per_task)?;
    let tok = tokenizer(&DataSource::Suite, &config, &items)?;
    config.model.decoder.vocab_size = tok.vocab_size();
    config.validate()?;
    let batcher = batcher(&config, tok);
    let data = ItemBatches {
        items: &items,
        batcher: &batcher,
    };
    let len = amvl_data::ItemSource::len(&items);
    let b = config.train.batch_size;
    let batches: Vec<Vec<usize>> = (0..options.steps.max(1))
        .map(|s| (0..b).map(|j| ((s * b + j) * 7919) % len).collect())
        .collect();

    let host = Device::flex().autodiff();
    let model = init_model(&config, &host);
    std::fs::create_dir_all(&options.scratch).map_err(|source| ParityError::Io {
        path: options.scratch.clone(),
        source,
    })?;
    let weights = options.scratch.join(format!("backends-{}.bpk", std::process::id()));
    Checkpoints::save_model_file(&weights, &model)?;
    let built = config.model_to_build();
    let latent = built.has_latent().then_some(&built.latent);
    let noise = (0..batches.len() as u64)
        .map(|i| {
            latent.map(|l| amvl_core::random::standard_normal([b, l.slots, l.d_latent], 0xBAC0 + i, &host).into_data())
        })
        .collect();
    let shared = Shared {
        config: &config,
        weights: &weights,
        data: &data,
        batches,
        noise,
        compare_step: both_terms_on(&config),
        train_steps: if options.float == FloatDType::F16 {
            0
        } else {
            options.steps
        },
    };
    let result = run(&shared);
    let _ = std::fs::remove_file(&weights);
    result
}

/// The comparison workload on `device` alone, with `options.precision` (no reference run):
/// what `compare` reads from each device.
pub fn capture_on(options: &ParityOptions, device: &Device) -> Result<Capture, ParityError> {
    with_shared(options, |shared| {
        capture::capture(shared, &device.clone().autodiff(), options.precision)
    })
}

/// Runs the comparison on each of `devices` (names as `--device` takes them; `flex` is the
/// reference and is run once whether listed or not).
pub fn compare(options: &ParityOptions, devices: &[String]) -> Result<BackendReport, ParityError> {
    with_shared(options, |shared| {
        let reference = capture::capture(shared, &Device::flex().autodiff(), Precision::Device)?;
        let mut report = BackendReport {
            config: shared.config.clone(),
            steps: options.steps,
            float: options.describe(),
            reference_step_seconds: report::median(&reference.step_seconds),
            devices: Vec::new(),
        };
        for name in devices {
            if name == "flex" {
                if let Some(why) = flex_elsewhere(options) {
                    report.devices.push(DeviceReport::missing(name, "unavailable", why));
                }
                continue;
            }
            let entry = match probe_device(name, options.float) {
                DeviceStatus::Ready { device, .. } => {
                    let got = capture::capture(shared, &device.autodiff(), options.precision)?;
                    DeviceReport::compared(name, &got, &reference, &options.tolerances)
                }
                DeviceStatus::NotCompiled(why) => DeviceReport::missing(name, "not compiled", why),
                DeviceStatus::Unavailable(why) => DeviceReport::missing(name, "unavailable", why),
            };
            report.devices.push(entry);
        }
        Ok(report)
    })
}
