//! One multiple-choice item, whatever its source.

use image::RgbImage;
use std::collections::BTreeMap;

/// The option letters, in order. Items have at most this many options.
pub const LETTERS: [char; 8] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/// Largest number of options an item may have.
pub const MAX_OPTIONS: usize = LETTERS.len();

/// One multiple-choice visual question.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Unique id within its dataset.
    pub id: String,
    /// Task name (`counting`, …, or a BLINK sub-task such as `Counting`).
    pub task: String,
    /// 1..=4 RGB images, of any size (the batcher resizes them).
    pub images: Vec<image::RgbImage>,
    /// The question, without the options.
    pub question: String,
    /// The options' texts, without letters (2..=8 of them).
    pub options: Vec<String>,
    /// Index of the right option; `None` when the answer is hidden (BLINK test): unscorable.
    pub answer: Option<usize>,
    /// Ground-truth reasoning steps as short text, when known.
    pub rationale: Option<String>,
    /// Named class labels of what the reasoning passes through (e.g. `hop1` = the node reached
    /// after one link), for the evaluation's linear probes of the latents. Empty when unknown.
    pub probes: BTreeMap<String, usize>,
}

impl Item {
    /// The answer letter (`'B'`), if the answer is known.
    pub fn answer_letter(&self) -> Option<char> {
        self.answer.and_then(|a| LETTERS.get(a).copied())
    }

    /// The options as shown to the model: `(A) first (B) second …`.
    pub fn options_text(&self) -> String {
        self.options
            .iter()
            .zip(LETTERS)
            .map(|(o, l)| format!("({l}) {o}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The question followed by its options, as the model reads it (without `<bos>`).
    pub fn prompt(&self) -> String {
        format!("{} {}", self.question, self.options_text())
    }

    /// Whether the item has a known answer.
    pub fn is_scorable(&self) -> bool {
        self.answer.is_some()
    }

    /// Sizes of the images, for diagnostics.
    pub fn image_sizes(&self) -> Vec<(u32, u32)> {
        self.images.iter().map(RgbImage::dimensions).collect()
    }
}

/// Parses an answer given as `B`, `(B)`, `b` or ` (B) ` into an option index.
/// Returns `None` if it is not a letter form.
pub fn parse_letter(s: &str) -> Option<usize> {
    let t = s.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(t)
        .trim();
    let mut chars = t.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let c = c.to_ascii_uppercase();
    LETTERS.iter().position(|l| *l == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_parse() {
        assert_eq!(parse_letter("B"), Some(1));
        assert_eq!(parse_letter("(C)"), Some(2));
        assert_eq!(parse_letter(" (a) "), Some(0));
        assert_eq!(parse_letter("hidden"), None);
        assert_eq!(parse_letter("(Z)"), None);
        assert_eq!(parse_letter(""), None);
    }
}
