//! The CPU JIT of upstream (`PlironEngine`) needs LLVM's ORC JIT. The stub keeps the type so
//! [`PlironArtifact::Jit`](crate::PlironArtifact::Jit) exists, but it cannot be constructed.
//! `cubecl-cpu` (burn's `cpu` backend) does not build against this stub.

use core::convert::Infallible;
use core::fmt;

/// A compiled CPU kernel upstream; uninhabited here.
#[derive(Clone, Debug)]
pub struct PlironEngine {
    never: Infallible,
}

impl PlironEngine {
    /// Buffer access modes in binding order (unreachable: no value of this type exists).
    pub fn buffer_io(&self) -> &[cubecl_runtime::kernel::BufferIOAttr] {
        match self.never {}
    }
}

impl fmt::Display for PlironEngine {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.never {}
    }
}
