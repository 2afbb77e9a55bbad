//! Mixed precision with f32 master weights (`train.precision = "bf16-mixed"`, Lightning's name):
//! the parameters and AdamW's moments stay in f32; each step runs its forward and backward passes
//! on a bf16 copy of the model (matmuls and attention in bf16 on a device whose float dtype is
//! bf16; the NTP and KL terms are computed in f32 by the loss), and the bf16 gradients are cast
//! to f32 before the update. Pure bf16 (`--dtype bf16` alone) keeps everything in bf16.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::FloatDType;
use serde::{Deserialize, Serialize};

/// How the parameters and the step's arithmetic are held.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// Everything in the device's float dtype (f32, or pure bf16 with `--dtype bf16`).
    #[default]
    #[serde(rename = "device")]
    Device,
    /// f32 master parameters and optimizer state, forward and backward in bf16.
    #[serde(rename = "bf16-mixed")]
    Bf16Mixed,
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "device" | "f32" => Ok(Precision::Device),
            "bf16-mixed" => Ok(Precision::Bf16Mixed),
            other => Err(format!("unknown precision `{other}`; expected bf16-mixed or f32")),
        }
    }
}

impl Precision {
    /// The dtype the master parameters are kept in (`None`: the device's).
    pub fn master_dtype(self) -> Option<FloatDType> {
        match self {
            Precision::Device => None,
            Precision::Bf16Mixed => Some(FloatDType::F32),
        }
    }

    /// The bf16 copy of `master` the step's passes run on when mixed (same parameter ids,
    /// trainable leaves, so the gradients come back under the master's ids); `None`: `master`
    /// itself.
    pub fn compute_model<M: Module>(self, master: &M) -> Option<M> {
        match self {
            Precision::Device => None,
            Precision::Bf16Mixed => Some(amvl_core::cast_floats(master.clone(), FloatDType::BF16)),
        }
    }

    /// `grads` in the master parameters' dtypes (the identity unless mixed).
    pub fn master_gradients<M: Module>(self, grads: GradientsParams, master: &M) -> GradientsParams {
        if self == Precision::Device {
            return grads;
        }
        let mut cast = CastGradients { grads };
        master.visit(&mut cast);
        cast.grads
    }
}

struct CastGradients {
    grads: GradientsParams,
}

impl ModuleVisitor for CastGradients {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            let dtype = param.val().dtype();
            self.grads.register(param.id, grad.cast(dtype));
        }
    }
}
