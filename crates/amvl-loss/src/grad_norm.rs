use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;

/// Each parameter's squared gradient norm, kept on the device ([1] each).
struct SquaredNorms<'a> {
    grads: &'a Gradients,
    sums: Vec<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorms<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = param.val().grad(self.grads) {
            self.sums.push(g.powi_scalar(2).sum());
        }
    }
}

/// The L2 norm of the gradient `grads` puts on `module`'s parameters (0 where none reached).
/// Used to see how hard each loss term pulls on the shared decoder.
pub fn grad_norm<M: Module>(module: &M, grads: &Gradients) -> f64 {
    let mut visitor = SquaredNorms {
        grads,
        sums: Vec::new(),
    };
    module.visit(&mut visitor);
    if visitor.sums.is_empty() {
        return 0.0;
    }
    // One read to the host for the whole module.
    let total: f32 = Tensor::cat(visitor.sums, 0).sum().into_scalar();
    (total as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::LinearConfig;

    #[test]
    fn the_norm_of_a_linear_layers_gradient_in_closed_form() {
        let device = Device::flex().autodiff();
        let layer = LinearConfig::new(2, 1).init(&device);
        let x = Tensor::<2>::from_floats([[1.0, 2.0]], &device);
        // d(sum(xW + b))/dW = xᵀ = [1, 2], d/db = 1: norm √(1 + 4 + 1).
        let grads = layer.forward(x).sum().backward();
        assert!((grad_norm(&layer, &grads) - 6f64.sqrt()).abs() < 1e-6);
        // A module the loss does not reach gets 0.
        let other = LinearConfig::new(2, 1).init(&device);
        assert_eq!(grad_norm(&other, &grads), 0.0);
    }
}
