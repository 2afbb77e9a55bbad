//! One entry point for any supported checkpoint: detect its class, run its reference check.

use std::fmt;
use std::path::Path;

use burn::prelude::*;
use serde_json::Value;

use crate::HfError;
use crate::arch::{Architecture, detect_architecture};
use crate::compare::OutputError;
use crate::decoder::{DecoderCheckReport, GreedyCheck, check_decoder};
use crate::files::read_json;
use crate::vision::{VisionCheckReport, check_vision};

/// What [`check_dir`] measured, for a vision tower or a causal LM.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckReport {
    Vision(VisionCheckReport),
    Decoder(DecoderCheckReport),
}

impl CheckReport {
    /// The checkpoint's class, as in `config.json`.
    pub fn architecture(&self) -> &'static str {
        match self {
            Self::Vision(r) => r.architecture.hf_name(),
            Self::Decoder(r) => r.architecture.hf_name(),
        }
    }

    /// Every output compared with the reference and its max abs error.
    pub fn outputs(&self) -> &[OutputError] {
        match self {
            Self::Vision(r) => &r.outputs,
            Self::Decoder(r) => &r.outputs,
        }
    }

    /// The greedy-decoding comparison (causal LMs only).
    pub fn greedy(&self) -> Option<&GreedyCheck> {
        match self {
            Self::Vision(_) => None,
            Self::Decoder(r) => Some(&r.greedy),
        }
    }

    /// The largest error over all outputs (NaN if any is NaN).
    pub fn max_abs_error(&self) -> f32 {
        match self {
            Self::Vision(r) => r.max_abs_error(),
            Self::Decoder(r) => r.max_abs_error(),
        }
    }

    /// Whether every output is within `tolerance` and, for a causal LM, every greedy token
    /// matches.
    pub fn passes(&self, tolerance: f32) -> bool {
        match self {
            Self::Vision(r) => r.passes(tolerance),
            Self::Decoder(r) => r.passes(tolerance),
        }
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vision(r) => r.fmt(f),
            Self::Decoder(r) => r.fmt(f),
        }
    }
}

/// Reads `dir/config.json`, and runs [`check_decoder`] or [`check_vision`] by its class.
pub fn check_dir(dir: &Path, device: &Device) -> Result<CheckReport, HfError> {
    let json: Value = read_json(&dir.join("config.json"))?;
    match detect_architecture(&json)? {
        Architecture::Decoder(_) => check_decoder(dir, device).map(CheckReport::Decoder),
        Architecture::Vision(_) => check_vision(dir, device).map(CheckReport::Vision),
    }
}
