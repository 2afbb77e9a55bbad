//! Checkpoints that survive crashes: each one is built in a hidden folder and renamed into
//! place, then `latest` is switched atomically; the previous checkpoint is kept until then.

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

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

        let model_path = partial.join(CHECKPOINT_MODEL_FILE);
        Self::save_model_file(&model_path, model)?;
        let optim_path = partial.join(OPTIMIZER_FILE);
        optimizer.save(&optim_path).map_err(|e| CheckpointError::Format {
            path: optim_path.clone(),
            message: format!("{e:?}"),
        })?;
        let state_path = partial.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(state).expect("state serialises");
        write_atomic(&state_path, &json).map_err(io(&state_path))?;
        for file in [&model_path, &optim_path] {
            fs::File::open(file).and_then(|f| f.sync_all()).map_err(io(file))?;
        }
        sync_dir(&partial);

        let final_path = self.dir.join(&name);
        if final_path.exists() {
            fs::remove_dir_all(&final_path).map_err(io(&final_path))?;
        }
        let previous = self.latest();
        fs::rename(&partial, &final_path).map_err(io(&final_path))?;
        sync_dir(&self.dir);
        write_atomic(&self.dir.join(LATEST), name.as_bytes()).map_err(io(&self.dir))?;
        self.prune(&final_path, previous.as_deref());
        Ok(final_path)
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
        let result = model.load_from(&mut store).map_err(|e| CheckpointError::Format {
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
        optimizer.load(&file).map_err(|e| CheckpointError::Format {
            path: file,
            message: format!("{e:?}"),
        })
    }
}
