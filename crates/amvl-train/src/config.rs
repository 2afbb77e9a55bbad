use amvl_core::{ConfigError, load_toml, parse_toml};
use amvl_loss::LossConfig;
use amvl_model::ModelConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::error::InvalidConfig;

/// Optimisation settings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Optimizer steps.
    pub steps: u64,
    pub batch_size: usize,
    /// Micro-batches accumulated per optimizer step.
    pub grad_accum: usize,
    /// Run the `grad_accum` micro-batches of a step at the same time, one thread each (CPU:
    /// each thread runs its ops alone instead of all ops being split over the cores).
    pub parallel_micro_batches: bool,
    pub learning_rate: f64,
    /// Linear LR warm-up steps, then cosine decay to `learning_rate · min_lr_ratio`.
    pub lr_warmup_steps: u64,
    pub min_lr_ratio: f64,
    pub weight_decay: f64,
    /// AdamW's ε in `m / (√v + ε)` (Burn's default 1e-5; PyTorch's is 1e-8).
    pub adam_epsilon: f64,
    /// AdamW's decay rate of the first moment m (0.9).
    pub adam_beta1: f64,
    /// AdamW's decay rate of the second moment v (0.999): how many steps of gradient history
    /// (about 1 / (1 − β₂)) set the scale of each parameter's update.
    pub adam_beta2: f64,
    /// Global gradient-norm clip (0 = off).
    pub grad_clip: f64,
    pub log_every: u64,
    pub checkpoint_every: u64,
    /// Skip an optimizer step whose loss is not finite (otherwise stop the run). Needs
    /// `check_every = 1`.
    pub skip_nonfinite: bool,
    /// How often (in steps) the loss terms are read back to the host. 1: every step, before the
    /// update, so a non-finite loss stops the run (or is skipped) before it reaches the weights.
    /// N > 1: at every N-th step, log step and checkpoint and at the end, with no host
    /// synchronisation in between (for GPUs); a non-finite loss then stops the run at the next
    /// read, and no checkpoint is written after it.
    pub check_every: u64,
    pub seed: u64,
    /// Parts kept fixed: `vision` and/or `decoder`.
    pub freeze: Vec<String>,
    /// The vision tower's learning rate as a multiple of the schedule's (1 = one rate for all;
    /// AdamW's update is scale-free, so this is the only way to let the tower move faster).
    pub vision_lr_scale: f64,
    /// Group each batch by the items' image count, so that one-image items are not padded to
    /// the image tokens of the dataset's largest items (faster; every item still once an epoch).
    pub bucket_by_images: bool,
    /// At every log step, measure the latent block (KL split into mean and variance parts, σ per
    /// slot, the per-item signal) and each loss term's gradient norm on the trunk, on the step's
    /// first micro-batch (up to three more forward and backward passes per log step).
    pub diagnostics: bool,
    /// Data-parallel runs: seconds a collective operation may wait for the other ranks before
    /// the run stops with an error naming it (a rank that died or hangs).
    pub collective_timeout_s: u64,
    /// `"bf16-mixed"`: f32 master parameters and AdamW state, forward and backward in bf16 (the
    /// device's float dtype must be bf16: `cargo xtask train --precision bf16-mixed` sets both).
    /// `"device"` (default): everything in the device's float dtype.
    pub precision: crate::precision::Precision,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 300,
            batch_size: 16,
            grad_accum: 1,
            parallel_micro_batches: false,
            learning_rate: 1e-3,
            lr_warmup_steps: 30,
            min_lr_ratio: 0.1,
            weight_decay: 0.01,
            adam_epsilon: 1e-5,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            grad_clip: 1.0,
            log_every: 10,
            checkpoint_every: 100,
            skip_nonfinite: false,
            check_every: 1,
            seed: 0,
            freeze: Vec::new(),
            vision_lr_scale: 1.0,
            bucket_by_images: true,
            diagnostics: true,
            collective_timeout_s: 300,
            precision: crate::precision::Precision::Device,
        }
    }
}

/// Where training data comes from and how it is tokenised.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Seed of the procedural suite.
    pub suite_seed: u64,
    /// Suite tasks to use (empty = all).
    pub tasks: Vec<String>,
    /// Items per task in the training split.
    pub train_per_task: usize,
    /// Items per task in each evaluation split.
    pub eval_per_task: usize,
    pub max_images: usize,
    pub max_question_len: usize,
    pub max_target_len: usize,
    pub max_answer_len: usize,
    /// Also train the decoder to write the item's rationale after the answer letter
    /// (`<answer> L <rationale> r… <eos>`): dense supervision of what the images show. The letter
    /// stays the first generated token, so evaluation is unchanged. Needs `max_answer_len` room.
    pub rationale_after_answer: bool,
    /// Decode the item's rationale first and the letter after it (`<rationale> r… <answer> L`):
    /// y is the reasoning chain with its answer, every token of it supervised; evaluation
    /// generates the chain and scores the letter after `<answer>`. Needs `max_answer_len` room.
    pub rationale_before_answer: bool,
    /// Truncate over-long sequences instead of refusing them.
    pub truncate: bool,
    /// Skip (and count) items of a user dataset whose images are missing or undecodable.
    pub skip_bad: bool,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            suite_seed: 2026,
            tasks: Vec::new(),
            train_per_task: 2000,
            eval_per_task: 100,
            max_images: 4,
            max_question_len: 64,
            max_target_len: 48,
            max_answer_len: 4,
            rationale_after_answer: false,
            rationale_before_answer: false,
            truncate: false,
            skip_bad: false,
        }
    }
}

/// Everything a run needs, as one TOML file: `[model.*]`, `[loss]`, `[train]`, `[data]`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    pub model: ModelConfig,
    pub loss: LossConfig,
    pub train: TrainConfig,
    pub data: DataConfig,
}

impl RunConfig {
    /// Loads and validates `path`; errors name the file, line and key.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let config: RunConfig = load_toml(path)?;
        config.checked(&path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: RunConfig = parse_toml(text, origin)?;
        config.checked(origin)
    }

    fn checked(self, origin: &str) -> Result<Self, ConfigError> {
        self.validate().map_err(|e| ConfigError::Invalid {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        Ok(self)
    }

    /// Impossible combinations, caught before anything runs.
    pub fn validate(&self) -> Result<(), InvalidConfig> {
        self.model.validate().map_err(InvalidConfig::Model)?;
        self.loss.validate().map_err(InvalidConfig::Loss)?;
        let train = &self.train;
        if self.loss.objective.uses_latent() && self.model.latent.slots == 0 {
            return Err(InvalidConfig::NoLatentSlots(self.loss.objective));
        }
        if train.batch_size == 0 || train.grad_accum == 0 || train.steps == 0 {
            return Err(InvalidConfig::ZeroSize);
        }
        if train.log_every == 0 || train.checkpoint_every == 0 {
            return Err(InvalidConfig::ZeroInterval);
        }
        if train.check_every == 0 || (train.skip_nonfinite && train.check_every > 1) {
            return Err(InvalidConfig::CheckEvery(train.check_every));
        }
        if !(train.learning_rate > 0.0 && train.learning_rate.is_finite()) {
            return Err(InvalidConfig::LearningRate(train.learning_rate));
        }
        if !(train.vision_lr_scale >= 0.0 && train.vision_lr_scale.is_finite()) {
            return Err(InvalidConfig::VisionLrScale(train.vision_lr_scale));
        }
        for (name, value) in [("adam_beta1", train.adam_beta1), ("adam_beta2", train.adam_beta2)] {
            if !(0.0..1.0).contains(&value) {
                return Err(InvalidConfig::AdamBeta { name, value });
            }
        }
        if !(train.adam_epsilon > 0.0 && train.adam_epsilon.is_finite()) {
            return Err(InvalidConfig::AdamEpsilon(train.adam_epsilon));
        }
        if let Some(part) = train
            .freeze
            .iter()
            .find(|p| !["vision", "decoder"].contains(&p.as_str()))
        {
            return Err(InvalidConfig::UnknownFreeze(part.clone()));
        }
        if self.data.rationale_after_answer && self.data.rationale_before_answer {
            return Err(InvalidConfig::RationaleBothWays);
        }
        if self.data.max_images == 0 {
            return Err(InvalidConfig::NoImages);
        }
        Ok(())
    }

    /// The model shape actually built: `no_latent` builds no latent block.
    pub fn model_to_build(&self) -> ModelConfig {
        let mut model = self.model.clone();
        if !self.loss.objective.uses_latent() {
            model.latent.slots = 0;
        }
        model
    }
}
