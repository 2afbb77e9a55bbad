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

/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, with x³ as products: Burn's
/// `gelu_approximate` takes `powf(x, 3)` per element (and a `powf` again in its backward), which
/// on the CPU cost more than the tanh.
fn gelu_tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    let inner = x.clone() * ((x.clone() * x.clone()) * 0.044715 + 1.0) * SQRT_2_OVER_PI;
    (x * (inner.tanh() + 1.0)) * 0.5
}
