use burn::prelude::*;
use burn::tensor::activation::{gelu, sigmoid};
use serde::{Deserialize, Serialize};

/// The MLP activation, spelled as Hugging Face's `hidden_act`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HiddenAct {
    /// tanh-approximated GELU (SigLIP).
    #[default]
    #[serde(rename = "gelu_pytorch_tanh")]
    GeluPytorchTanh,
    /// Exact erf GELU.
    #[serde(rename = "gelu")]
    Gelu,
    /// `x * sigmoid(1.702 x)` (OpenAI CLIP).
    #[serde(rename = "quick_gelu")]
    QuickGelu,
}

impl HiddenAct {
    /// Every accepted `hidden_act` spelling.
    pub const NAMES: [&'static str; 3] = ["gelu_pytorch_tanh", "gelu", "quick_gelu"];

    /// Parses a Hugging Face `hidden_act` value.
    pub fn from_hf_name(name: &str) -> Option<Self> {
        match name {
            "gelu_pytorch_tanh" | "gelu_new" | "gelu_fast" => Some(Self::GeluPytorchTanh),
            "gelu" => Some(Self::Gelu),
            "quick_gelu" => Some(Self::QuickGelu),
            _ => None,
        }
    }

    /// Element-wise; any shape.
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::GeluPytorchTanh => gelu_tanh(x),
            Self::Gelu => gelu(x),
            Self::QuickGelu => x.clone() * sigmoid(x * 1.702),
        }
    }
}

/// `0.5·x·(1 + tanh(u))` with `u = √(2/π)·(x + 0.044715·x³)`, computed as the identical
/// `x·sigmoid(2u)`: one sigmoid (an `exp`) instead of a `tanh` (glibc's scalar `tanhf` costs about
/// twice an `expf`, and autodiff evaluates it again in the backward pass), two ops fewer, and x³
/// as products (Burn's `gelu_approximate` takes `powf(x, 3)` per element, forward and backward).
fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const TWO_SQRT_2_OVER_PI: f64 = 2.0 * 0.797_884_560_802_865_4;
    let u2 = x.clone() * ((x.clone() * x.clone()) * 0.044715 + 1.0) * TWO_SQRT_2_OVER_PI;
    x * sigmoid(u2)
}
