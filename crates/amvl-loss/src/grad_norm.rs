use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Gradients;

struct SquaredNorm<'a> {
    grads: &'a Gradients,
    sum: f64,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = param.val().grad(self.grads) {
            self.sum += g.powi_scalar(2).sum().into_scalar::<f32>() as f64;
        }
    }
}

/// The L2 norm of the gradient `grads` puts on `module`'s parameters (0 where none reached).
/// Used to see how hard each loss term pulls on the shared decoder.
pub fn grad_norm<M: Module>(module: &M, grads: &Gradients) -> f64 {
    let mut visitor = SquaredNorm { grads, sum: 0.0 };
    module.visit(&mut visitor);
    visitor.sum.sqrt()
}
