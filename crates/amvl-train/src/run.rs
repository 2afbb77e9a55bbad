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
use crate::error::{RunError, TrainError};
use crate::run_lock::{LOCK_FILE, RunLock};
use crate::session::{DataSource, batcher, open_split, tokenizer};
use crate::trainer::{Progress, StopAt, TrainOutcome, init_model, train};
use amvl_core::manifest::Manifest;

pub const CONFIG_FILE: &str = "config.toml";
/// The trained model of a finished run (safetensors).
pub const FINAL_MODEL_FILE: &str = "model.safetensors";

/// The pretrained sources a run started from (JSON), so a run that died before its first
/// checkpoint restarts from them on `--resume`.
pub const PRETRAINED_FILE: &str = "pretrained.json";

/// Pretrained parts to build the model around (Hugging Face folders, a `tokenizer.json`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    let started = config_path.exists() || out.join("checkpoints").exists();
    if request.resume && started {
        let config = RunConfig::load(&config_path).map_err(RunError::ResumeConfig)?;
        let tok = AmvlTokenizer::from_file(out.join(TOKENIZER_FILE)).map_err(RunError::ResumeTokenizer)?;
        let train_items = open_split(&request.data, &config, Split::Train, config.data.train_per_task)?;
        return Ok((config, tok, train_items));
    }
    if started {
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
    if request.pretrained != Pretrained::default() {
        let path = out.join(PRETRAINED_FILE);
        let json = serde_json::to_vec_pretty(&request.pretrained).expect("paths serialise");
        write_atomic(&path, &json).map_err(io_error(&path))?;
    }
    let text = toml::to_string_pretty(&config)?;
    write_atomic(&config_path, text.as_bytes()).map_err(io_error(&config_path))?;
    Ok((config, tok, train_items))
}

/// [`prepare`] on rank 0, whose config and tokenizer then reach every rank (the run folder need
/// not be shared); each rank opens the training data itself.
fn prepare_distributed(
    request: &TrainRequest,
    collective: &dyn crate::collective::Collective,
) -> Result<(RunConfig, AmvlTokenizer, AnyDataset), RunError> {
    #[derive(serde::Serialize, serde::Deserialize)]
    enum Prepared {
        Ready { config: String, tokenizer: Vec<u8> },
        Failed(String),
    }
    let (mut bytes, own) = if collective.rank() == 0 {
        match prepare(request) {
            Ok((config, tok, items)) => {
                let path = request.out.join(TOKENIZER_FILE);
                let tokenizer = fs::read(&path).map_err(io_error(&path))?;
                let config_text = toml::to_string_pretty(&config)?;
                let ready = Prepared::Ready {
                    config: config_text,
                    tokenizer,
                };
                (
                    serde_json::to_vec(&ready).expect("serialises"),
                    Some(Ok((config, tok, items))),
                )
            }
            Err(e) => (
                serde_json::to_vec(&Prepared::Failed(e.to_string())).expect("serialises"),
                Some(Err(e)),
            ),
        }
    } else {
        (Vec::new(), None)
    };
    collective
        .broadcast(&mut bytes, "broadcast of the run config and tokenizer")
        .map_err(TrainError::from)?;
    if let Some(own) = own {
        return own;
    }
    match serde_json::from_slice(&bytes).expect("rank 0's message") {
        Prepared::Failed(message) => Err(RunError::RankZero(message)),
        Prepared::Ready { config, tokenizer } => {
            let config = RunConfig::parse(&config, "rank 0's config")?;
            let tok = AmvlTokenizer::from_json_bytes(&tokenizer, "rank 0's tokenizer")?;
            let train_items = open_split(&request.data, &config, Split::Train, config.data.train_per_task)?;
            Ok((config, tok, train_items))
        }
    }
}

/// Trains in `request.out`; returns the outcome and the config in force.
pub fn run_training(
    request: &TrainRequest,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<(TrainOutcome, RunConfig, AmvlTokenizer), RunError> {
    let collective = crate::collective::global();
    let rank0 = collective.rank() == 0;
    let _lock = if rank0 {
        let (lock, stale) = RunLock::acquire(&request.out)?;
        if let Some(holder) = stale {
            progress.message(&format!(
                "warning: {} was left by a trainer that is gone ({holder}); taking it over",
                request.out.join(LOCK_FILE).display()
            ));
        }
        Some(lock)
    } else {
        None
    };
    let (config, tok, train_items) = if collective.world_size() == 1 {
        prepare(request)?
    } else {
        prepare_distributed(request, &*collective)?
    };
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
    let has_checkpoint = !Checkpoints::new(request.out.join("checkpoints")).all().is_empty();
    let model = if request.resume && has_checkpoint {
        None
    } else if rank0 {
        Some(build_model(&config, &pretrained_of(request)?, &device)?)
    } else {
        // Rank 0's parameters arrive by broadcast; the pretrained folders need not exist here.
        Some(build_model(&config, &Pretrained::default(), &device)?)
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
    if outcome.state.step == config.train.steps && rank0 {
        save_model(&outcome.model, &request.out.join(FINAL_MODEL_FILE))?;
    }
    Ok((outcome, config, tok))
}

/// The pretrained sources of the request, or, on `--resume` without any, those the run folder
/// recorded when it started.
fn pretrained_of(request: &TrainRequest) -> Result<Pretrained, RunError> {
    let path = request.out.join(PRETRAINED_FILE);
    if !request.resume || request.pretrained != Pretrained::default() || !path.is_file() {
        return Ok(request.pretrained.clone());
    }
    let bytes = fs::read(&path).map_err(io_error(&path))?;
    serde_json::from_slice(&bytes).map_err(|e| RunError::Weights {
        path,
        message: e.to_string(),
    })
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

/// Writes weights as safetensors atomically, with the header's keys sorted (equal weights give
/// equal bytes), then the folder's manifest for it.
pub fn save_model(model: &AmvlModel, path: &Path) -> Result<(), RunError> {
    let tmp = path.with_extension("safetensors.tmp");
    let mut store = SafetensorsStore::from_file(&tmp).overwrite(true);
    model.save_into(&mut store).map_err(|e| RunError::Weights {
        path: tmp.clone(),
        message: format!("{e:?}"),
    })?;
    amvl_core::safetensors_header::canonicalize(&tmp)?;
    fs::rename(&tmp, path).map_err(io_error(path))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::atomic::sync_dir(dir);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(FINAL_MODEL_FILE);
    Manifest::of_files(dir, &[name])?.write(dir)?;
    Ok(())
}

/// Loads a trained run: its config, tokenizer and final model (or latest checkpoint).
pub fn load_run(run: &Path, device: &Device) -> Result<(RunConfig, AmvlTokenizer, AmvlModel), RunError> {
    let config = RunConfig::load(&run.join(CONFIG_FILE))?;
    let tok = AmvlTokenizer::from_file(run.join(TOKENIZER_FILE))?;
    let mut model = init_model(&config, device);
    let final_model = run.join(FINAL_MODEL_FILE);
    if final_model.is_file() {
        amvl_core::manifest::verify_if_present(run)?;
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
            .newest_good()?
            .ok_or_else(|| RunError::NoModel {
                path: run.to_path_buf(),
                file: FINAL_MODEL_FILE,
            })?;
        model = Checkpoints::load_model(&latest.path, model)?;
    }
    Ok((config, tok, model))
}
