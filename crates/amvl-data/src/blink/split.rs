//! [`BlinkSplit`]: the two released BLINK splits.

use std::fmt;
use std::str::FromStr;

use crate::error::DataError;

/// The two released BLINK splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlinkSplit {
    /// Answers given.
    Val,
    /// Answers hidden: every item is unscorable.
    Test,
}

impl BlinkSplit {
    /// `val` or `test`, the prefix of the split's parquet files.
    pub fn name(self) -> &'static str {
        match self {
            BlinkSplit::Val => "val",
            BlinkSplit::Test => "test",
        }
    }
}

impl fmt::Display for BlinkSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BlinkSplit {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "val" | "validation" => Ok(BlinkSplit::Val),
            "test" => Ok(BlinkSplit::Test),
            other => Err(DataError::UnknownName {
                kind: "BLINK split",
                given: other.into(),
                expected: "val, test".into(),
            }),
        }
    }
}
