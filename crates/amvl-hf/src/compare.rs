//! Measuring how far outputs are from a reference.

use burn::prelude::*;

/// One output compared against the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputError {
    pub name: &'static str,
    pub shape: Vec<usize>,
    pub max_abs_error: f32,
}

/// The largest error over `outputs` (0 when empty, NaN if any is NaN).
pub fn worst_error(outputs: &[OutputError]) -> f32 {
    outputs
        .iter()
        .map(|o| o.max_abs_error)
        .fold(0.0, |a, b| if a.is_nan() || b.is_nan() { f32::NAN } else { a.max(b) })
}

/// Whether every output is within `tolerance` (NaN never is).
pub fn all_within(outputs: &[OutputError], tolerance: f32) -> bool {
    outputs.iter().all(|o| o.max_abs_error <= tolerance)
}

/// Largest absolute element-wise difference; `f32::INFINITY` when the shapes differ, NaN when
/// either holds NaN.
pub fn max_abs_diff<const D: usize>(a: &Tensor<D>, b: &Tensor<D>) -> f32 {
    if a.dims() != b.dims() {
        return f32::INFINITY;
    }
    let diff = (a.clone() - b.clone()).abs().into_data();
    diff.iter::<f32>().fold(0.0f32, |max, x| {
        if x.is_nan() || max.is_nan() {
            f32::NAN
        } else {
            max.max(x)
        }
    })
}
