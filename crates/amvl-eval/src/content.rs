//! Linear probes of what the latents hold: from each slot's mean and from all slots together to
//! the items' named content labels (`Item::probes`, e.g. `hop1` = the node reached after one
//! link). The probe is fitted on the items of half of the split's distinct questions and scored on
//! the items of the other half, so that it cannot score by recognising a question it was fitted on.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::probe::probe_accuracy_on;

/// One label's probes on one split.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ContentProbe {
    pub split: String,
    pub label: String,
    /// Items carrying the label (those of about half the questions fit the probe, the rest score it).
    pub items: usize,
    pub classes: usize,
    /// Share of the most frequent class among all labelled items: what a constant guess scores.
    pub majority: f64,
    /// Held-out accuracy from the prior mean of each slot ([slots]), and of all slots together.
    pub prior_slots: Vec<Option<f64>>,
    pub prior_all: Option<f64>,
    /// The same from the posterior mean (absent without a posterior).
    pub posterior_slots: Vec<Option<f64>>,
    pub posterior_all: Option<f64>,
}

#[derive(Default)]
struct Samples {
    prior: Vec<Vec<f32>>,
    posterior: Vec<Vec<f32>>,
    labels: Vec<usize>,
    /// Whether each item's question is on the fitting side.
    fit: Vec<bool>,
}

/// Gathers one split's latent means by label, then fits the probes.
#[derive(Default)]
pub struct ContentProbes {
    slots: usize,
    by_label: BTreeMap<String, Samples>,
}

impl ContentProbes {
    /// One item's labels with its prior (and posterior) mean, each `slots · d` values; `question`
    /// decides the side (fit or score) by a hash of its text.
    pub fn push(
        &mut self,
        question: &str,
        labels: &BTreeMap<String, usize>,
        slots: usize,
        prior: &[f32],
        posterior: Option<&[f32]>,
    ) {
        self.slots = slots;
        let fit = fnv1a(question).is_multiple_of(2);
        for (name, &class) in labels {
            let s = self.by_label.entry(name.clone()).or_default();
            s.prior.push(prior.to_vec());
            if let Some(q) = posterior {
                s.posterior.push(q.to_vec());
            }
            s.labels.push(class);
            s.fit.push(fit);
        }
    }

    /// Every label's probes, labelled with `split`.
    pub fn finish(self, split: &str) -> Vec<ContentProbe> {
        let slots = self.slots;
        self.by_label
            .into_iter()
            .map(|(label, s)| {
                let classes = s.labels.iter().max().map_or(0, |m| m + 1);
                let mut counts = vec![0usize; classes];
                for &l in &s.labels {
                    counts[l] += 1;
                }
                let majority = counts.iter().max().copied().unwrap_or(0) as f64 / s.labels.len().max(1) as f64;
                let per_slot = |rows: &[Vec<f32>]| -> Vec<Option<f64>> {
                    if rows.is_empty() {
                        return Vec::new();
                    }
                    let d = rows[0].len() / slots;
                    (0..slots)
                        .map(|k| {
                            let slot: Vec<Vec<f32>> = rows.iter().map(|r| r[k * d..(k + 1) * d].to_vec()).collect();
                            probe_accuracy_on(&slot, &s.labels, classes, &s.fit)
                        })
                        .collect()
                };
                let all = |rows: &[Vec<f32>]| {
                    (!rows.is_empty())
                        .then(|| probe_accuracy_on(rows, &s.labels, classes, &s.fit))
                        .flatten()
                };
                ContentProbe {
                    split: split.to_string(),
                    items: s.labels.len(),
                    classes,
                    majority,
                    prior_slots: per_slot(&s.prior),
                    prior_all: all(&s.prior),
                    posterior_slots: per_slot(&s.posterior),
                    posterior_all: all(&s.posterior),
                    label,
                }
            })
            .collect()
    }
}

/// FNV-1a over the text's bytes: a hash that is the same on every platform and run.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_cannot_score_by_recognising_questions_it_was_fitted_on() {
        // Ten questions, each asked 20 times with the same random code and the same label:
        // the label is a function of the question, not of anything linear in the code.
        let mut probes = ContentProbes::default();
        let mut state = 3u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let codes: Vec<Vec<f32>> = (0..10).map(|_| (0..8).map(|_| noise()).collect()).collect();
        for i in 0..200 {
            let q = i % 10;
            probes.push(
                &format!("question {q}"),
                &[("hop1".to_string(), q % 3)].into(),
                1,
                &codes[q],
                None,
            );
        }
        let p = &probes.finish("test-id")[0];
        // Fitted and scored on the same questions, such a probe would be perfect.
        assert!(p.prior_all.unwrap() < 0.9, "{p:?}");
    }

    #[test]
    fn a_label_held_by_one_slot_is_read_from_that_slot_only() {
        // Two slots of two dims; slot 1 codes the label as a one-hot pair, slot 0 is noise.
        let mut probes = ContentProbes::default();
        let mut state = 7u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        for i in 0..200 {
            let class = i % 2;
            let row = [noise(), noise(), if class == 0 { 1.0 } else { -1.0 }, noise()];
            probes.push(
                &format!("question {i}"),
                &[("hop1".to_string(), class)].into(),
                2,
                &row,
                None,
            );
        }
        let p = &probes.finish("test-id")[0];
        assert_eq!((p.label.as_str(), p.items, p.classes), ("hop1", 200, 2));
        assert!((p.majority - 0.5).abs() < 1e-9);
        assert!(p.prior_slots[1].unwrap() > 0.95, "{p:?}");
        assert!(p.prior_slots[0].unwrap() < 0.7, "{p:?}");
        assert!(p.prior_all.unwrap() > 0.95 && p.posterior_all.is_none() && p.posterior_slots.is_empty());
    }
}
