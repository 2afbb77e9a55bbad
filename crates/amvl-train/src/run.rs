//! A run folder: resolve the config, prepare data and tokenizer, train, save the final model,
//! load it back (evaluation is `amvl_eval::run_eval`).

use amvl_data::{AmvlTokenizer, AnyDataset, Split, TOKENIZER_FILE};
use amvl_model::AmvlModel;
use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::batches::ItemBatches;
use crate::checkpoint::Checkpoints;
use crate::config::RunConfig;
use crate::error::RunError;
use crate::session::{DataSource, batcher, open_split, tokenizer};
use crate::trainer::{Progress, StopAt, TrainOutcome, init_model, train};

pub const CONFIG_FILE: &str = "config.toml";
/// The trained model of a finished run (safetensors).
pub const FINAL_MODEL_FILE: &str = "model.safetensors";

/// Pretrained parts to build the model around (Hugging Face folders, a `tokenizer.json`).
#[derive(Clone, Debug, Default)]
pub struct Pretrained {
    pub vision: Option<PathBuf>,
    pub decoder: Option<PathBuf>,
    pub tokenizer: Option<PathBuf>,
}

/// What `cargo xtask train` asks for.
pub struct TrainRequest {
    pub config: RunConfig,
    pub pretrained: Pretrained,
    pub data: DataSource,
    pub out: PathBuf,
    pub resume: bool,
    /// Stop after this many steps (simulates an interruption in tests).
    pub stop: StopAt,
}

/// An I/O error at `path`.
pub fn io_error(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Prepares the run folder (or reopens it with `resume`) and returns the config in force,
/// the tokenizer and the training items (opened once: a user dataset checks its images on open).
pub fn prepare(request: &TrainRequest) -> Result<(RunConfig, AmvlTokenizer, AnyDataset), RunError> {
    let out = &request.out;
    let config_path = out.join(CONFIG_FILE);
    if request.resume {
        let config = RunConfig::load(&config_path).map_err(RunError::ResumeConfig)?;
        let tok = AmvlTokenizer::from_file(out.join(TOKENIZER_FILE)).map_err(RunError::ResumeTokenizer)?;
        let train_items = open_split(&request.data, &config, Split::Train, config.data.train_per_task)?;
        return Ok((config, tok, train_items));
    }
    if config_path.exists() || out.join("checkpoints").exists() {
        return Err(RunError::AlreadyHoldsRun(out.clone()));
    }
    fs::create_dir_all(out).map_err(io_error(out))?;
    let mut config = request.config.clone();
    if let Some(dir) = &request.pretrained.vision {
        let (_, vision) = amvl_hf::read_vision_config(dir)?;
        config.model.vision = vision;
    }
    let mut pretrained_vocab = 0;
    if let Some(dir) = &request.pretrained.decoder {
        let (_, decoder) = amvl_hf::read_decoder_config(dir)?;
        pretrained_vocab = decoder.vocab_size;
        config.model.decoder = decoder;
    }
    let train_items = open_split(&request.data, &config, Split::Train, config.data.train_per_task)?;
    let tok = match &request.pretrained.tokenizer {
        Some(path) => AmvlTokenizer::from_file(path)?,
        None => tokenizer(&request.data, &config, &train_items)?,
    };
    config.model.decoder.vocab_size = tok.vocab_size().max(pretrained_vocab);
    config.validate()?;
    tok.save(out.join(TOKENIZER_FILE))?;
    let text = toml::to_string_pretty(&config)?;
    write_atomic(&config_path, text.as_bytes()).map_err(io_error(&config_path))?;
    Ok((config, tok, train_items))
}

/// Trains in `request.out`; returns the outcome and the config in force.
pub fn run_training(
    request: &TrainRequest,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<(TrainOutcome, RunConfig, AmvlTokenizer), RunError> {
    let (config, tok, train_items) = prepare(request)?;
    let batcher = batcher(&config, tok.clone());
    let source = ItemBatches {
        items: &train_items,
        batcher: &batcher,
    };
    progress.message(&format!(
        "training {} on {} ({} items), {} steps × batch {}, run folder {}",
        config.loss.objective,
        request.data,
        amvl_data::ItemSource::len(&train_items),
        config.train.steps,
        config.train.batch_size * config.train.grad_accum,
        request.out.display()
    ));
    let device = device.clone().autodiff();
    let model = if request.resume {
        None
    } else {
        Some(build_model(&config, &request.pretrained, &device)?)
    };
    let outcome = train(
        &config,
        &request.out,
        &device,
        &source,
        model,
        request.resume,
        request.stop,
        progress,
    )?;
    if outcome.state.step == config.train.steps {
        save_model(&outcome.model, &request.out.join(FINAL_MODEL_FILE))?;
    }
    Ok((outcome, config, tok))
}

/// The model for `config`, with the pretrained vision tower and decoder swapped in.
pub fn build_model(config: &RunConfig, pretrained: &Pretrained, device: &Device) -> Result<AmvlModel, RunError> {
    let mut model = init_model(config, device);
    if let Some(dir) = &pretrained.vision {
        model.vision = amvl_hf::load_vision(dir, device)?.model;
    }
    if let Some(dir) = &pretrained.decoder {
        let decoder = amvl_hf::load_decoder(dir, device)?.model;
        model.decoder = decoder.resize_vocab(config.model.decoder.vocab_size, config.model.decoder.init_std);
    }
    Ok(model)
}

/// Writes weights as safetensors atomically.
pub fn save_model(model: &AmvlModel, path: &Path) -> Result<(), RunError> {
    let tmp = path.with_extension("safetensors.tmp");
    let mut store = SafetensorsStore::from_file(&tmp).overwrite(true);
    model.save_into(&mut store).map_err(|e| RunError::Weights {
        path: tmp.clone(),
        message: format!("{e:?}"),
    })?;
    fs::rename(&tmp, path).map_err(io_error(path))
}

/// Loads a trained run: its config, tokenizer and final model (or latest checkpoint).
pub fn load_run(run: &Path, device: &Device) -> Result<(RunConfig, AmvlTokenizer, AmvlModel), RunError> {
    let config = RunConfig::load(&run.join(CONFIG_FILE))?;
    let tok = AmvlTokenizer::from_file(run.join(TOKENIZER_FILE))?;
    let mut model = init_model(&config, device);
    let final_model = run.join(FINAL_MODEL_FILE);
    if final_model.is_file() {
        let mut store = SafetensorsStore::from_file(&final_model);
        let result = model.load_from(&mut store).map_err(|e| RunError::Weights {
            path: final_model.clone(),
            message: format!("{e:?}"),
        })?;
        if !result.missing.is_empty() {
            return Err(RunError::MissingTensors {
                path: final_model,
                missing: result.missing,
            });
        }
    } else {
        let latest = Checkpoints::new(run.join("checkpoints"))
            .latest()
            .ok_or_else(|| RunError::NoModel {
                path: run.to_path_buf(),
                file: FINAL_MODEL_FILE,
            })?;
        model = Checkpoints::load_model(&latest, model)?;
    }
    Ok((config, tok, model))
}
