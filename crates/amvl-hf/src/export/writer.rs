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
        write_file(path, &bytes)
    }
}

/// Writes `bytes` to `path` through a synced temporary file and a rename: a full disk or a crash
/// leaves the previous file or none, never part of one.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), HfError> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        HfError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes the folder's `manifest.json` over `files` (sizes and SHA-256s), last.
pub(crate) fn write_manifest(dir: &Path, files: &[&str]) -> Result<(), HfError> {
    amvl_core::manifest::Manifest::of_files(dir, files)?.write(dir)?;
    Ok(())
}

/// Creates `dir` if needed and writes `json` to `dir/name`, pretty-printed.
pub(crate) fn write_json(dir: &Path, name: &str, json: &serde_json::Value) -> Result<(), HfError> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(json).expect("JSON values serialise");
    write_file(&path, (text + "\n").as_bytes())
}

/// Creates `dir` (and its parents) if needed.
pub(crate) fn create_dir(dir: &Path) -> Result<(), HfError> {
    std::fs::create_dir_all(dir).map_err(|source| HfError::Write {
        path: dir.to_path_buf(),
        source,
    })
}
