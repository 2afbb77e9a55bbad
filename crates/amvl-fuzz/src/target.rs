//! What a fuzz target is: valid seed inputs, a few hostile ones, and the reader run on bytes.

use std::path::Path;

/// The readers fuzzed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Jsonl,
    Blink,
    Config,
    Safetensors,
    Tokenizer,
    Png,
    Jpeg,
    Checkpoint,
    GenerateImage,
}

impl TargetKind {
    pub const ALL: [TargetKind; 9] = [
        TargetKind::Jsonl,
        TargetKind::Blink,
        TargetKind::Config,
        TargetKind::Safetensors,
        TargetKind::Tokenizer,
        TargetKind::Png,
        TargetKind::Jpeg,
        TargetKind::Checkpoint,
        TargetKind::GenerateImage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Jsonl => "jsonl",
            TargetKind::Blink => "blink",
            TargetKind::Config => "config",
            TargetKind::Safetensors => "safetensors",
            TargetKind::Tokenizer => "tokenizer",
            TargetKind::Png => "png",
            TargetKind::Jpeg => "jpeg",
            TargetKind::Checkpoint => "checkpoint",
            TargetKind::GenerateImage => "generate_image",
        }
    }
}

impl std::str::FromStr for TargetKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TargetKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            let names: Vec<&str> = TargetKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown fuzz target `{s}`; expected one of {}", names.join(", "))
        })
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One reader under test. `run` gets the case's bytes and an empty scratch folder of its own;
/// its error (any message) counts as a handled case.
pub trait Target: Send + Sync {
    fn kind(&self) -> TargetKind;
    /// Valid inputs the cases are mutated from (at least one).
    fn seeds(&self) -> Vec<Vec<u8>>;
    /// Hand-written hostile inputs, by name, run once each; the reader must refuse every one.
    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String>;
}
