//! Narrowing a GPU device's advertised features to what upstream's LLVM backend lowers.
//!
//! `cubecl-cuda`/`cubecl-hip` call [`restrict_features`] only when their LLVM backend is the
//! selected one. With this stub the LLVM backend cannot compile anything, but the narrowing is
//! kept faithful so the advertised properties are the same as with the real crate.

#[cfg(feature = "amdgpu")]
use cubecl_core::ir::amd::AmdWmma;
use cubecl_core::ir::{ComplexKind, DeviceProperties, ElemType, FloatKind, OpaqueType};
#[cfg(feature = "nvptx")]
use cubecl_core::ir::{IntKind, UIntKind};

const F16: ElemType = ElemType::Float(FloatKind::F16);
const BF16: ElemType = ElemType::Float(FloatKind::BF16);
const F32: ElemType = ElemType::Float(FloatKind::F32);

/// The GPU target a device's features are narrowed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuTarget {
    #[cfg(feature = "nvptx")]
    Nvptx,
    /// `wmma` is the part's WMMA generation, `None` on a part without one.
    #[cfg(feature = "amdgpu")]
    AmdGpu { wmma: Option<AmdWmma> },
}

/// Narrows `props` to what the LLVM backend lowers for `target`.
pub fn restrict_features(props: &mut DeviceProperties, target: GpuTarget) {
    match target {
        #[cfg(feature = "nvptx")]
        GpuTarget::Nvptx => retain_nvptx_matrix_forms(props),
        #[cfg(feature = "amdgpu")]
        GpuTarget::AmdGpu { wmma } => retain_amdgpu_matrix_forms(props, wmma),
    }
    remove_unlowered_features(props);
}

/// NVPTX: WMMA (`cmma`) and `mma.sync` forms with f16/bf16/tf32 operands, plus 8-bit integer
/// `mma` accumulating in i32.
#[cfg(feature = "nvptx")]
fn retain_nvptx_matrix_forms(props: &mut DeviceProperties) {
    let tf32 = ElemType::Float(FloatKind::TF32);
    let is_byte = |ty: ElemType| {
        matches!(ty, ElemType::Int(IntKind::I8) | ElemType::UInt(UIntKind::U8))
    };
    let matmul = &mut props.features.matmul;

    matmul.cmma.retain(|c| {
        let (a, b, cd) = (c.a_type, c.b_type, c.cd_type);
        (a == F16 && b == F16 && (cd == F16 || cd == F32))
            || (a == BF16 && b == BF16 && cd == F32)
            || (a == tf32 && b == tf32 && cd == F32 && (c.m, c.n, c.k) == (16, 16, 8))
    });
    matmul.mma.retain(|c| {
        let (a, b, cd) = (c.a_type, c.b_type, c.cd_type);
        ((a == F16 || a == BF16) && b == a && cd == F32)
            || (is_byte(a) && is_byte(b) && cd == ElemType::Int(IntKind::I32))
            || (a == tf32 && b == tf32 && cd == F32 && (c.m, c.n) == (16, 8) && matches!(c.k, 4 | 8))
    });
}

/// AMDGPU: RDNA WMMA with f16/bf16 operands accumulating in their own type or f32.
#[cfg(feature = "amdgpu")]
fn retain_amdgpu_matrix_forms(props: &mut DeviceProperties, wmma: Option<AmdWmma>) {
    let lowered = |a: ElemType, b: ElemType, cd: ElemType| {
        wmma.is_some() && (a == F16 || a == BF16) && b == a && (cd == a || cd == F32)
    };
    let matmul = &mut props.features.matmul;
    matmul.cmma.retain(|c| lowered(c.a_type, c.b_type, c.cd_type));
    matmul.mma.retain(|c| lowered(c.a_type, c.b_type, c.cd_type));
}

/// Features neither GPU target of the LLVM backend lowers.
fn remove_unlowered_features(props: &mut DeviceProperties) {
    let matmul = &mut props.features.matmul;
    matmul.cube_mma = Default::default();
    matmul.scaled_mma = Default::default();
    matmul.cmma_tensor_addressing = false;
    if matmul.cmma.is_empty() && matmul.mma.is_empty() {
        props.hardware.num_tensor_cores = None;
        props.hardware.min_tensor_cores_dim = None;
    }

    // TMA, clusters, async copies and the barriers behind them.
    props.features.tma = Default::default();
    props.features.cube_cluster = false;
    props.features.copy_async = false;
    let types = &mut props.features.types;
    types.opaque.remove(&OpaqueType::TensorMap);
    types.opaque.remove(&OpaqueType::Barrier);

    // No bf16 atomics and no vectorized atomics.
    types
        .atomic
        .retain(|ty, _| ty.elem_type() != BF16 && ty.vector_size() == 1);

    // Complex numbers.
    types.complex.clear();
    for kind in [ComplexKind::C32, ComplexKind::C64] {
        types.elem.remove(&ElemType::Complex(kind));
    }
}
