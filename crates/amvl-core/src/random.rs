//! Reproducible randomness. A backend's generator is one per process (flex keeps it in a
//! global), so two threads that seed and draw interleave their draws; these helpers keep a
//! seeded sequence whole, or draw on the host from a seed of its own.

use std::sync::Mutex;

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::TensorData;
use rand::{RngExt, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

static SEEDED: Mutex<()> = Mutex::new(());

/// Runs `f` with `device`'s generator seeded to `seed`, holding a process-wide lock so that no
/// other `with_seed` section draws in between. Tensors that `f` creates lazily (module
/// parameters) must be materialized inside `f` (see [`materialize`]).
pub fn with_seed<R>(device: &Device, seed: u64, f: impl FnOnce() -> R) -> R {
    let _guard = SEEDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    f()
}

/// Standard-normal values drawn on the host from `seed` alone: the same tensor on every
/// backend, in every thread, whatever else draws meanwhile. In the device's float dtype.
pub fn standard_normal<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| rng.sample::<f32, _>(StandardNormal))
        .collect();
    Tensor::<D>::from_data(TensorData::new(values, shape), device).cast(device.settings().float_dtype)
}

struct Touch;

impl ModuleVisitor for Touch {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// Runs every parameter's lazy initializer now (Burn draws initial weights on first use).
pub fn materialize<M: Module>(module: &M) {
    module.visit(&mut Touch);
}
