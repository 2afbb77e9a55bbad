use serde::{Deserialize, Serialize};

/// Where z comes from when an answer is scored.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Condition {
    /// μ of the prior (the default inference).
    PriorMean,
    /// A sample of the prior at temperature τ.
    PriorSample { tau: f64 },
    /// μ of the posterior, which has seen the answer.
    PosteriorMean,
    /// z = 0.
    Zero,
    /// Each slot's z permuted across the batch independently.
    Shuffled,
    /// The latent block left out of the sequence.
    Removed,
    /// The whole z of another question (the next item of the batch).
    Swapped,
}

impl Condition {
    pub fn label(&self) -> String {
        match self {
            Condition::PriorMean => "prior_mean".into(),
            Condition::PriorSample { tau } => format!("prior_tau_{tau}"),
            Condition::PosteriorMean => "posterior_mean".into(),
            Condition::Zero => "zero".into(),
            Condition::Shuffled => "shuffled".into(),
            Condition::Removed => "removed".into(),
            Condition::Swapped => "swapped".into(),
        }
    }
}
