//! Checkpoints that survive crashes: each one is built in a hidden folder, its `manifest.json`
//! (every file's size and SHA-256) written last, then renamed into place, then `latest` is
//! switched atomically; the previous checkpoint is kept until then. Resuming verifies the
//! manifest and falls back to the previous checkpoint when the newest is damaged.

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

use amvl_core::manifest::{Manifest, ManifestError};

use crate::atomic::{sync_dir, write_atomic};

/// Everything besides weights and optimizer moments that an exact resume needs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TrainState {
    /// Optimizer steps completed.
    pub step: u64,
    /// Seed of the run (per-step RNG and data order derive from it and the step).
    pub seed: u64,
    pub samples_seen: u64,
    /// Steps skipped because their loss was not finite.
    pub skipped_steps: u64,
    pub elapsed_seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint I/O at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("checkpoint {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("no checkpoint in {0} (nothing to resume)")]
    Missing(PathBuf),
    #[error("{0}")]
    Damaged(#[from] ManifestError),
    #[error("no undamaged checkpoint in {}: {}", dir.display(), failures.join("; "))]
    NoneGood { dir: PathBuf, failures: Vec<String> },
}

/// The newest checkpoint that verifies, and the newer ones that did not (each with its reason).
#[derive(Debug)]
pub struct GoodCheckpoint {
    pub path: PathBuf,
    pub damaged: Vec<(PathBuf, ManifestError)>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The `checkpoints/` folder of a run.
#[derive(Clone, Debug)]
pub struct Checkpoints {
    pub dir: PathBuf,
}

/// A checkpoint's weights (Burnpack).
pub const CHECKPOINT_MODEL_FILE: &str = "model.bpk";
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
pub const STATE_FILE: &str = "state.json";
const LATEST: &str = "latest";
/// Milliseconds to pause after each file of a checkpoint write, so that `cargo xtask chaos` can
/// aim a kill inside one (the child announces `checkpoint: writing …` and `checkpoint: wrote …`
/// on stderr while it is set).
pub const CHAOS_PAUSE_ENV: &str = "AMVL_CHAOS_CHECKPOINT_PAUSE_MS";

fn chaos_pause() -> Option<std::time::Duration> {
    let ms: u64 = std::env::var(CHAOS_PAUSE_ENV).ok()?.parse().ok()?;
    Some(std::time::Duration::from_millis(ms))
}

impl Checkpoints {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Folder of the newest complete checkpoint, if any.
    pub fn latest(&self) -> Option<PathBuf> {
        let name = fs::read_to_string(self.dir.join(LATEST)).ok()?;
        let path = self.dir.join(name.trim());
        path.join(STATE_FILE).is_file().then_some(path)
    }

    /// Writes a complete checkpoint for `state.step`, then makes it the latest.
    pub fn save<M: Module>(
        &self,
        model: &M,
        optimizer: &ModuleOptimizer,
        state: &TrainState,
    ) -> Result<PathBuf, CheckpointError> {
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let name = format!("step-{:08}", state.step);
        let partial = self.dir.join(format!(".partial-{name}"));
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(io(&partial))?;
        }
        fs::create_dir_all(&partial).map_err(io(&partial))?;

        let pause = chaos_pause();
        let pause_here = || {
            if let Some(pause) = pause {
                std::thread::sleep(pause);
            }
        };
        if pause.is_some() {
            eprintln!("checkpoint: writing {name}");
        }
        let model_path = partial.join(CHECKPOINT_MODEL_FILE);
        Self::save_model_file(&model_path, model)?;
        pause_here();
        let optim_path = partial.join(OPTIMIZER_FILE);
        optimizer.save(&optim_path).map_err(|e| CheckpointError::Format {
            path: optim_path.clone(),
            message: format!("{e:?}"),
        })?;
        pause_here();
        let state_path = partial.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(state).expect("state serialises");
        write_atomic(&state_path, &json).map_err(io(&state_path))?;
        for file in [&model_path, &optim_path] {
            fs::File::open(file).and_then(|f| f.sync_all()).map_err(io(file))?;
        }
        pause_here();
        Manifest::of_files(&partial, &[CHECKPOINT_MODEL_FILE, OPTIMIZER_FILE, STATE_FILE])?.write(&partial)?;
        sync_dir(&partial);
        pause_here();
        let final_path = self.dir.join(&name);
        if final_path.exists() {
            fs::remove_dir_all(&final_path).map_err(io(&final_path))?;
        }
        let previous = self.latest();
        fs::rename(&partial, &final_path).map_err(io(&final_path))?;
        sync_dir(&self.dir);
        pause_here();
        write_atomic(&self.dir.join(LATEST), name.as_bytes()).map_err(io(&self.dir))?;
        self.prune(&final_path, previous.as_deref());
        if pause.is_some() {
            eprintln!("checkpoint: wrote {name}");
        }
        Ok(final_path)
    }

    /// Checkpoint folders (`step-…`), newest step first.
    pub fn all(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut found: Vec<(u64, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                let step = name.to_str()?.strip_prefix("step-")?.parse().ok()?;
                entry.path().is_dir().then(|| (step, entry.path()))
            })
            .collect();
        found.sort_by_key(|b| std::cmp::Reverse(b.0));
        found.into_iter().map(|(_, path)| path).collect()
    }

    /// The newest checkpoint whose files match its manifest, with the newer ones that did not;
    /// `None` when there is no checkpoint at all; an error when none verifies.
    pub fn newest_good(&self) -> Result<Option<GoodCheckpoint>, CheckpointError> {
        let mut damaged = Vec::new();
        for path in self.all() {
            match Manifest::read(&path).and_then(|m| m.verify(&path)) {
                Ok(()) => return Ok(Some(GoodCheckpoint { path, damaged })),
                Err(e) => damaged.push((path, e)),
            }
        }
        if damaged.is_empty() {
            return Ok(None);
        }
        Err(CheckpointError::NoneGood {
            dir: self.dir.clone(),
            failures: damaged.iter().map(|(_, e)| e.to_string()).collect(),
        })
    }

    /// [`newest_good`](Self::newest_good), then the damaged newer checkpoints are moved aside to
    /// `damaged-step-…` (kept for inspection, never pruned) and `latest` points at the good one.
    /// Unfinished checkpoint writes (`.partial-…`) are removed.
    pub fn recover(&self) -> Result<Option<GoodCheckpoint>, CheckpointError> {
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_str().is_some_and(|n| n.starts_with(".partial-")) {
                    let path = entry.path();
                    fs::remove_dir_all(&path).map_err(io(&path))?;
                }
            }
        }
        let Some(good) = self.newest_good()? else {
            return Ok(None);
        };
        for (path, _) in &good.damaged {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("step");
            let aside = self.dir.join(format!("damaged-{name}"));
            if aside.exists() {
                fs::remove_dir_all(&aside).map_err(io(&aside))?;
            }
            fs::rename(path, &aside).map_err(io(path))?;
        }
        if !good.damaged.is_empty() {
            let name = good.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            write_atomic(&self.dir.join(LATEST), name.as_bytes()).map_err(io(&self.dir))?;
        }
        Ok(Some(good))
    }

    /// Removes checkpoints other than the newest and the one before it.
    fn prune(&self, keep: &Path, previous: Option<&Path>) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_checkpoint = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("step-"));
            if is_checkpoint && path != keep && Some(path.as_path()) != previous {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }

    /// Reads a checkpoint's state.
    pub fn load_state(path: &Path) -> Result<TrainState, CheckpointError> {
        let file = path.join(STATE_FILE);
        let text = fs::read_to_string(&file).map_err(io(&file))?;
        serde_json::from_str(&text).map_err(|e| CheckpointError::Format {
            path: file,
            message: e.to_string(),
        })
    }

    /// Loads weights into `model` (parameter ids come back too, so optimizer state matches).
    pub fn load_model<M: Module>(path: &Path, model: M) -> Result<M, CheckpointError> {
        Self::load_model_file(&path.join(CHECKPOINT_MODEL_FILE), model)
    }

    /// Writes `model`'s weights to one Burnpack file (replacing it).
    pub fn save_model_file<M: Module>(file: &Path, model: &M) -> Result<(), CheckpointError> {
        let mut store = BurnpackStore::from_file(file).overwrite(true);
        model.save_into(&mut store).map_err(|e| CheckpointError::Format {
            path: file.to_path_buf(),
            message: format!("{e:?}"),
        })
    }

    /// Loads one Burnpack weights file into `model`; every tensor must fit, and the weights are
    /// cast to the float dtype of the model's device.
    pub fn load_model_file<M: Module>(file: &Path, mut model: M) -> Result<M, CheckpointError> {
        let mut store = BurnpackStore::from_file(file);
        let (loaded, result) = amvl_core::contain::contain(move || {
            let result = model.load_from(&mut store);
            (model, result)
        })
        .map_err(|panic| CheckpointError::Format {
            path: file.to_path_buf(),
            message: format!("the Burnpack reader failed: {panic}"),
        })?;
        model = loaded;
        let result = result.map_err(|e| CheckpointError::Format {
            path: file.to_path_buf(),
            message: format!("{e:?}"),
        })?;
        if !result.missing.is_empty() || !result.errors.is_empty() {
            return Err(CheckpointError::Format {
                path: file.to_path_buf(),
                message: format!(
                    "does not fit the model: missing {:?}, errors {:?}",
                    result.missing, result.errors
                ),
            });
        }
        let device = model.devices().into_iter().next();
        Ok(match device {
            Some(device) => amvl_core::to_device_dtype(model, &device),
            None => model,
        })
    }

    /// Loads optimizer moments.
    pub fn load_optimizer(path: &Path, optimizer: ModuleOptimizer) -> Result<ModuleOptimizer, CheckpointError> {
        let file = path.join(OPTIMIZER_FILE);
        let format = |message: String| CheckpointError::Format {
            path: file.clone(),
            message,
        };
        amvl_core::contain::contain(|| optimizer.load(&file))
            .map_err(|panic| format(format!("the optimizer-record reader failed: {panic}")))?
            .map_err(|e| format(format!("{e:?}")))
    }
}
