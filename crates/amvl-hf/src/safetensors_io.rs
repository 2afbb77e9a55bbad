//! Reading safetensors files into a name → tensor table that the loaders drain, so that
//! missing, surplus and misshapen tensors are all reported by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::{bf16, f16};
use safetensors::{Dtype, SafeTensors};

use crate::HfError;

struct RawTensor {
    /// The name as written in the file (before any prefix stripping), for messages.
    file_name: String,
    file: PathBuf,
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

/// Tensors read from one or more safetensors files. Loaders `take` each tensor they expect,
/// then call [`finish`](Self::finish) to reject anything left over.
pub struct Checkpoint {
    tensors: BTreeMap<String, RawTensor>,
}

impl Checkpoint {
    /// Reads every tensor of `files` (shards are merged; a name twice is an error).
    pub fn read(files: &[PathBuf]) -> Result<Self, HfError> {
        let mut tensors = BTreeMap::new();
        for file in files {
            let bytes = std::fs::read(file).map_err(|e| HfError::io(file, e))?;
            let parsed = SafeTensors::deserialize(&bytes).map_err(|e| HfError::Safetensors {
                path: file.clone(),
                message: e.to_string(),
            })?;
            for (name, view) in parsed.iter() {
                let raw = RawTensor {
                    file_name: name.to_string(),
                    file: file.clone(),
                    dtype: view.dtype(),
                    shape: view.shape().to_vec(),
                    bytes: view.data().to_vec(),
                };
                if let Some(previous) = tensors.insert(name.to_string(), raw) {
                    return Err(HfError::DuplicateTensor {
                        name: name.to_string(),
                        sources: vec![
                            format!("in `{}`", previous.file.display()),
                            format!("in `{}`", file.display()),
                        ],
                    });
                }
            }
        }
        Ok(Self { tensors })
    }

    /// Reads one safetensors file.
    pub fn read_file(file: &Path) -> Result<Self, HfError> {
        Self::read(&[file.to_path_buf()])
    }

    /// Names still unclaimed, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.tensors.keys().map(String::as_str).collect()
    }

    /// The shape of the unclaimed tensor `name`.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(|raw| raw.shape.as_slice())
    }

    /// Whether an unclaimed tensor is called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Renames `prefix + rest` to `rest`; with `keep_only`, drops every tensor outside `prefix`
    /// (e.g. the text tower of a two-tower checkpoint).
    pub fn strip_prefix(&mut self, prefix: &str, keep_only: bool) -> Result<(), HfError> {
        let tensors = std::mem::take(&mut self.tensors);
        for (name, raw) in tensors {
            let key = match name.strip_prefix(prefix) {
                Some(rest) => rest.to_string(),
                None if keep_only => continue,
                None => name,
            };
            if let Some(previous) = self.tensors.insert(key.clone(), raw) {
                let sources = vec![
                    format!("`{}`", previous.file_name),
                    format!("`{}`", self.tensors[&key].file_name),
                ];
                return Err(HfError::DuplicateTensor { name: key, sources });
            }
        }
        Ok(())
    }

    /// Drops `name` if present (for buffers the model recomputes, like `position_ids`).
    pub fn discard(&mut self, name: &str) {
        self.tensors.remove(name);
    }

    /// Removes `name` and returns it as f32 on `device`; its shape must be `expected`.
    pub fn take<const D: usize>(
        &mut self,
        name: &str,
        expected: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, HfError> {
        let raw = self
            .tensors
            .get(name)
            .ok_or_else(|| HfError::MissingTensor { name: name.to_string() })?;
        if raw.shape != expected {
            return Err(HfError::ShapeMismatch {
                name: raw.file_name.clone(),
                expected: expected.to_vec(),
                found: raw.shape.clone(),
            });
        }
        self.take_any(name, device)
    }

    /// Removes `name` and returns it as f32 on `device`, whatever its shape, as long as it has
    /// `D` dimensions.
    pub fn take_any<const D: usize>(&mut self, name: &str, device: &Device) -> Result<Tensor<D>, HfError> {
        let raw = self
            .tensors
            .remove(name)
            .ok_or_else(|| HfError::MissingTensor { name: name.to_string() })?;
        if raw.shape.len() != D {
            return Err(HfError::RankMismatch {
                name: raw.file_name,
                expected: D,
                found: raw.shape,
            });
        }
        let values = to_f32(&raw)?;
        Ok(Tensor::from_data(TensorData::new(values, raw.shape), device))
    }

    /// Removes `name` and returns it as integers on `device` (reference token ids); it must have
    /// `D` dimensions and an integer dtype (I64, I32, I16, I8, U32, U16, U8).
    pub fn take_int<const D: usize>(&mut self, name: &str, device: &Device) -> Result<Tensor<D, Int>, HfError> {
        let raw = self
            .tensors
            .remove(name)
            .ok_or_else(|| HfError::MissingTensor { name: name.to_string() })?;
        if raw.shape.len() != D {
            return Err(HfError::RankMismatch {
                name: raw.file_name,
                expected: D,
                found: raw.shape,
            });
        }
        let values = to_i64(&raw)?;
        Ok(Tensor::from_data(TensorData::new(values, raw.shape), device))
    }

    /// Whether the unclaimed tensors `a` and `b` hold the same dtype, shape and bytes (a tied
    /// weight saved twice).
    pub fn same_bytes(&self, a: &str, b: &str) -> bool {
        match (self.tensors.get(a), self.tensors.get(b)) {
            (Some(a), Some(b)) => a.dtype == b.dtype && a.shape == b.shape && a.bytes == b.bytes,
            _ => false,
        }
    }

    /// Succeeds only if every tensor was claimed; otherwise lists the rest by file name.
    pub fn finish(self) -> Result<(), HfError> {
        if self.tensors.is_empty() {
            return Ok(());
        }
        Err(HfError::UnexpectedTensors {
            names: self.tensors.into_values().map(|raw| raw.file_name).collect(),
        })
    }
}

fn to_f32(raw: &RawTensor) -> Result<Vec<f32>, HfError> {
    let b = &raw.bytes;
    let values = match raw.dtype {
        Dtype::F32 => b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F16 => b
            .chunks_exact(2)
            .map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
        Dtype::BF16 => b
            .chunks_exact(2)
            .map(|c| bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
        Dtype::F64 => b
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8-byte chunk")) as f32)
            .collect(),
        other => {
            return Err(HfError::UnsupportedDtype {
                name: raw.file_name.clone(),
                dtype: format!("{other:?}"),
            });
        }
    };
    Ok(values)
}

fn to_i64(raw: &RawTensor) -> Result<Vec<i64>, HfError> {
    let b = &raw.bytes;
    let values = match raw.dtype {
        Dtype::I64 => b
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8-byte chunk")))
            .collect(),
        Dtype::I32 => b
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
            .collect(),
        Dtype::U32 => b
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
            .collect(),
        Dtype::I16 => b
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as i64)
            .collect(),
        Dtype::U16 => b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as i64)
            .collect(),
        Dtype::I8 => b.iter().map(|&x| x as i8 as i64).collect(),
        Dtype::U8 => b.iter().map(|&x| x as i64).collect(),
        other => {
            return Err(HfError::NotInteger {
                name: raw.file_name.clone(),
                dtype: format!("{other:?}"),
            });
        }
    };
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(dtype: Dtype, bytes: Vec<u8>) -> RawTensor {
        RawTensor {
            file_name: "t".into(),
            file: PathBuf::new(),
            dtype,
            shape: vec![3],
            bytes,
        }
    }

    #[test]
    fn half_precision_is_widened_exactly() {
        let f16_bits: [u16; 3] = [0x3c00, 0xc100, 0x3800];
        let bf16_bits: [u16; 3] = [0x3f80, 0xc020, 0x3f00];
        let bytes = |bits: [u16; 3]| bits.iter().flat_map(|b| b.to_le_bytes()).collect();
        assert_eq!(to_f32(&raw(Dtype::F16, bytes(f16_bits))).unwrap(), [1.0, -2.5, 0.5]);
        assert_eq!(to_f32(&raw(Dtype::BF16, bytes(bf16_bits))).unwrap(), [1.0, -2.5, 0.5]);
        let f64_bytes = [1.0f64, -2.5, 0.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(to_f32(&raw(Dtype::F64, f64_bytes)).unwrap(), [1.0, -2.5, 0.5]);
    }
}
