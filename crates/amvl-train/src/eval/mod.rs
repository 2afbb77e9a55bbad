//! Evaluation: accuracy with z from the prior (mean and τ-sampled, scored by the generated letter
//! and by option likelihood), answer leakage (posterior vs prior, KL per slot, linear probes),
//! and whether the latents matter (zeroed, shuffled, removed, swapped z; latent vs token norms).

mod conditions;
mod content;
mod evaluator;
mod probe;
mod report;
mod significance;

pub use conditions::Condition;
pub use content::{ContentProbe, ContentProbes};
pub use evaluator::{EvalOptions, evaluate};
pub use probe::probe_accuracy;
pub use report::{EvalReport, TaskReport};
pub use significance::{ABOVE_CHANCE_LEVEL, binomial_upper_tail};
