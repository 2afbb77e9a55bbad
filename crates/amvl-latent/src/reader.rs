use serde::{Deserialize, Serialize};

/// What the posterior head q(z|x,y) reads besides the hidden states at its slots.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum PosteriorReader {
    /// The slot states alone: y reaches q only through the slots' attention to it, one token
    /// among the whole prefix.
    Slots,
    /// The slot states and the masked mean of y's hidden states from the same pass, through its
    /// own input layer.
    SlotsAndStates,
    /// The slot states and the masked mean of y's token embeddings, scaled to unit RMS, through
    /// its own input layer: q depends on y strongly from the first step.
    #[default]
    SlotsAndTokens,
}

impl PosteriorReader {
    /// Whether the posterior head has a second input (a summary of y).
    pub fn reads_target(self) -> bool {
        self != PosteriorReader::Slots
    }
}
