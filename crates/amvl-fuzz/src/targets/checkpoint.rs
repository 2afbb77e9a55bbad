//! A checkpoint folder with one file replaced by the case's bytes, resumed from as the trainer
//! does: the manifest verified, then state, weights and optimizer moments loaded. The case's
//! first byte picks the file; with its top bit set the manifest is rewritten to match, so the
//! damaged bytes reach the state, Burnpack and optimizer readers behind it.

use amvl_core::manifest::{MANIFEST_FILE, Manifest};
use amvl_train::checkpoint::{CHECKPOINT_MODEL_FILE, OPTIMIZER_FILE, STATE_FILE};
use amvl_train::run::{TrainRequest, run_training};
use amvl_train::session::DataSource;
use amvl_train::trainer::{init_model, optimizer};
use amvl_train::{Checkpoints, Progress, RunConfig, StepRecord, StopAt};
use burn::prelude::*;
use std::path::Path;

use super::{micro_config, put};
use crate::target::{Target, TargetKind};

const FILES: [&str; 4] = [CHECKPOINT_MODEL_FILE, OPTIMIZER_FILE, STATE_FILE, MANIFEST_FILE];

pub struct CheckpointTarget {
    config: RunConfig,
    /// The pristine checkpoint's files, in [`FILES`] order.
    files: Vec<Vec<u8>>,
}

struct Quiet;
impl Progress for Quiet {
    fn record(&mut self, _: &StepRecord, _: u64) {}
    fn message(&mut self, _: &str) {}
}

impl CheckpointTarget {
    /// Trains the micro model one step to get a checkpoint with optimizer moments.
    pub fn new() -> Result<Self, String> {
        let config = micro_config();
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let request = TrainRequest {
            pretrained: Default::default(),
            config: config.clone(),
            data: DataSource::Suite,
            out: dir.path().join("run"),
            resume: false,
            stop: StopAt(None),
        };
        let (outcome, config, _) = run_training(&request, &Device::flex(), &mut Quiet).map_err(|e| e.to_string())?;
        let files = FILES
            .iter()
            .map(|f| std::fs::read(outcome.last_checkpoint.join(f)).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok(Self { config, files })
    }
}

impl Target for CheckpointTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Checkpoint
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        (0..FILES.len())
            .flat_map(|k| [k as u8, k as u8 | 0x80].map(|tag| [vec![tag], self.files[k].clone()].concat()))
            .collect()
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        let (&tag, content) = bytes.split_first().ok_or("empty case")?;
        let folder = scratch.join("checkpoints/step-00000001");
        for (k, name) in FILES.iter().enumerate() {
            put(&folder, name, &self.files[k])?;
        }
        put(&folder, FILES[usize::from(tag & 0x7f) % FILES.len()], content)?;
        if tag & 0x80 != 0 {
            let manifest = Manifest::of_files(&folder, &FILES[..3]).map_err(|e| e.to_string())?;
            manifest.write(&folder).map_err(|e| e.to_string())?;
        }
        let good = Checkpoints::new(scratch.join("checkpoints"))
            .newest_good()
            .map_err(|e| e.to_string())?
            .ok_or("no checkpoint")?;
        // The trainer loads onto an autodiff device; the bytes are read the same way on a plain one,
        // and a model built on an autodiff device keeps ~60 KB after it is dropped (Burn 0.22), which
        // ten thousand cases would add up.
        let device = Device::flex();
        Checkpoints::load_state(&good.path).map_err(|e| e.to_string())?;
        Checkpoints::load_model(&good.path, init_model(&self.config, &device)).map_err(|e| e.to_string())?;
        Checkpoints::load_optimizer(&good.path, optimizer(&self.config)).map_err(|e| e.to_string())?;
        Ok(())
    }
}
