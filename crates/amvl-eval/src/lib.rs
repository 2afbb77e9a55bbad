//! Evaluation of AMVL models (owns the evaluator and `eval.json`/`eval.md` of a run folder):
//! accuracy with z from the prior (mean and τ-sampled, scored by the generated letter
//! and by option likelihood), answer leakage (posterior vs prior, KL per slot, linear probes),
//! and whether the latents matter (zeroed, shuffled, removed, swapped z; latent vs token norms).

mod conditions;
mod content;
mod error;
mod evaluator;
mod probe;
mod report;
mod run_eval;
mod significance;

pub use conditions::Condition;
pub use content::{ContentProbe, ContentProbes};
pub use error::EvalError;
pub use evaluator::{EvalOptions, evaluate};
pub use probe::probe_accuracy;
pub use report::{EvalReport, TaskReport};
pub use run_eval::run_eval;
pub use significance::{ABOVE_CHANCE_LEVEL, binomial_upper_tail};
