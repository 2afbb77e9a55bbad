//! `--device flex|wgpu|vulkan|cuda[:N]`: picks a compiled-in backend at run time.

use burn::tensor::{Device, FloatDType};

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("unknown device `{given}`; expected one of: flex, wgpu[:N], vulkan[:N], cuda[:N]")]
    Unknown { given: String },
    #[error(
        "device `{given}` needs the `{feature}` Cargo feature; rebuild with `--features {feature}` \
         (this binary has: {compiled})"
    )]
    NotCompiled {
        given: String,
        feature: &'static str,
        compiled: String,
    },
    #[error("bad device index in `{given}`: {reason}")]
    BadIndex { given: String, reason: String },
    #[error("unknown float dtype `{0}`; expected f32, f16 or bf16")]
    UnknownDType(String),
    #[error("{device} cannot compute in {dtype}: {reason}")]
    DType {
        device: String,
        dtype: String,
        reason: String,
    },
}

/// `f32`, `f16` or `bf16`.
pub fn parse_float_dtype(spec: &str) -> Result<FloatDType, DeviceError> {
    match spec.trim().to_ascii_lowercase().as_str() {
        "f32" | "fp32" | "float32" => Ok(FloatDType::F32),
        "f16" | "fp16" | "float16" | "half" => Ok(FloatDType::F16),
        "bf16" | "bfloat16" => Ok(FloatDType::BF16),
        _ => Err(DeviceError::UnknownDType(spec.to_string())),
    }
}

/// Makes `dtype` the default float type of `device` (parameters, activations, gradients).
/// Call it before any tensor is created on the device; f32 is the default and needs no call.
pub fn set_float_dtype(device: &mut Device, name: &str, dtype: FloatDType) -> Result<(), DeviceError> {
    if device.settings().float_dtype == dtype {
        return Ok(());
    }
    let fail = |reason: String| DeviceError::DType {
        device: name.to_string(),
        dtype: format!("{dtype:?}").to_lowercase(),
        reason,
    };
    if !device.supports_dtype(dtype) {
        return Err(fail("the backend does not support it".into()));
    }
    device
        .configure(dtype)
        .map_err(|e| fail(format!("{e:?} (set it before any tensor is made on the device)")))
}

/// The backends compiled into this binary, in the order `parse_device` accepts them.
pub fn available_device_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    if cfg!(feature = "vulkan") {
        names.push("vulkan");
    }
    if cfg!(feature = "cuda") {
        names.push("cuda");
    }
    names
}

/// Parses `flex`, `wgpu`, `wgpu:N`, `vulkan`, `vulkan:N`, `cuda`, `cuda:N`.
pub fn parse_device(spec: &str) -> Result<Device, DeviceError> {
    let spec = spec.trim();
    let (name, index) = match spec.split_once(':') {
        Some((n, i)) => {
            let idx: usize = i.parse().map_err(|e| DeviceError::BadIndex {
                given: spec.to_string(),
                reason: format!("{e}"),
            })?;
            (n, Some(idx))
        }
        None => (spec, None),
    };
    let not_compiled = |feature: &'static str| DeviceError::NotCompiled {
        given: spec.to_string(),
        feature,
        compiled: available_device_names().join(", "),
    };
    let _ = index;
    match name.to_ascii_lowercase().as_str() {
        "flex" | "cpu" => {
            if index.is_some() {
                return Err(DeviceError::BadIndex {
                    given: spec.to_string(),
                    reason: "flex has a single device".into(),
                });
            }
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[allow(unreachable_code)]
            Err(not_compiled("flex"))
        }
        "wgpu" => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(wgpu_kind(index)));
            #[allow(unreachable_code)]
            Err(not_compiled("wgpu"))
        }
        "vulkan" => {
            #[cfg(feature = "vulkan")]
            return Ok(Device::vulkan(wgpu_kind(index)));
            #[allow(unreachable_code)]
            Err(not_compiled("vulkan"))
        }
        "cuda" => {
            #[cfg(feature = "cuda")]
            return Ok(match index {
                Some(i) => Device::cuda(i),
                None => Device::cuda(burn::tensor::DeviceIndex::Default),
            });
            #[allow(unreachable_code)]
            Err(not_compiled("cuda"))
        }
        _ => Err(DeviceError::Unknown {
            given: spec.to_string(),
        }),
    }
}

#[cfg(any(feature = "wgpu", feature = "vulkan"))]
fn wgpu_kind(index: Option<usize>) -> burn::tensor::DeviceKind {
    match index {
        Some(i) => burn::tensor::DeviceKind::DiscreteGpu(i),
        None => burn::tensor::DeviceKind::DefaultDevice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_device_is_named() {
        let err = parse_device("tpu").unwrap_err().to_string();
        assert!(err.contains("`tpu`"), "{err}");
    }

    #[test]
    fn bad_index_is_reported() {
        let err = parse_device("cuda:x").unwrap_err().to_string();
        assert!(err.contains("cuda:x"), "{err}");
    }

    #[test]
    fn float_dtypes_parse_and_unknown_ones_are_named() {
        assert_eq!(parse_float_dtype("bf16").unwrap(), FloatDType::BF16);
        assert_eq!(parse_float_dtype("F16").unwrap(), FloatDType::F16);
        let err = parse_float_dtype("f8").unwrap_err().to_string();
        assert!(err.contains("`f8`"), "{err}");
    }

    #[cfg(feature = "flex")]
    #[test]
    fn flex_parses() {
        assert!(parse_device("flex").is_ok());
    }
}
