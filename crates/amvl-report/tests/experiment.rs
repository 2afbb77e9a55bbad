//! The experiment runner: aggregation math, the report files, and a tiny resumable grid.
#[path = "../../amvl-train/tests/common/mod.rs"]
mod common;

use amvl_eval::{EvalOptions, EvalReport, TaskReport};
use amvl_loss::Objective;
use amvl_report::{
    EvalAction, ExperimentPlan, ExperimentReport, REPORT_JSON, REPORT_MD, RunSummary, Seeds, SeedsError, Stat,
    TrainAction, VariantSummary, aggregate, format_utc, markdown, mean_curve, run_experiment, run_summary,
    split_summary, write_report,
};
use amvl_train::run::{FINAL_MODEL_FILE, TrainRequest, run_training};
use amvl_train::session::DataSource;
use amvl_train::{StepRecord, StopAt};
use burn::prelude::*;
use common::{Quiet, tiny_run_config};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn task(task: &str, split: &str, scorable: usize, acc: &[(&str, f64)], kl: &[f64]) -> TaskReport {
    let accuracy: BTreeMap<String, f64> = acc.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let leakage_gap = match (accuracy.get("posterior_mean"), accuracy.get("prior_mean")) {
        (Some(q), Some(p)) => Some(q - p),
        _ => None,
    };
    TaskReport {
        task: task.into(),
        split: split.into(),
        items: scorable,
        scorable,
        chance: 0.25,
        accuracy,
        leakage_gap,
        kl_per_slot: kl.to_vec(),
        latent: None,
        ..TaskReport::default()
    }
}

/// A report with two tasks on test-id (10 and 30 items) and one on test-ood; `shift` moves every accuracy.
fn report(shift: f64) -> EvalReport {
    let a = |base: f64| base + shift;
    EvalReport {
        tasks: vec![
            task(
                "counting",
                "test-id",
                10,
                &[
                    ("prior_mean", a(0.6)),
                    ("prior_tau_0.2", a(0.5)),
                    ("posterior_mean", a(0.9)),
                    ("zero", a(0.3)),
                    ("shuffled", a(0.4)),
                    ("swapped", a(0.2)),
                    ("removed", a(0.25)),
                ],
                &[0.5, 0.5],
            ),
            task(
                "spatial_relation",
                "test-id",
                30,
                &[
                    ("prior_mean", a(0.2)),
                    ("prior_tau_0.2", a(0.1)),
                    ("posterior_mean", a(0.5)),
                    ("zero", a(0.2)),
                    ("shuffled", a(0.2)),
                    ("swapped", a(0.2)),
                    ("removed", a(0.2)),
                ],
                &[1.0, 2.0],
            ),
            task(
                "counting",
                "test-ood",
                20,
                &[("prior_mean", a(0.4)), ("zero", a(0.4))],
                &[0.1],
            ),
        ],
        ..EvalReport::default()
    }
}

fn record(step: u64, total: f64, kl_qp: f64) -> StepRecord {
    StepRecord {
        step,
        total,
        ntp: total / 2.0,
        forward: 0.0,
        reverse: 0.0,
        kl_qp,
        kl_pq: 0.0,
        beta: 0.0,
        gamma: 0.0,
        lr: 1e-3,
        samples_per_second: 1.0,
        elapsed_seconds: 0.0,
        eta_seconds: 0.0,
        diagnostics: None,
    }
}

#[test]
fn stat_is_mean_and_sample_std_of_finite_values() {
    let s = Stat::of(&[1.0, 2.0, 3.0]).unwrap();
    assert!(close(s.mean, 2.0) && close(s.std, 1.0) && s.n == 3);
    let s = Stat::of(&[0.4]).unwrap();
    assert!(close(s.mean, 0.4) && s.std == 0.0 && s.n == 1);
    let s = Stat::of(&[2.0, f64::NAN, 4.0]).unwrap();
    assert!(close(s.mean, 3.0) && close(s.std, 2f64.sqrt()) && s.n == 2);
    assert!(Stat::of(&[]).is_none() && Stat::of(&[f64::INFINITY]).is_none());
    assert_eq!(Stat::of_present([Some(1.0), None, Some(3.0)]).unwrap().n, 2);
}

#[test]
fn split_summary_weights_tasks_by_items_and_takes_drops_from_prior_mean() {
    let r = report(0.0);
    let id = split_summary(&r, "test-id");
    // (10·0.6 + 30·0.2) / 40 = 0.3
    assert!(close(id.accuracy["prior_mean"], 0.3));
    assert!(close(id.accuracy["prior_tau_0.2"], (10.0 * 0.5 + 30.0 * 0.1) / 40.0));
    // posterior (10·0.9 + 30·0.5)/40 = 0.6 → gap 0.3
    assert!(close(id.leakage_gap.unwrap(), 0.3));
    // zero (10·0.3 + 30·0.2)/40 = 0.225 → drop 0.075
    assert!(close(id.drops["zero"], 0.075));
    assert!(close(id.drops["shuffled"], 0.3 - 0.25));
    assert!(close(id.drops["swapped"], 0.3 - 0.2));
    assert!(close(id.drops["removed"], 0.3 - (10.0 * 0.25 + 30.0 * 0.2) / 40.0));
    // KL summed over slots: (10·1 + 30·3)/40 = 2.5
    assert!(close(id.kl.unwrap(), 2.5));
    assert!(close(id.chance.unwrap(), 0.25));

    let ood = split_summary(&r, "test-ood");
    assert!(close(ood.accuracy["prior_mean"], 0.4));
    assert_eq!(ood.drops.keys().collect::<Vec<_>>(), vec!["zero"]);
    assert!(ood.leakage_gap.is_none());
    let missing = split_summary(&r, "val");
    assert!(missing.accuracy.is_empty() && missing.kl.is_none());
}

#[test]
fn aggregate_gives_mean_and_std_over_seeds_and_mean_curves() {
    let splits = vec!["test-id".to_string(), "test-ood".to_string()];
    let recs0 = vec![record(2, 4.0, 1.0), record(4, 2.0, 3.0)];
    let recs1 = vec![record(2, 6.0, 2.0), record(4, 3.0, 5.0), record(6, 1.0, 7.0)];
    let runs = vec![
        run_summary("amvl", 0, PathBuf::from("x/amvl-seed0"), &report(0.0), &recs0, &splits),
        run_summary("amvl", 1, PathBuf::from("x/amvl-seed1"), &report(0.1), &recs1, &splits),
    ];
    assert_eq!(runs[1].final_step, Some(6));
    assert!(close(runs[1].final_kl_qp.unwrap(), 7.0));
    let v = aggregate("amvl", &runs, &[&recs0, &recs1]);
    assert_eq!(v.seeds, vec![0, 1]);
    let acc = v.accuracy("test-id", "prior_mean").unwrap();
    // 0.3 and 0.4: mean 0.35, sample std 0.1/√2
    assert!(close(acc.mean, 0.35) && close(acc.std, 0.1 / 2f64.sqrt()) && acc.n == 2);
    // Shifting every accuracy equally leaves drops and the gap unchanged: std 0.
    let zero = v.splits["test-id"].drops["zero"];
    assert!(close(zero.mean, 0.075) && zero.std.abs() < 1e-9);
    assert!(close(v.splits["test-id"].leakage_gap.unwrap().mean, 0.3));
    assert!(close(v.accuracy("test-ood", "prior_mean").unwrap().mean, 0.45));
    let kl = v.final_kl_qp.unwrap();
    assert!(close(kl.mean, 5.0) && close(kl.std, 8f64.sqrt()));
    assert_eq!(v.curve.step, vec![2, 4, 6]);
    assert_eq!(v.curve.total, vec![5.0, 2.5, 1.0]);
    assert_eq!(v.curve.kl_qp, vec![1.5, 4.0, 7.0]);
    assert_eq!(v.curve.runs, vec![2, 2, 1]);
    assert_eq!(mean_curve(&[]).step.len(), 0);
}

#[test]
fn seeds_and_dates_parse_and_format() {
    assert_eq!("3".parse::<Seeds>().unwrap().values(), vec![0, 1, 2]);
    assert_eq!("0,4, 7".parse::<Seeds>().unwrap().values(), vec![0, 4, 7]);
    assert_eq!("5,".parse::<Seeds>().unwrap().values(), vec![5]);
    assert_eq!("0".parse::<Seeds>(), Err(SeedsError::Zero));
    assert!(matches!("a".parse::<Seeds>(), Err(SeedsError::Parse { .. })));
    assert_eq!("1,1".parse::<Seeds>(), Err(SeedsError::Repeated("1,1".into())));
    assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
    assert_eq!(format_utc(951_829_620), "2000-02-29 13:07 UTC");
    assert_eq!(format_utc(1_709_210_096), "2024-02-29 12:34 UTC");
    assert_eq!(format_utc(4_102_444_799), "2099-12-31 23:59 UTC");
}

/// Equal up to float parsing (serde_json's default parser may be off by an ulp).
fn assert_same_numbers(a: &[VariantSummary], b: &[VariantSummary]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(
            (&x.variant, &x.seeds, &x.runs, &x.curve.step),
            (&y.variant, &y.seeds, &y.runs, &y.curve.step)
        );
        assert_eq!(x.splits.keys().collect::<Vec<_>>(), y.splits.keys().collect::<Vec<_>>());
        for (split, sx) in &x.splits {
            let sy = &y.splits[split];
            assert_eq!(
                sx.accuracy.keys().collect::<Vec<_>>(),
                sy.accuracy.keys().collect::<Vec<_>>()
            );
            for (label, s) in &sx.accuracy {
                assert!(
                    close(s.mean, sy.accuracy[label].mean) && close(s.std, sy.accuracy[label].std),
                    "{split} {label}"
                );
            }
            for (label, s) in &sx.drops {
                assert!(close(s.mean, sy.drops[label].mean), "{split} drop {label}");
            }
            assert_eq!(sx.leakage_gap.is_some(), sy.leakage_gap.is_some());
        }
        for (p, q) in x.curve.total.iter().zip(&y.curve.total) {
            assert!(close(*p, *q));
        }
    }
}

/// With AMVL_EXPERIMENT_KEEP=DIR, copies the report files to DIR/<tag>/ for a look.
fn keep(from: &Path, tag: &str) {
    let Ok(to) = std::env::var("AMVL_EXPERIMENT_KEEP") else {
        return;
    };
    let to = Path::new(&to).join(tag);
    std::fs::create_dir_all(&to).unwrap();
    for f in [
        REPORT_MD,
        REPORT_JSON,
        "curves.png",
        "accuracy.png",
        "kl.png",
        "leakage_controls.png",
    ] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

fn is_png(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
    let first = *img.get_pixel(0, 0);
    let distinct = img.pixels().filter(|p| **p != first).count();
    assert!(distinct > 1000, "{} looks blank", path.display());
    img.dimensions()
}

#[test]
fn report_writer_produces_markdown_json_and_pngs() {
    let dir = tempfile::tempdir().unwrap();
    let splits = vec!["test-id".to_string(), "test-ood".to_string()];
    let mut variants = Vec::new();
    let mut all_runs: Vec<RunSummary> = Vec::new();
    for (i, name) in ["amvl", "amvl_reverse_first", "no_latent"].iter().enumerate() {
        let recs: Vec<Vec<StepRecord>> = (0..3)
            .map(|s| {
                (1..=20)
                    .map(|k| {
                        record(
                            k * 5,
                            5.0 / (k as f64) + 0.1 * (i + s) as f64,
                            0.2 * k as f64 / (1 + i) as f64,
                        )
                    })
                    .collect()
            })
            .collect();
        let runs: Vec<RunSummary> = (0..3)
            .map(|s| {
                let dir = PathBuf::from(format!("runs/experiment/{name}-seed{s}"));
                let mut r = report(0.02 * s as f64 - 0.05 * i as f64);
                if *name == "no_latent" {
                    for t in &mut r.tasks {
                        t.accuracy.retain(|k, _| k == "prior_mean");
                        t.leakage_gap = None;
                        t.kl_per_slot.clear();
                    }
                }
                run_summary(name, s, dir, &r, &recs[s as usize], &splits)
            })
            .collect();
        let refs: Vec<&[StepRecord]> = recs.iter().map(|r| r.as_slice()).collect();
        variants.push(aggregate(name, &runs, &refs));
        all_runs.extend(runs);
    }
    let mut report = ExperimentReport {
        command: "cargo xtask experiment --seeds 3".into(),
        date: format_utc(1_709_210_096),
        config_path: "configs/small.toml".into(),
        config: tiny_run_config(),
        data: "suite".into(),
        device: "flex".into(),
        splits,
        seeds: vec![0, 1, 2],
        variants,
        runs: all_runs,
        failed: vec![],
        plots: vec![],
    };
    let files = write_report(dir.path(), &mut report).unwrap();
    assert!(files.warnings.is_empty(), "{:?}", files.warnings);
    assert_eq!(
        report.plots,
        vec![
            "curves.png",
            "accuracy.png",
            "kl.png",
            "leakage_controls.png",
            "diagnostics.png"
        ]
    );
    for png in &report.plots {
        let (w, h) = is_png(&dir.path().join(png));
        assert!(w >= 1000 && h >= 500);
    }
    let md = std::fs::read_to_string(dir.path().join(REPORT_MD)).unwrap();
    assert_eq!(md, markdown(&report, &[]));
    assert!(md.contains("cargo xtask experiment --seeds 3") && md.contains("2024-02-29 12:34 UTC"));
    assert!(md.contains("| variant | seeds | ID acc | OOD acc |"));
    // amvl: ID accuracy 0.30, 0.32, 0.34 → 32.0 ± 2.0; gap +30.0 ± 0.0; zero drop +7.5.
    assert!(md.contains("| amvl | 3 | 32.0 ± 2.0 |"), "{md}");
    assert!(md.contains("+30.0 ± 0.0") && md.contains("+7.5 ± 0.0"));
    assert!(md.contains("| no_latent | 3 |") && md.contains("![") && md.contains("(accuracy.png)"));
    let json: ExperimentReport =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(REPORT_JSON)).unwrap()).unwrap();
    assert_eq!(
        (&json.command, &json.plots, json.runs.len()),
        (&report.command, &report.plots, 9)
    );
    assert_same_numbers(&json.variants, &report.variants);
    keep(dir.path(), "hand-built");
}

#[test]
fn tiny_grid_runs_resumes_and_skips_finished_cells() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let mut plan = ExperimentPlan::new(tiny_run_config());
    plan.variants = vec![Objective::Amvl, Objective::NoLatent];
    plan.seeds = Seeds::Count(1);
    plan.steps = Some(3);
    plan.out_dir = dir.path().join("experiment");
    plan.eval = EvalOptions {
        taus: vec![0.2],
        batch_size: 4,
        controls: true,
        seed: 0,
        ..EvalOptions::default()
    };
    plan.command = "test".into();
    let cells = plan.cells();
    assert_eq!(
        cells.iter().map(|c| c.name()).collect::<Vec<_>>(),
        vec!["amvl-seed0", "no_latent-seed0"]
    );

    // The first cell was interrupted after 2 of its 3 steps.
    let interrupted = TrainRequest {
        pretrained: Default::default(),
        config: plan.cell_config(Objective::Amvl, 0),
        data: DataSource::Suite,
        out: cells[0].dir.clone(),
        resume: false,
        stop: StopAt(Some(2)),
    };
    run_training(&interrupted, &device, &mut Quiet).unwrap();
    assert!(!cells[0].dir.join(FINAL_MODEL_FILE).exists());

    let first = run_experiment(&plan, &device, &mut Quiet).unwrap();
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let actions: Vec<_> = first.cells.iter().map(|c| (c.train, c.eval)).collect();
    assert_eq!(
        actions,
        vec![
            (TrainAction::Resumed, EvalAction::Ran),
            (TrainAction::Fresh, EvalAction::Ran)
        ]
    );
    assert!(first.skipped().is_empty());
    for c in &cells {
        assert!(c.dir.join(FINAL_MODEL_FILE).is_file() && c.dir.join("eval.json").is_file());
    }
    assert_eq!(first.cells[0].records.last().unwrap().step, 3);
    for f in [
        "report.md",
        "report.json",
        "curves.png",
        "accuracy.png",
        "kl.png",
        "leakage_controls.png",
    ] {
        assert!(plan.out_dir.join(f).is_file(), "{f} missing");
    }
    let amvl = &first.report.variants[0];
    assert!(amvl.accuracy("test-id", "prior_mean").is_some() && amvl.accuracy("test-ood", "prior_mean").is_some());
    assert_eq!(amvl.splits["test-id"].drops.len(), 4);
    assert!(first.report.variants[1].splits["test-id"].drops.is_empty());

    keep(&plan.out_dir, "tiny-grid");

    // Second invocation: nothing left to do.
    let second = run_experiment(&plan, &device, &mut Quiet).unwrap();
    assert_eq!(second.skipped(), vec!["amvl-seed0", "no_latent-seed0"]);
    assert_same_numbers(&second.report.variants, &first.report.variants);

    // A cell trained with another config is refused, not silently mixed in.
    plan.steps = Some(4);
    let third = run_experiment(&plan, &device, &mut Quiet).unwrap();
    assert_eq!(third.failed.len(), 2);
    assert!(third.failed[0].1.contains("another config"), "{}", third.failed[0].1);
}
