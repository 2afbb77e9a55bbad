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
    /// The latent-causality controls, in the order reports show them.
    pub const CONTROLS: [Condition; 4] = [
        Condition::Zero,
        Condition::Shuffled,
        Condition::Swapped,
        Condition::Removed,
    ];

    /// The key of its scores in `eval.json` (`prior_mean`, `prior_tau_0.2`, …).
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

    /// The condition a label of [`label`](Self::label) names (None: not a condition label).
    pub fn parse(label: &str) -> Option<Condition> {
        let tau = label.strip_prefix("prior_tau_").and_then(|t| t.parse::<f64>().ok());
        match label {
            "prior_mean" => Some(Condition::PriorMean),
            "posterior_mean" => Some(Condition::PosteriorMean),
            "zero" => Some(Condition::Zero),
            "shuffled" => Some(Condition::Shuffled),
            "removed" => Some(Condition::Removed),
            "swapped" => Some(Condition::Swapped),
            _ => tau.map(|tau| Condition::PriorSample { tau }),
        }
    }

    /// Where tables show it: prior mean, τ-samples, posterior mean, then the controls.
    pub fn rank(&self) -> usize {
        match self {
            Condition::PriorMean => 0,
            Condition::PriorSample { .. } => 1,
            Condition::PosteriorMean => 2,
            Condition::Zero => 3,
            Condition::Shuffled => 4,
            Condition::Swapped => 5,
            Condition::Removed => 6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Condition;

    #[test]
    fn labels_parse_back() {
        let all = [
            Condition::PriorMean,
            Condition::PriorSample { tau: 0.2 },
            Condition::PosteriorMean,
            Condition::Zero,
            Condition::Shuffled,
            Condition::Removed,
            Condition::Swapped,
        ];
        for c in all {
            assert_eq!(Condition::parse(&c.label()), Some(c));
        }
        assert_eq!(Condition::parse("prior_tau_x"), None);
    }
}
