//! The PTX ISA version the LLVM backend would emit for the installed driver.
//!
//! `cubecl-cuda` computes it at device start for any backend (it is part of the compilation
//! options and of the LLVM backend's kernel-cache namespace), so this is real logic, not a stub.

use core::fmt;
use std::ffi::CString;

/// A PTX ISA version, spelled as the NVPTX target feature does: PTX 8.7 is `87`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PtxVersion(u32);

impl PtxVersion {
    /// The newest PTX version a CUDA driver loads, from the version `cuDriverGetVersion` reports
    /// (`12080` for 12.8). `None` for drivers older than CUDA 10.0.
    pub fn for_driver(driver: i32) -> Option<Self> {
        FIRST_DRIVER_FOR_PTX
            .iter()
            .find(|&&(first, _)| driver >= first)
            .map(|&(_, ptx)| PtxVersion(ptx))
    }

    /// The NVPTX target feature selecting this version, e.g. `+ptx87`.
    pub fn target_feature(self) -> CString {
        CString::new(format!("+{self}")).expect("a PTX feature name has no NUL byte")
    }
}

impl fmt::Display for PtxVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ptx{}", self.0)
    }
}

/// (first CUDA driver version, PTX ISA version it introduced), newest first. Capped at PTX 9.3,
/// the newest upstream's LLVM emits; newer drivers still load it. Same table as upstream, which
/// follows clang's mapping.
const FIRST_DRIVER_FOR_PTX: &[(i32, u32)] = &[
    (13030, 93),
    (13020, 92),
    (13010, 91),
    (13000, 90),
    (12090, 88),
    (12080, 87),
    (12050, 85),
    (12040, 84),
    (12030, 83),
    (12020, 82),
    (12010, 81),
    (12000, 80),
    (11080, 78),
    (11070, 77),
    (11060, 76),
    (11050, 75),
    (11040, 74),
    (11030, 73),
    (11020, 72),
    (11010, 71),
    (11000, 70),
    (10020, 65),
    (10010, 64),
    (10000, 63),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_drivers_to_the_newest_loadable_ptx() {
        assert_eq!(PtxVersion::for_driver(13000), Some(PtxVersion(90)));
        assert_eq!(PtxVersion::for_driver(12080), Some(PtxVersion(87)));
        assert_eq!(PtxVersion::for_driver(12060), Some(PtxVersion(85)));
        assert_eq!(PtxVersion::for_driver(13050), Some(PtxVersion(93)));
        assert_eq!(PtxVersion::for_driver(9020), None);
    }

    #[test]
    fn display_and_target_feature() {
        assert_eq!(PtxVersion(90).to_string(), "ptx90");
        assert_eq!(PtxVersion(87).target_feature().as_c_str(), c"+ptx87");
    }
}
