use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What the posterior pass sees before the latent slots (`[model] posterior_input`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetMode {
    /// The answer alone, as in the paper.
    #[default]
    Answer,
    /// `<rationale> rationale`: the reasoning chain without its answer (a teacher posterior that
    /// knows the steps, not the result).
    Rationale,
    /// `<rationale> rationale <answer> answer`.
    RationaleAnswer,
}

impl FromStr for TargetMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "answer" => Ok(TargetMode::Answer),
            "rationale" => Ok(TargetMode::Rationale),
            "rationale_answer" | "rationale-answer" => Ok(TargetMode::RationaleAnswer),
            other => Err(format!(
                "unknown posterior input `{other}`; expected answer, rationale, rationale_answer"
            )),
        }
    }
}
