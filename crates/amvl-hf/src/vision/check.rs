//! Runs a checkpoint on its stored reference inputs and measures the error of each output.

use std::fmt;
use std::path::{Path, PathBuf};

use burn::prelude::*;

use crate::HfError;
use crate::compare::max_abs_diff;
use crate::safetensors_io::Checkpoint;
use crate::vision::{VisionArch, load_vision};

/// Reference inputs and outputs next to a checkpoint: `pixel_values` [images, 3, H, W],
/// `last_hidden_state` [images, tokens, d] and optionally `pooler_output` [images, d].
pub const REFERENCE_FILE: &str = "reference.safetensors";

pub use crate::compare::OutputError;

/// What [`check_vision`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct VisionCheckReport {
    pub dir: PathBuf,
    pub architecture: VisionArch,
    pub outputs: Vec<OutputError>,
}

impl VisionCheckReport {
    /// The largest error over all outputs (NaN if any is NaN).
    pub fn max_abs_error(&self) -> f32 {
        self.outputs
            .iter()
            .map(|o| o.max_abs_error)
            .fold(0.0, |a, b| if a.is_nan() || b.is_nan() { f32::NAN } else { a.max(b) })
    }

    /// Whether every output is within `tolerance`.
    pub fn passes(&self, tolerance: f32) -> bool {
        self.outputs.iter().all(|o| o.max_abs_error <= tolerance)
    }
}

impl fmt::Display for VisionCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({})", self.dir.display(), self.architecture.hf_name())?;
        for o in &self.outputs {
            writeln!(
                f,
                "  {:<18} {:?}  max abs error {:.3e}",
                o.name, o.shape, o.max_abs_error
            )?;
        }
        Ok(())
    }
}

/// Loads the vision checkpoint in `dir`, runs `dir/reference.safetensors`'s `pixel_values`
/// through it and reports the max abs error of `last_hidden_state` and, when the reference has
/// it, `pooler_output`.
pub fn check_vision(dir: &Path, device: &Device) -> Result<VisionCheckReport, HfError> {
    let loaded = load_vision(dir, device)?;
    let reference_path = dir.join(REFERENCE_FILE);
    let mut reference = Checkpoint::read_file(&reference_path)?;
    let pixels: Tensor<4> = reference.take_any("pixel_values", device)?;
    let expected_hidden: Tensor<3> = reference.take_any("last_hidden_state", device)?;
    let expected_pooled: Option<Tensor<2>> = if reference.contains("pooler_output") {
        Some(reference.take_any("pooler_output", device)?)
    } else {
        None
    };

    let (hidden, pooled) = loaded.model.forward_with_pooled(pixels);
    let mismatch = |name: &str, expected: Vec<usize>, found: Vec<usize>| HfError::Reference {
        path: reference_path.clone(),
        message: format!("model gives `{name}` {found:?} but the reference has {expected:?}"),
    };
    if hidden.dims() != expected_hidden.dims() {
        return Err(mismatch(
            "last_hidden_state",
            expected_hidden.dims().to_vec(),
            hidden.dims().to_vec(),
        ));
    }
    let mut outputs = vec![OutputError {
        name: "last_hidden_state",
        shape: hidden.dims().to_vec(),
        max_abs_error: max_abs_diff(&hidden, &expected_hidden),
    }];
    if let Some(expected) = expected_pooled {
        let pooled = pooled.ok_or_else(|| HfError::Reference {
            path: reference_path.clone(),
            message: "the reference has `pooler_output` but this model has no pooling".into(),
        })?;
        if pooled.dims() != expected.dims() {
            return Err(mismatch(
                "pooler_output",
                expected.dims().to_vec(),
                pooled.dims().to_vec(),
            ));
        }
        outputs.push(OutputError {
            name: "pooler_output",
            shape: pooled.dims().to_vec(),
            max_abs_error: max_abs_diff(&pooled, &expected),
        });
    }
    Ok(VisionCheckReport {
        dir: dir.to_path_buf(),
        architecture: loaded.architecture,
        outputs,
    })
}
