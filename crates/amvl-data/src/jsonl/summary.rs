//! What opening a JSONL dataset read, kept and skipped.

use std::fmt;

/// An item that `--skip-bad` left out.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedItem {
    /// 1-based line number in the JSONL file.
    pub line: usize,
    /// The item's id.
    pub id: String,
    /// Why it was skipped (the image error).
    pub reason: String,
}

/// What `open` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadSummary {
    /// Non-blank lines read.
    pub lines: usize,
    /// Items kept.
    pub loaded: usize,
    /// Items skipped because of bad images (only with `skip_bad`).
    pub skipped: Vec<SkippedItem>,
}

impl fmt::Display for LoadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines, {} items loaded, {} skipped",
            self.lines,
            self.loaded,
            self.skipped.len()
        )?;
        for s in &self.skipped {
            write!(f, "\n  line {} ({}): {}", s.line, s.id, s.reason)?;
        }
        Ok(())
    }
}
