//! Offline stub of `cubecl-llvm` 0.11.3.
//!
//! The real crate lowers CubeCL kernels through pliron and LLVM (to PTX, AMDGPU code objects or a
//! CPU JIT) and downloads an LLVM bundle in its build script. This stand-in has the public items
//! `cubecl-cuda` (and `cubecl-hip`) name, so those crates compile without LLVM:
//!
//! - pure data/logic that the runtimes call whatever backend they run ([`nvptx::ptx_version`],
//!   [`shared::lowered_features`]) behaves like upstream;
//! - anything that would compile through LLVM ([`PlironCompiler`]'s `compile`) returns
//!   [`LLVM_UNAVAILABLE`] as a compilation error.
//!
//! The CUDA backend must therefore run its C++/NVRTC compiler: enable `cubecl-cuda/cpp`
//! (without it `CudaBackend::default()` is the LLVM backend and every kernel fails to compile).

pub mod cpu;
#[cfg(feature = "nvptx")]
pub mod nvptx;
pub mod shared;
pub mod target;

pub use cpu::PlironEngine;
#[cfg(feature = "amdgpu")]
pub use shared::AmdGpuModule;
#[cfg(feature = "nvptx")]
pub use shared::NvptxModule;
pub use shared::{PlironArtifact, PlironCompiler, PlironOptions};
pub use target::LlvmTarget;

/// What every entry point that would need LLVM reports.
pub const LLVM_UNAVAILABLE: &str = "the LLVM/pliron compiler is not in this build (cubecl-llvm is \
     the offline stub in vendor/cubecl-llvm-stub); the CUDA backend uses the NVRTC (cpp) path: \
     build with `cubecl-cuda/cpp` enabled";
