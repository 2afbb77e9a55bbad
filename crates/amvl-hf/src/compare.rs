use burn::prelude::*;

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
