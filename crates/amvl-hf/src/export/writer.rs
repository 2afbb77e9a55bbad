//! Collecting named tensors in PyTorch layout and writing them as one f32 safetensors file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use safetensors::Dtype;
use safetensors::tensor::TensorView;

use crate::HfError;

/// Tensors to write, by HF name, as little-endian f32.
#[derive(Default)]
pub(crate) struct TensorWriter {
    tensors: BTreeMap<String, (Vec<usize>, Vec<u8>)>,
}

impl TensorWriter {
    /// Adds `tensor` as it is (any float dtype; stored as f32).
    pub fn tensor<const D: usize>(&mut self, name: &str, tensor: Tensor<D>) {
        let shape = tensor.dims().to_vec();
        let bytes = tensor.into_data().iter::<f32>().flat_map(f32::to_le_bytes).collect();
        self.tensors.insert(name.to_string(), (shape, bytes));
    }

    /// A parameter already in PyTorch's layout.
    pub fn param<const D: usize>(&mut self, name: &str, param: &Param<Tensor<D>>) {
        self.tensor(name, param.val());
    }

    /// `{p}.weight` [d_out, d_in] (burn's [d_in, d_out] transposed) and `{p}.bias` if any.
    pub fn linear(&mut self, p: &str, linear: &Linear) {
        self.tensor(&format!("{p}.weight"), linear.weight.val().transpose());
        if let Some(bias) = &linear.bias {
            self.param(&format!("{p}.bias"), bias);
        }
    }

    /// Writes every tensor to `path`, with transformers' `{"format": "pt"}` metadata.
    pub fn write(&self, path: &Path) -> Result<(), HfError> {
        let views = self
            .tensors
            .iter()
            .map(|(name, (shape, bytes))| {
                let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("f32 bytes match their shape");
                (name.clone(), view)
            })
            .collect::<Vec<_>>();
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        let bytes = safetensors::serialize(views, Some(metadata)).map_err(|e| HfError::Safetensors {
            path: path.into(),
            message: e.to_string(),
        })?;
        std::fs::write(path, bytes).map_err(|e| HfError::io(path, e))
    }
}

/// Creates `dir` if needed and writes `json` to `dir/name`, pretty-printed.
pub(crate) fn write_json(dir: &Path, name: &str, json: &serde_json::Value) -> Result<(), HfError> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(json).expect("JSON values serialise");
    std::fs::write(&path, text + "\n").map_err(|e| HfError::io(&path, e))
}

/// Creates `dir` (and its parents) if needed.
pub(crate) fn create_dir(dir: &Path) -> Result<(), HfError> {
    std::fs::create_dir_all(dir).map_err(|e| HfError::io(dir, e))
}
