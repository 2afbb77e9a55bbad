//! The special tokens every AMVL tokenizer carries, in id order for tokenizers we train.

pub const PAD: &str = "<pad>";
pub const BOS: &str = "<bos>";
pub const EOS: &str = "<eos>";
pub const IMAGE: &str = "<image>";
pub const LATENT: &str = "<lat>";
pub const LATENT_START: &str = "<lat_start>";
pub const LATENT_END: &str = "<lat_end>";
pub const ANSWER: &str = "<answer>";
pub const RATIONALE: &str = "<rationale>";
pub const UNKNOWN: &str = "<unk>";

pub const ALL: [&str; 10] = [
    PAD,
    BOS,
    EOS,
    UNKNOWN,
    IMAGE,
    LATENT,
    LATENT_START,
    LATENT_END,
    ANSWER,
    RATIONALE,
];
