//! Building modified copies of the fixtures in a temporary directory.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors, tensor::TensorView};

pub const TOLERANCE: f32 = 1e-4;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// An owned tensor as stored in a safetensors file.
#[derive(Clone)]
pub struct Raw {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

impl Raw {
    pub fn f32(shape: Vec<usize>, value: f32) -> Self {
        let n: usize = shape.iter().product();
        let bytes = (0..n).flat_map(|_| value.to_le_bytes()).collect();
        Self {
            dtype: Dtype::F32,
            shape,
            bytes,
        }
    }
}

pub fn read_tensors(path: &Path) -> BTreeMap<String, Raw> {
    let bytes = std::fs::read(path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    st.iter()
        .map(|(name, v)| {
            let raw = Raw {
                dtype: v.dtype(),
                shape: v.shape().to_vec(),
                bytes: v.data().to_vec(),
            };
            (name.to_string(), raw)
        })
        .collect()
}

pub fn write_tensors(path: &Path, tensors: &BTreeMap<String, Raw>) {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, raw)| {
            let view = TensorView::new(raw.dtype, raw.shape.clone(), &raw.bytes).unwrap();
            (name.clone(), view)
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

/// A temp copy of fixture `name` (config, reference) whose weights are `edit`ed first.
pub fn edited_copy(name: &str, edit: impl FnOnce(&mut BTreeMap<String, Raw>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["config.json", "reference.safetensors"] {
        std::fs::copy(fixture(name).join(file), dir.path().join(file)).unwrap();
    }
    let mut tensors = read_tensors(&fixture(name).join("model.safetensors"));
    edit(&mut tensors);
    write_tensors(&dir.path().join("model.safetensors"), &tensors);
    dir
}

/// Rewrites `dir/config.json` through `edit`.
pub fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("config.json");
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
}

/// f32 → bf16 (round to nearest even), little endian.
pub fn to_bf16(raw: &Raw) -> Raw {
    let bytes = raw
        .bytes
        .chunks_exact(4)
        .flat_map(|c| {
            let bits = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let rounded = bits + 0x7fff + ((bits >> 16) & 1);
            ((rounded >> 16) as u16).to_le_bytes()
        })
        .collect();
    Raw {
        dtype: Dtype::BF16,
        shape: raw.shape.clone(),
        bytes,
    }
}
