//! A run config's TOML, parsed and validated.

use amvl_train::RunConfig;
use std::path::Path;

use crate::target::{Target, TargetKind};

pub struct ConfigTarget;

impl Target for ConfigTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Config
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        [
            include_str!("../../../../configs/tiny.toml"),
            include_str!("../../../../configs/small.toml"),
            include_str!("../../../../configs/latent.toml"),
            include_str!("../../../../configs/paper.toml"),
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect()
    }

    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            (
                "huge-integer".into(),
                b"[train]\nsteps = 99999999999999999999999\n".to_vec(),
            ),
            ("negative-size".into(), b"[model.decoder]\nhidden_size = -1\n".to_vec()),
            ("nan-rate".into(), b"[train]\nlearning_rate = nan\n".to_vec()),
            ("deep-tables".into(), "[a]\n".repeat(10_000).into_bytes()),
        ]
    }

    fn run(&self, bytes: &[u8], _scratch: &Path) -> Result<(), String> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let config = RunConfig::parse(text, "fuzz.toml").map_err(|e| e.to_string())?;
        config.validate().map_err(|e| e.to_string())
    }
}
