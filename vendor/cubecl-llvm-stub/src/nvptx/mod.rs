//! NVPTX target. Only the driver-to-PTX-version mapping is kept; code generation needs LLVM.

pub mod ptx_version;
