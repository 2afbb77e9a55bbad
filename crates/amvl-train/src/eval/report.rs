use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Scores of one task on one split.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct TaskReport {
    pub task: String,
    pub split: String,
    /// Items evaluated.
    pub items: usize,
    /// Items with a known answer (the others, e.g. BLINK test, are unscorable).
    pub scorable: usize,
    /// Chance accuracy (mean of 1 / number of options).
    pub chance: f64,
    /// Accuracy by generated letter, per condition label (`prior_mean`, `prior_tau_0.2`, …).
    pub accuracy: BTreeMap<String, f64>,
    /// Accuracy by highest-likelihood option, per condition label.
    pub likelihood_accuracy: BTreeMap<String, f64>,
    /// Posterior-mean accuracy minus prior-mean accuracy: how much the posterior's
    /// answer knowledge fails to reach the prior.
    pub leakage_gap: Option<f64>,
    /// Mean KL(q‖p) per slot on these items.
    pub kl_per_slot: Vec<f64>,
    /// Held-out accuracy of a linear probe answer ← posterior mean / prior mean.
    pub probe_posterior: Option<f64>,
    pub probe_prior: Option<f64>,
    /// Mean L2 norm of the injected latent vectors (prior mean) and of token embeddings.
    pub latent_norm: Option<f64>,
    pub embedding_norm: f64,
}

/// All tasks on all evaluated splits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct EvalReport {
    pub tasks: Vec<TaskReport>,
}

impl EvalReport {
    /// Item-weighted mean of `metric` over a split's tasks.
    pub fn split_mean(&self, split: &str, metric: impl Fn(&TaskReport) -> Option<f64>) -> Option<f64> {
        let mut sum = 0.0;
        let mut n = 0usize;
        for t in self.tasks.iter().filter(|t| t.split == split && t.scorable > 0) {
            if let Some(v) = metric(t) {
                sum += v * t.scorable as f64;
                n += t.scorable;
            }
        }
        (n > 0).then(|| sum / n as f64)
    }

    pub fn splits(&self) -> Vec<String> {
        let mut s: Vec<String> = Vec::new();
        for t in &self.tasks {
            if !s.contains(&t.split) {
                s.push(t.split.clone());
            }
        }
        s
    }

    /// A Markdown table: one row per task and split.
    pub fn table(&self) -> String {
        let mut labels: Vec<String> = Vec::new();
        for t in &self.tasks {
            for k in t.accuracy.keys() {
                if !labels.contains(k) {
                    labels.push(k.clone());
                }
            }
        }
        labels.sort_by_key(|l| order(l));
        let mut out = String::from("| split | task | n | chance |");
        for l in &labels {
            out.push_str(&format!(" {l} |"));
        }
        out.push_str(" likelihood | leak gap | KL(q‖p) |\n|---|---|---|---|");
        for _ in &labels {
            out.push_str("---|");
        }
        out.push_str("---|---|---|\n");
        let fmt = |v: Option<f64>| v.map(|v| format!("{:.1}", 100.0 * v)).unwrap_or_else(|| "–".into());
        for t in &self.tasks {
            out.push_str(&format!("| {} | {} | {} | {:.1} |", t.split, t.task, t.scorable, 100.0 * t.chance));
            for l in &labels {
                out.push_str(&format!(" {} |", fmt(t.accuracy.get(l).copied())));
            }
            let kl: f64 = t.kl_per_slot.iter().sum();
            out.push_str(&format!(
                " {} | {} | {} |\n",
                fmt(t.likelihood_accuracy.get("prior_mean").copied()),
                t.leakage_gap.map(|g| format!("{:+.1}", 100.0 * g)).unwrap_or_else(|| "–".into()),
                if t.kl_per_slot.is_empty() { "–".into() } else { format!("{kl:.2}") }
            ));
        }
        for split in self.splits() {
            out.push_str(&format!(
                "| {split} | **all** | {} | {} |",
                self.tasks.iter().filter(|t| t.split == split).map(|t| t.scorable).sum::<usize>(),
                fmt(self.split_mean(&split, |t| Some(t.chance)))
            ));
            for l in &labels {
                out.push_str(&format!(" {} |", fmt(self.split_mean(&split, |t| t.accuracy.get(l).copied()))));
            }
            out.push_str(&format!(
                " {} | {} | |\n",
                fmt(self.split_mean(&split, |t| t.likelihood_accuracy.get("prior_mean").copied())),
                self.split_mean(&split, |t| t.leakage_gap)
                    .map(|g| format!("{:+.1}", 100.0 * g))
                    .unwrap_or_else(|| "–".into())
            ));
        }
        out
    }
}

fn order(label: &str) -> usize {
    match label {
        "prior_mean" => 0,
        l if l.starts_with("prior_tau") => 1,
        "posterior_mean" => 2,
        "zero" => 3,
        "shuffled" => 4,
        "swapped" => 5,
        "removed" => 6,
        _ => 7,
    }
}
