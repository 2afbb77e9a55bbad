//! Float parameters in the device's dtype: weights loaded from a file keep the dtype they were
//! stored in, so a model loaded onto an f16/bf16 device is cast to match its activations.

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::tensor::{DType, FloatDType};

struct CastFloats(FloatDType);

impl ModuleMapper for CastFloats {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| {
            if t.dtype() == DType::from(dtype) {
                return t;
            }
            let grad = t.is_require_grad();
            t.cast(dtype).detach().set_require_grad(grad)
        })
    }
}

/// Every float parameter of `module` cast to `dtype` (parameter ids and trainability kept).
pub fn cast_floats<M: Module>(module: M, dtype: FloatDType) -> M {
    module.map(&mut CastFloats(dtype))
}

/// Every float parameter cast to `device`'s default float dtype.
pub fn to_device_dtype<M: Module>(module: M, device: &Device) -> M {
    cast_floats(module, device.settings().float_dtype)
}
