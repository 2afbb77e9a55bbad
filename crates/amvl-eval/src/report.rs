use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::conditions::Condition;
use crate::significance::{ABOVE_CHANCE_LEVEL, binomial_upper_tail};

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
    /// KL(q‖p) split into mean and variance parts, σ per slot and the per-item signal of the
    /// prior (and posterior) over these items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent: Option<amvl_loss::LatentDiagnostics>,
    /// Held-out accuracy of a linear probe answer ← posterior mean / prior mean.
    pub probe_posterior: Option<f64>,
    pub probe_prior: Option<f64>,
    /// Mean L2 norm of the injected latent vectors (prior mean) and of token embeddings.
    pub latent_norm: Option<f64>,
    pub embedding_norm: f64,
}

impl TaskReport {
    /// One-sided exact binomial p-value of the accuracy under `label` against chance: the
    /// probability that random answers would score at least as well on these items.
    pub fn p_above_chance(&self, condition: Condition) -> Option<f64> {
        let accuracy = self.accuracy.get(&condition.label())?;
        (self.scorable > 0).then(|| {
            let correct = (accuracy * self.scorable as f64).round() as usize;
            binomial_upper_tail(correct, self.scorable, self.chance.clamp(0.0, 1.0))
        })
    }

    /// Whether the prior-mean accuracy is above chance at [`ABOVE_CHANCE_LEVEL`].
    pub fn above_chance(&self) -> bool {
        self.p_above_chance(Condition::PriorMean)
            .is_some_and(|p| p < ABOVE_CHANCE_LEVEL)
    }
}

/// All tasks on all evaluated splits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct EvalReport {
    pub tasks: Vec<TaskReport>,
    /// Linear probes of the items' content labels from the latent means, per split.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<crate::ContentProbe>,
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

    /// (tasks above chance at [`ABOVE_CHANCE_LEVEL`] with the prior mean, scorable tasks) on `split`.
    pub fn tasks_above_chance(&self, split: &str) -> (usize, usize) {
        let scored = self.tasks.iter().filter(|t| t.split == split && t.scorable > 0);
        let (above, all) = scored.fold((0, 0), |(a, n), t| (a + t.above_chance() as usize, n + 1));
        (above, all)
    }

    /// A Markdown table: one row per task and split, then one line per split saying how many
    /// tasks are above chance.
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
        let prior_mean = Condition::PriorMean.label();
        let mut out = String::from("| split | task | n | chance |");
        for l in &labels {
            out.push_str(&format!(" {l} |"));
        }
        out.push_str(" p (prior mean) | likelihood | leak gap | KL(q‖p) |\n|---|---|---|---|");
        for _ in &labels {
            out.push_str("---|");
        }
        out.push_str("---|---|---|---|\n");
        let fmt = |v: Option<f64>| v.map(|v| format!("{:.1}", 100.0 * v)).unwrap_or_else(|| "–".into());
        for t in &self.tasks {
            out.push_str(&format!(
                "| {} | {} | {} | {:.1} |",
                t.split,
                t.task,
                t.scorable,
                100.0 * t.chance
            ));
            for l in &labels {
                out.push_str(&format!(" {} |", fmt(t.accuracy.get(l).copied())));
            }
            let kl: f64 = t.kl_per_slot.iter().sum();
            out.push_str(&format!(
                " {} | {} | {} | {} |\n",
                t.p_above_chance(Condition::PriorMean)
                    .map(format_p)
                    .unwrap_or_else(|| "–".into()),
                fmt(t.likelihood_accuracy.get(&prior_mean).copied()),
                t.leakage_gap
                    .map(|g| format!("{:+.1}", 100.0 * g))
                    .unwrap_or_else(|| "–".into()),
                if t.kl_per_slot.is_empty() {
                    "–".into()
                } else {
                    format!("{kl:.2}")
                }
            ));
        }
        for split in self.splits() {
            out.push_str(&format!(
                "| {split} | **all** | {} | {} |",
                self.tasks
                    .iter()
                    .filter(|t| t.split == split)
                    .map(|t| t.scorable)
                    .sum::<usize>(),
                fmt(self.split_mean(&split, |t| Some(t.chance)))
            ));
            for l in &labels {
                out.push_str(&format!(
                    " {} |",
                    fmt(self.split_mean(&split, |t| t.accuracy.get(l).copied()))
                ));
            }
            out.push_str(&format!(
                " | {} | {} | |\n",
                fmt(self.split_mean(&split, |t| t.likelihood_accuracy.get(&prior_mean).copied())),
                self.split_mean(&split, |t| t.leakage_gap)
                    .map(|g| format!("{:+.1}", 100.0 * g))
                    .unwrap_or_else(|| "–".into())
            ));
        }
        for split in self.splits() {
            let (above, all) = self.tasks_above_chance(&split);
            out.push_str(&format!(
                "\n{split}: {above} of {all} tasks above chance (prior mean, one-sided binomial p < {ABOVE_CHANCE_LEVEL})"
            ));
        }
        out.push('\n');
        out.push_str(&self.probe_table());
        out
    }

    /// The content probes as a table (empty when no item had content labels).
    pub fn probe_table(&self) -> String {
        if self.probes.is_empty() {
            return String::new();
        }
        let pct = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:.1}", 100.0 * v));
        let mut out = String::from(
            "\nLinear probes of the content labels from the latent means (held-out half, %):\n\n\
             | split | label | items | majority class | prior, per slot | prior, all slots | posterior, all slots |\n\
             |---|---|---|---|---|---|---|\n",
        );
        for p in &self.probes {
            let slots: Vec<String> = p.prior_slots.iter().map(|v| pct(*v)).collect();
            out.push_str(&format!(
                "| {} | {} | {} | {:.1} | {} | {} | {} |\n",
                p.split,
                p.label,
                p.items,
                100.0 * p.majority,
                slots.join(" / "),
                pct(p.prior_all),
                pct(p.posterior_all)
            ));
        }
        out
    }
}

/// A p-value in two significant digits, small ones in scientific notation.
fn format_p(p: f64) -> String {
    if p >= 0.01 {
        format!("{p:.2}")
    } else {
        format!("{p:.0e}")
    }
}

fn order(label: &str) -> usize {
    Condition::parse(label).map_or(7, |c| c.rank())
}

#[cfg(test)]
mod tests {
    use super::{Condition, EvalReport, TaskReport};

    fn task(name: &str, split: &str, right: usize, n: usize, chance: f64) -> TaskReport {
        TaskReport {
            task: name.into(),
            split: split.into(),
            items: n,
            scorable: n,
            chance,
            accuracy: [("prior_mean".to_string(), right as f64 / n as f64)].into(),
            ..Default::default()
        }
    }

    #[test]
    fn tasks_above_chance_are_counted_by_the_binomial_test() {
        let report = EvalReport {
            tasks: vec![
                // 62 of 100 on a coin flip: P[X ≥ 62] ≈ 0.0105, not below 0.01.
                task("coin_62", "test-id", 62, 100, 0.5),
                // 63 of 100: ≈ 0.0060, above chance.
                task("coin_63", "test-id", 63, 100, 0.5),
                // 30 of 300 on four options: below chance, p ≈ 1.
                task("four_low", "test-id", 30, 300, 0.25),
                task("coin_90", "test-ood", 90, 100, 0.5),
            ],
            ..EvalReport::default()
        };
        assert!((report.tasks[0].p_above_chance(Condition::PriorMean).unwrap() - 0.0105).abs() < 5e-4);
        assert!((report.tasks[1].p_above_chance(Condition::PriorMean).unwrap() - 0.0060).abs() < 5e-4);
        assert!(report.tasks[2].p_above_chance(Condition::PriorMean).unwrap() > 0.999);
        assert_eq!(report.tasks[0].p_above_chance(Condition::Zero), None);
        assert_eq!(report.tasks_above_chance("test-id"), (1, 3));
        assert_eq!(report.tasks_above_chance("test-ood"), (1, 1));
        let table = report.table();
        assert!(table.contains("test-id: 1 of 3 tasks above chance"), "{table}");
        assert!(table.contains("| 6e-3 |"), "{table}");
    }
}
