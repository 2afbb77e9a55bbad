use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

/// SwiGLU feed-forward: `down(silu(gate(x)) * up(x))`.
#[derive(Module, Debug)]
pub struct SwiGlu {
    pub gate_proj: Linear,
    pub up_proj: Linear,
    pub down_proj: Linear,
}

impl SwiGlu {
    /// [batch, seq, d_model] → [batch, seq, d_model]
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let gate = silu(self.gate_proj.forward(x.clone()));
        self.down_proj.forward(gate * self.up_proj.forward(x))
    }
}

/// `x·sigmoid(x)` with one `exp` per element when training.
///
/// Burn's `silu` is `x * sigmoid(x)`, and autodiff's sigmoid keeps its input and evaluates the
/// sigmoid again in the backward pass: two `exp` per element, which flex computes one element
/// at a time. Here the sigmoid, the value and the slope `silu'(x) = s·(1 + x·(1 − s))` are
/// computed once without autodiff, and the tracked output is `value + (x − x)·slope`: exactly
/// the value, and the gradient `slope · grad`. Without autodiff, Burn's `silu`.
pub fn silu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !x.is_autodiff() {
        return burn::tensor::activation::silu(x);
    }
    let constant = x.clone().inner();
    let s = sigmoid(constant.clone());
    let value = constant.clone() * s.clone();
    let slope = s.clone() + value.clone() - value.clone() * s;
    (x - constant) * slope + value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silu_matches_burn_in_value_and_gradient() {
        let device = Device::flex().autodiff();
        let values: Vec<f32> = (0..=400).map(|i| -12.0 + i as f32 * 0.06).collect();
        let ours_x: Tensor<1> = Tensor::from_floats(values.as_slice(), &device).require_grad();
        let burn_x: Tensor<1> = Tensor::from_floats(values.as_slice(), &device).require_grad();
        let ours = silu(ours_x.clone());
        let reference = burn::tensor::activation::silu(burn_x.clone());
        let a: Vec<f32> = ours.clone().into_data().try_to_vec().unwrap();
        let b: Vec<f32> = reference.clone().into_data().try_to_vec().unwrap();
        assert_eq!(a, b, "values");
        // A non-uniform upstream gradient, so that a wrong slope cannot cancel out.
        let weights = Tensor::<1>::from_floats(values.as_slice(), &device).cos() + 2.0;
        let g_ours: Vec<f32> = ours_x
            .grad(&(ours * weights.clone()).sum().backward())
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        let g_ref: Vec<f32> = burn_x
            .grad(&(reference * weights).sum().backward())
            .unwrap()
            .into_data()
            .try_to_vec()
            .unwrap();
        for ((x, a), b) in values.iter().zip(&g_ours).zip(&g_ref) {
            assert!((a - b).abs() < 1e-5, "silu'({x}): {a} vs {b}");
        }
        // silu'(0) = 1/2, silu'(1) = σ(1)·(1 + 1 − σ(1)) = 0.927671.
        let at = |x: f32| {
            let t: Tensor<1> = Tensor::from_floats([x], &device).require_grad();
            t.grad(&silu(t.clone()).sum().backward()).unwrap().into_scalar::<f32>()
        };
        assert!((at(0.0) - 0.5).abs() < 1e-6);
        assert!((at(1.0) - 0.927_671).abs() < 1e-5, "{}", at(1.0));
    }
}
