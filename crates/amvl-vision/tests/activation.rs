//! The activations against Burn's definitions: values and gradients.

use amvl_vision::HiddenAct;
use burn::prelude::*;
use burn::tensor::activation::gelu_approximate;

#[test]
fn tanh_gelu_matches_burn_in_value_and_gradient() {
    let device = Device::flex().autodiff();
    let values: Vec<f32> = (0..=400).map(|i| -8.0 + i as f32 * 0.04).collect();
    let ours_x: Tensor<1> = Tensor::from_floats(values.as_slice(), &device).require_grad();
    let burn_x: Tensor<1> = Tensor::from_floats(values.as_slice(), &device).require_grad();
    let ours = HiddenAct::GeluPytorchTanh.apply(ours_x.clone());
    let reference = gelu_approximate(burn_x.clone());
    let (a, b): (Vec<f32>, Vec<f32>) = (
        ours.clone().into_data().try_to_vec::<f32>().unwrap(),
        reference.clone().into_data().try_to_vec::<f32>().unwrap(),
    );
    for ((x, a), b) in values.iter().zip(&a).zip(&b) {
        assert!((a - b).abs() < 1e-5, "gelu({x}): {a} vs {b}");
    }
    // At x = 1: 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.841192.
    assert!((a[225] - 0.841_192).abs() < 1e-5, "{}", a[225]);
    let g_ours: Vec<f32> = ours_x
        .grad(&ours.sum().backward())
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let g_ref: Vec<f32> = burn_x
        .grad(&reference.sum().backward())
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    for ((x, a), b) in values.iter().zip(&g_ours).zip(&g_ref) {
        assert!((a - b).abs() < 1e-4, "gelu'({x}): {a} vs {b}");
    }
}
