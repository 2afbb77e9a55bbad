use serde::{Deserialize, Serialize};

/// What fills the latent slots of the decode pass during training.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum LatentPath {
    /// A sample z ~ q(z|x,y), injected (the variational objectives).
    #[default]
    Posterior,
    /// z = μ of p(z|x), injected, trained end to end by NTP (no posterior).
    PriorMean,
    /// The learned slot embeddings themselves, no z at all (pause tokens).
    Slots,
}
