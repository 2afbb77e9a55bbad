//! Pure aggregation: a summary per run (from its `EvalReport` and metrics), then mean ± std over
//! seeds per variant. No I/O here.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use amvl_eval::EvalReport;
use amvl_train::metrics::StepRecord;

/// The default inference condition: z = μ of the prior.
pub const PRIOR_MEAN: &str = "prior_mean";
/// The answer-leaking condition: z = μ of the posterior.
pub const POSTERIOR_MEAN: &str = "posterior_mean";
/// Latent-causality controls; their drop is `prior_mean − control`.
pub const CONTROLS: [&str; 4] = ["zero", "shuffled", "swapped", "removed"];

/// Mean and sample standard deviation over seeds.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); 0 for a single value.
    pub std: f64,
    /// Values that went in (finite ones only).
    pub n: usize,
}

impl Stat {
    /// Over the finite values; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Stat> {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Stat { mean, std, n })
    }

    /// Over the values that are present.
    pub fn of_present(values: impl IntoIterator<Item = Option<f64>>) -> Option<Stat> {
        let v: Vec<f64> = values.into_iter().flatten().collect();
        Stat::of(&v)
    }
}

/// One split of one run (fractions, not percent).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct SplitSummary {
    /// Item-weighted mean over tasks of the accuracy, per condition label.
    pub accuracy: BTreeMap<String, f64>,
    /// posterior_mean − prior_mean accuracy (item-weighted over tasks).
    pub leakage_gap: Option<f64>,
    /// prior_mean − control accuracy, per control present (`zero`, `shuffled`, `swapped`, `removed`).
    pub drops: BTreeMap<String, f64>,
    /// KL(q‖p) summed over slots, item-weighted over tasks.
    pub kl: Option<f64>,
    /// Chance accuracy.
    pub chance: Option<f64>,
    /// Tasks whose prior-mean accuracy is above chance at p < 0.01 (one-sided binomial).
    #[serde(default)]
    pub tasks_above_chance: Option<f64>,
}

/// The summary of `split` in `report` (empty when the split is missing).
pub fn split_summary(report: &EvalReport, split: &str) -> SplitSummary {
    let labels: BTreeSet<&String> = report
        .tasks
        .iter()
        .filter(|t| t.split == split)
        .flat_map(|t| t.accuracy.keys())
        .collect();
    let accuracy: BTreeMap<String, f64> = labels
        .into_iter()
        .filter_map(|label| {
            report
                .split_mean(split, |t| t.accuracy.get(label).copied())
                .map(|v| (label.clone(), v))
        })
        .collect();
    let drops = match accuracy.get(PRIOR_MEAN) {
        Some(&prior) => CONTROLS
            .iter()
            .filter_map(|c| accuracy.get(*c).map(|&v| (c.to_string(), prior - v)))
            .collect(),
        None => BTreeMap::new(),
    };
    SplitSummary {
        leakage_gap: report.split_mean(split, |t| t.leakage_gap),
        drops,
        kl: report.split_mean(split, |t| {
            (!t.kl_per_slot.is_empty()).then(|| t.kl_per_slot.iter().sum())
        }),
        chance: report.split_mean(split, |t| Some(t.chance)),
        tasks_above_chance: match report.tasks_above_chance(split) {
            (_, 0) => None,
            (above, _) => Some(above as f64),
        },
        accuracy,
    }
}

/// One cell of the grid: a variant trained with one seed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    pub variant: String,
    pub seed: u64,
    /// The run folder.
    pub dir: PathBuf,
    /// Per evaluated split.
    pub splits: BTreeMap<String, SplitSummary>,
    /// The last logged training record's step and values.
    pub final_step: Option<u64>,
    pub final_total: Option<f64>,
    pub final_ntp: Option<f64>,
    pub final_kl_qp: Option<f64>,
}

/// Summarises one run on `splits`.
pub fn run_summary(
    variant: &str,
    seed: u64,
    dir: PathBuf,
    report: &EvalReport,
    records: &[StepRecord],
    splits: &[String],
) -> RunSummary {
    let last = records.iter().max_by_key(|r| r.step);
    RunSummary {
        variant: variant.to_string(),
        seed,
        dir,
        splits: splits.iter().map(|s| (s.clone(), split_summary(report, s))).collect(),
        final_step: last.map(|r| r.step),
        final_total: last.map(|r| r.total),
        final_ntp: last.map(|r| r.ntp),
        final_kl_qp: last.map(|r| r.kl_qp),
    }
}

/// Training curves averaged over seeds, one point per logged step.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Curve {
    pub step: Vec<u64>,
    pub total: Vec<f64>,
    pub ntp: Vec<f64>,
    pub kl_qp: Vec<f64>,
    /// The diagnostics at each step (NaN where no run logged them; see `StepDiagnostics`).
    #[serde(default)]
    pub diagnostics: DiagnosticCurves,
    /// How many runs logged each step.
    pub runs: Vec<usize>,
}

/// The logged diagnostics over training, averaged over seeds; σ is the mean over slots. A step
/// no run logged is NaN, written as `null` in `report.json` and read back as NaN.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct DiagnosticCurves {
    #[serde(deserialize_with = "nan_for_null")]
    pub kl_mean_part: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub kl_var_part: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub sigma_q: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub sigma_p: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub prior_signal: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub grad_ntp: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub grad_forward: Vec<f64>,
    #[serde(deserialize_with = "nan_for_null")]
    pub grad_reverse: Vec<f64>,
}

/// A list of numbers in which `null` (how serde_json writes NaN) stands for NaN.
fn nan_for_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    let values: Vec<Option<f64>> = Deserialize::deserialize(deserializer)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn slot_mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn latent_value(r: &StepRecord, f: fn(&amvl_loss::LatentDiagnostics) -> Option<f64>) -> f64 {
    r.diagnostics
        .as_ref()
        .and_then(|d| d.latent.as_ref())
        .and_then(f)
        .unwrap_or(f64::NAN)
}

fn grad_value(r: &StepRecord, f: fn(&amvl_train::diagnostics::StepDiagnostics) -> f64) -> f64 {
    r.diagnostics.as_ref().map(f).unwrap_or(f64::NAN)
}

/// Mean over runs at each step that any run logged (non-finite values are left out).
pub fn mean_curve(runs: &[&[StepRecord]]) -> Curve {
    let mut by_step: BTreeMap<u64, Vec<&StepRecord>> = BTreeMap::new();
    for records in runs {
        for r in records.iter() {
            by_step.entry(r.step).or_default().push(r);
        }
    }
    let mut curve = Curve::default();
    let mean = |rs: &[&StepRecord], f: fn(&StepRecord) -> f64| {
        let v: Vec<f64> = rs.iter().map(|r| f(r)).filter(|v| v.is_finite()).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    for (step, rs) in by_step {
        curve.step.push(step);
        curve.total.push(mean(&rs, |r| r.total));
        curve.ntp.push(mean(&rs, |r| r.ntp));
        curve.kl_qp.push(mean(&rs, |r| r.kl_qp));
        let d = &mut curve.diagnostics;
        d.kl_mean_part.push(mean(&rs, |r| latent_value(r, |l| l.kl_mean_part)));
        d.kl_var_part.push(mean(&rs, |r| latent_value(r, |l| l.kl_var_part)));
        d.sigma_q
            .push(mean(&rs, |r| latent_value(r, |l| l.sigma_q.as_deref().map(slot_mean))));
        d.sigma_p
            .push(mean(&rs, |r| latent_value(r, |l| Some(slot_mean(&l.sigma_p)))));
        d.prior_signal
            .push(mean(&rs, |r| latent_value(r, |l| Some(l.prior_signal))));
        d.grad_ntp.push(mean(&rs, |r| grad_value(r, |g| g.grad_ntp)));
        d.grad_forward.push(mean(&rs, |r| grad_value(r, |g| g.grad_forward)));
        d.grad_reverse.push(mean(&rs, |r| grad_value(r, |g| g.grad_reverse)));
        curve.runs.push(rs.len());
    }
    curve
}

/// One split of one variant, over seeds (fractions).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct SplitStats {
    pub accuracy: BTreeMap<String, Stat>,
    pub leakage_gap: Option<Stat>,
    pub drops: BTreeMap<String, Stat>,
    pub kl: Option<Stat>,
    pub chance: Option<Stat>,
    #[serde(default)]
    pub tasks_above_chance: Option<Stat>,
}

/// One variant over its seeds.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct VariantSummary {
    pub variant: String,
    pub seeds: Vec<u64>,
    pub runs: Vec<PathBuf>,
    pub splits: BTreeMap<String, SplitStats>,
    pub final_total: Option<Stat>,
    pub final_ntp: Option<Stat>,
    /// The last training record's KL(q‖p).
    pub final_kl_qp: Option<Stat>,
    pub curve: Curve,
}

impl VariantSummary {
    /// Accuracy under `label` on `split`.
    pub fn accuracy(&self, split: &str, label: &str) -> Option<Stat> {
        self.splits.get(split).and_then(|s| s.accuracy.get(label)).copied()
    }
}

/// Aggregates the runs of one variant; `records[i]` are the metrics of `runs[i]`.
pub fn aggregate(variant: &str, runs: &[RunSummary], records: &[&[StepRecord]]) -> VariantSummary {
    let split_names: BTreeSet<&String> = runs.iter().flat_map(|r| r.splits.keys()).collect();
    let splits = split_names
        .into_iter()
        .map(|split| {
            let parts: Vec<&SplitSummary> = runs.iter().filter_map(|r| r.splits.get(split)).collect();
            let labels: BTreeSet<&String> = parts.iter().flat_map(|p| p.accuracy.keys()).collect();
            let controls: BTreeSet<&String> = parts.iter().flat_map(|p| p.drops.keys()).collect();
            let stats = SplitStats {
                accuracy: labels
                    .into_iter()
                    .filter_map(|l| {
                        Stat::of_present(parts.iter().map(|p| p.accuracy.get(l).copied())).map(|s| (l.clone(), s))
                    })
                    .collect(),
                leakage_gap: Stat::of_present(parts.iter().map(|p| p.leakage_gap)),
                drops: controls
                    .into_iter()
                    .filter_map(|c| {
                        Stat::of_present(parts.iter().map(|p| p.drops.get(c).copied())).map(|s| (c.clone(), s))
                    })
                    .collect(),
                kl: Stat::of_present(parts.iter().map(|p| p.kl)),
                chance: Stat::of_present(parts.iter().map(|p| p.chance)),
                tasks_above_chance: Stat::of_present(parts.iter().map(|p| p.tasks_above_chance)),
            };
            (split.clone(), stats)
        })
        .collect();
    VariantSummary {
        variant: variant.to_string(),
        seeds: runs.iter().map(|r| r.seed).collect(),
        runs: runs.iter().map(|r| r.dir.clone()).collect(),
        splits,
        final_total: Stat::of_present(runs.iter().map(|r| r.final_total)),
        final_ntp: Stat::of_present(runs.iter().map(|r| r.final_ntp)),
        final_kl_qp: Stat::of_present(runs.iter().map(|r| r.final_kl_qp)),
        curve: mean_curve(records),
    }
}
