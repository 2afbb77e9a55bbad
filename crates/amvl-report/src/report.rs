//! `report.json`, `report.md` and the PNG plots of an experiment.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::aggregate::{CONTROLS, POSTERIOR_MEAN, PRIOR_MEAN, RunSummary, Stat, VariantSummary};
use crate::error::ReportError;
use crate::plots;
use amvl_train::atomic::write_atomic;
use amvl_train::config::RunConfig;
use amvl_train::utc::civil_utc;

pub const REPORT_JSON: &str = "report.json";
pub const REPORT_MD: &str = "report.md";

/// Everything the experiment measured, as written to `report.json`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ExperimentReport {
    /// The command line that produced it.
    pub command: String,
    /// UTC, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// Where the base config came from.
    pub config_path: String,
    /// The base config (each cell sets `loss.objective` and `train.seed`).
    pub config: RunConfig,
    pub data: String,
    pub device: String,
    /// Evaluated splits, in order (`test-id`, `test-ood`, …).
    pub splits: Vec<String>,
    pub seeds: Vec<u64>,
    /// One per variant, in the order asked for.
    pub variants: Vec<VariantSummary>,
    /// One per finished cell.
    pub runs: Vec<RunSummary>,
    /// Cells that failed: (cell name, error).
    pub failed: Vec<(String, String)>,
    /// PNG files written next to the report.
    pub plots: Vec<String>,
}

/// What `write_report` wrote; `warnings` name plots that could not be drawn.
#[derive(Debug, Default)]
pub struct ReportFiles {
    pub files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Draws the plots, then writes `report.json` and `report.md` into `dir`. A plot that fails is
/// reported in `warnings` (and in report.md) rather than failing the report.
pub fn write_report(dir: &Path, report: &mut ExperimentReport) -> Result<ReportFiles, ReportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut files = ReportFiles::default();
    report.plots.clear();
    for (name, result) in plots::draw_all(dir, report) {
        match result {
            Ok(()) => {
                report.plots.push(name.to_string());
                files.files.push(dir.join(name));
            }
            Err(e) => files.warnings.push(format!("{name}: {e}")),
        }
    }
    let json = serde_json::to_string_pretty(report)?;
    let path = dir.join(REPORT_JSON);
    write_atomic(&path, json.as_bytes()).map_err(io(&path))?;
    files.files.push(path);
    let path = dir.join(REPORT_MD);
    write_atomic(&path, markdown(report, &files.warnings).as_bytes()).map_err(io(&path))?;
    files.files.push(path);
    Ok(files)
}

/// `test-id` → `ID`, `test-ood` → `OOD`, others as they are.
pub fn split_title(split: &str) -> String {
    match split {
        "test-id" => "ID".into(),
        "test-ood" => "OOD".into(),
        s => s.into(),
    }
}

/// Accuracy in percent: `52.3 ± 1.2`.
fn pct(s: Option<Stat>) -> String {
    match s {
        Some(s) if s.n > 1 => format!("{:.1} ± {:.1}", 100.0 * s.mean, 100.0 * s.std),
        Some(s) => format!("{:.1}", 100.0 * s.mean),
        None => "–".into(),
    }
}

/// A difference in percentage points: `+3.1 ± 0.5`.
fn pp(s: Option<Stat>) -> String {
    match s {
        Some(s) if s.n > 1 => format!("{:+.1} ± {:.1}", 100.0 * s.mean, 100.0 * s.std),
        Some(s) => format!("{:+.1}", 100.0 * s.mean),
        None => "–".into(),
    }
}

fn plain(s: Option<Stat>, digits: usize) -> String {
    match s {
        Some(s) if s.n > 1 => format!("{:.d$} ± {:.d$}", s.mean, s.std, d = digits),
        Some(s) => format!("{:.d$}", s.mean, d = digits),
        None => "–".into(),
    }
}

/// The τ-sampling labels (`prior_tau_0.2`, …) measured by any variant, by τ.
fn tau_labels(report: &ExperimentReport) -> Vec<String> {
    let mut labels: Vec<(f64, String)> = Vec::new();
    for v in &report.variants {
        for split in v.splits.values() {
            for l in split.accuracy.keys() {
                if let Some(t) = l.strip_prefix("prior_tau_").and_then(|t| t.parse::<f64>().ok())
                    && !labels.iter().any(|(_, x)| x == l)
                {
                    labels.push((t, l.clone()));
                }
            }
        }
    }
    labels.sort_by(|a, b| a.0.total_cmp(&b.0));
    labels.into_iter().map(|(_, l)| l).collect()
}

/// The Markdown report.
pub fn markdown(report: &ExperimentReport, warnings: &[String]) -> String {
    let mut md = String::new();
    let first = report.splits.first().cloned().unwrap_or_else(|| "test-id".into());
    let first_title = split_title(&first);
    md.push_str("# Objective ablation\n\n");
    md.push_str(&format!(
        "The paper's objective ablation reproduced on our suite, with our numbers. Generated {} by\n\n```\n{}\n```\n\n",
        report.date, report.command
    ));
    let c = &report.config;
    md.push_str(&format!(
        "Config `{}` ({} steps × batch {}, {} latent slots × {}), data `{}`, device `{}`, seeds {:?}; \
         each cell is a run folder `<variant>-seed<k>` next to this file.\n\n",
        if report.config_path.is_empty() {
            "(in memory)"
        } else {
            &report.config_path
        },
        c.train.steps,
        c.train.batch_size * c.train.grad_accum,
        c.model.latent.slots,
        c.model.latent.d_latent,
        report.data,
        report.device,
        report.seeds
    ));
    md.push_str(
        "Accuracy in %: the generated answer letter with z = prior mean (τ columns: z sampled from the prior at \
         temperature τ), item-weighted mean over tasks; mean ± sample std over seeds. Leakage gap = posterior-mean \
         minus prior-mean accuracy (pp). Tasks above chance: tasks whose prior-mean accuracy beats chance at p < 0.01 \
         (one-sided exact binomial test), mean ± std over seeds. KL(q‖p) summed over slots: the last training record and on the evaluation items.\n\n",
    );

    // Table 1: the ablation.
    let taus = tau_labels(report);
    md.push_str("## Ablation\n\n| variant | seeds |");
    for s in &report.splits {
        md.push_str(&format!(" {} acc |", split_title(s)));
    }
    for t in &taus {
        md.push_str(&format!(" {first_title} τ={} |", t.trim_start_matches("prior_tau_")));
    }
    md.push_str(&format!(
        " {first_title} tasks above chance | leakage gap ({first_title}) | KL(q‖p) train | KL(q‖p) {first_title} | final loss |\n|---|---|"
    ));
    for _ in 0..report.splits.len() + taus.len() + 5 {
        md.push_str("---|");
    }
    md.push('\n');
    for v in &report.variants {
        md.push_str(&format!("| {} | {} |", v.variant, v.seeds.len()));
        for s in &report.splits {
            md.push_str(&format!(" {} |", pct(v.accuracy(s, PRIOR_MEAN))));
        }
        for t in &taus {
            md.push_str(&format!(" {} |", pct(v.accuracy(&first, t))));
        }
        let split = v.splits.get(&first);
        md.push_str(&format!(
            " {} | {} | {} | {} | {} |\n",
            plain(split.and_then(|s| s.tasks_above_chance), 1),
            pp(split.and_then(|s| s.leakage_gap)),
            plain(v.final_kl_qp, 3),
            plain(split.and_then(|s| s.kl), 3),
            plain(v.final_total, 3)
        ));
    }
    let chance: Vec<String> = report
        .splits
        .iter()
        .filter_map(|s| {
            let c = report
                .variants
                .iter()
                .find_map(|v| v.splits.get(s).and_then(|x| x.chance))?;
            Some(format!("{} {:.1}%", split_title(s), 100.0 * c.mean))
        })
        .collect();
    if !chance.is_empty() {
        md.push_str(&format!("\nChance: {}.\n", chance.join(", ")));
    }

    // Table 2: controls.
    md.push_str(
        "\n## Latent controls\n\nDrop = prior-mean accuracy minus the accuracy with z zeroed, shuffled across the batch \
         (per slot), swapped with another question's, or the latent block removed (pp; large drops mean the answer \
         depends on z). `no_latent` has no controls.\n\n| variant | split | prior mean | posterior mean |",
    );
    for c in CONTROLS {
        md.push_str(&format!(" {c} drop |"));
    }
    md.push_str(" leakage gap |\n|---|---|---|---|---|---|---|---|---|\n");
    for v in &report.variants {
        for s in &report.splits {
            let Some(split) = v.splits.get(s) else { continue };
            md.push_str(&format!(
                "| {} | {} | {} | {} |",
                v.variant,
                split_title(s),
                pct(split.accuracy.get(PRIOR_MEAN).copied()),
                pct(split.accuracy.get(POSTERIOR_MEAN).copied())
            ));
            for c in CONTROLS {
                md.push_str(&format!(" {} |", pp(split.drops.get(c).copied())));
            }
            md.push_str(&format!(" {} |\n", pp(split.leakage_gap)));
        }
    }

    // Plots.
    md.push_str("\n## Plots\n\n");
    let captions = [
        ("curves.png", "Training loss (total and NTP) vs step, mean over seeds"),
        (
            "accuracy.png",
            "Prior-mean accuracy per variant and split, error bars ± std over seeds",
        ),
        ("kl.png", "KL(q‖p) during training, mean over seeds"),
        (
            "leakage_controls.png",
            "Leakage gap and control drops per variant (first split), ± std over seeds",
        ),
        (
            "diagnostics.png",
            "KL(q‖p) split into mean and variance parts, σ of each head, the prior's per-item signal and each loss term's gradient norm on the trunk, mean over seeds",
        ),
    ];
    for (file, caption) in captions {
        if report.plots.iter().any(|p| p == file) {
            md.push_str(&format!("- [{caption}]({file})\n\n  ![{caption}]({file})\n\n"));
        }
    }
    for w in warnings {
        md.push_str(&format!("- plot not drawn: {w}\n"));
    }

    // Per run.
    md.push_str("\n## Runs\n\nEach run folder holds its config, metrics, checkpoints and `eval.md` (per task); all paths are in report.json.\n\n| run | variant | seed | steps |");
    for s in &report.splits {
        md.push_str(&format!(" {} acc |", split_title(s)));
    }
    md.push_str(" final loss |\n|---|---|---|---|");
    for _ in 0..report.splits.len() + 1 {
        md.push_str("---|");
    }
    md.push('\n');
    for r in &report.runs {
        let name = r
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        md.push_str(&format!(
            "| [{name}]({name}/eval.md) | {} | {} | {} |",
            r.variant,
            r.seed,
            r.final_step.map(|s| s.to_string()).unwrap_or_else(|| "–".into())
        ));
        for s in &report.splits {
            let acc = r.splits.get(s).and_then(|x| x.accuracy.get(PRIOR_MEAN)).copied();
            md.push_str(&format!(
                " {} |",
                acc.map(|a| format!("{:.1}", 100.0 * a)).unwrap_or_else(|| "–".into())
            ));
        }
        md.push_str(&format!(
            " {} |\n",
            r.final_total.map(|t| format!("{t:.3}")).unwrap_or_else(|| "–".into())
        ));
    }
    if !report.failed.is_empty() {
        md.push_str("\n## Failed cells\n\n");
        for (cell, e) in &report.failed {
            md.push_str(&format!("- `{cell}`: {e}\n"));
        }
    }
    md
}

/// `secs` since the Unix epoch as `YYYY-MM-DD HH:MM UTC`.
pub fn format_utc(secs: u64) -> String {
    let (year, month, day, hour, minute, _) = civil_utc(secs);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// Now, as `format_utc`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}
