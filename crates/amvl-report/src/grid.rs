//! The objective ablation as a grid of runs (`cargo xtask experiment`): every variant × seed is a
//! run folder `out_dir/<variant>-seed<k>`, trained and evaluated like `cargo xtask train`.
//! The grid is resumable: a cell with `model.safetensors` is not trained again, one with
//! `eval.json` (covering the asked splits) is not evaluated again, and an interrupted cell
//! continues from its latest checkpoint. Then the cells are aggregated (mean ± std over seeds)
//! into `report.json`, `report.md` and PNG plots in `out_dir`.

use amvl_data::Split;
use amvl_loss::Objective;
use burn::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use amvl_eval::{EvalOptions, EvalReport, run_eval};
use amvl_train::checkpoint::Checkpoints;
use amvl_train::config::RunConfig;
use amvl_train::metrics::{MetricsLog, StepRecord};
use amvl_train::run::{CONFIG_FILE, FINAL_MODEL_FILE, TrainRequest, load_run, run_training};
use amvl_train::session::{DataSource, eval_splits};
use amvl_train::trainer::{Progress, StopAt};

use crate::aggregate::{RunSummary, aggregate, run_summary};
use crate::error::{ExperimentError, SeedsError};
use crate::report::{ExperimentReport, ReportFiles, now_utc, write_report};

/// `--seeds 3` (seeds 0, 1, 2) or `--seeds 0,4,7` (those seeds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seeds {
    Count(u64),
    List(Vec<u64>),
}

impl Seeds {
    pub fn values(&self) -> Vec<u64> {
        match self {
            Seeds::Count(n) => (0..*n).collect(),
            Seeds::List(v) => v.clone(),
        }
    }
}

impl FromStr for Seeds {
    type Err = SeedsError;
    /// A count (`3` → 0, 1, 2) or a comma-separated list (`0,4,7`; a single seed as `5,`).
    fn from_str(s: &str) -> Result<Self, SeedsError> {
        let s = s.trim();
        let bad = |source| SeedsError::Parse {
            given: s.to_string(),
            source,
        };
        if s.contains(',') {
            let list = s
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| x.parse::<u64>().map_err(bad))
                .collect::<Result<Vec<_>, _>>()?;
            if list.is_empty() {
                return Err(SeedsError::Empty(s.to_string()));
            }
            let mut seen = list.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != list.len() {
                return Err(SeedsError::Repeated(s.to_string()));
            }
            return Ok(Seeds::List(list));
        }
        let n = s.parse::<u64>().map_err(bad)?;
        if n == 0 {
            return Err(SeedsError::Zero);
        }
        Ok(Seeds::Count(n))
    }
}

/// The grid to run.
#[derive(Clone, Debug)]
pub struct ExperimentPlan {
    /// The base config; each cell overrides `loss.objective` and `train.seed` (the suite seed
    /// `data.suite_seed` stays fixed, so every cell sees the same data).
    pub config: RunConfig,
    /// Where `config` came from (shown in the report).
    pub config_path: String,
    pub variants: Vec<Objective>,
    pub seeds: Seeds,
    /// Cells and the report go here (default `runs/experiment`).
    pub out_dir: PathBuf,
    pub data: DataSource,
    /// The device spec (shown in the report; the device itself is passed to `run_experiment`).
    pub device: String,
    /// Overrides `train.steps` (for quick runs).
    pub steps: Option<u64>,
    /// Evaluation splits (a JSONL folder without split subfolders is evaluated once, as `all`).
    pub splits: Vec<Split>,
    /// Evaluation settings; `seed` is set to each cell's training seed.
    pub eval: EvalOptions,
    /// The command line (for the report).
    pub command: String,
}

impl ExperimentPlan {
    /// All variants, 3 seeds, `runs/experiment`, the suite, flex, `test-id,test-ood`.
    pub fn new(config: RunConfig) -> Self {
        Self {
            config,
            config_path: String::new(),
            variants: Objective::ALL.to_vec(),
            seeds: Seeds::Count(3),
            out_dir: PathBuf::from("runs/experiment"),
            data: DataSource::Suite,
            device: "flex".into(),
            steps: None,
            splits: vec![Split::TestId, Split::TestOod],
            eval: EvalOptions::default(),
            command: String::new(),
        }
    }

    /// The grid, variant-major (all seeds of the first variant first).
    pub fn cells(&self) -> Vec<Cell> {
        let seeds = self.seeds.values();
        self.variants
            .iter()
            .flat_map(|&variant| {
                seeds.iter().map(move |&seed| Cell {
                    variant,
                    seed,
                    dir: self.out_dir.join(Cell::name_of(variant, seed)),
                })
            })
            .collect()
    }

    /// The config a cell trains with.
    pub fn cell_config(&self, variant: Objective, seed: u64) -> RunConfig {
        let mut config = self.config.clone();
        config.loss.objective = variant;
        config.train.seed = seed;
        if let Some(steps) = self.steps {
            config.train.steps = steps;
        }
        config
    }

    /// The base config with `steps` applied (as recorded in the report).
    pub fn base_config(&self) -> RunConfig {
        let mut config = self.config.clone();
        if let Some(steps) = self.steps {
            config.train.steps = steps;
        }
        config
    }

    /// Refuses empty or impossible grids before anything runs.
    pub fn validate(&self) -> Result<(), ExperimentError> {
        if self.variants.is_empty() {
            return Err(ExperimentError::NoVariants);
        }
        let mut seen = Vec::new();
        for v in &self.variants {
            if seen.contains(v) {
                return Err(ExperimentError::RepeatedVariant(*v));
            }
            seen.push(*v);
        }
        if self.seeds.values().is_empty() {
            return Err(ExperimentError::NoSeeds);
        }
        if self.splits.is_empty() {
            return Err(ExperimentError::NoSplits);
        }
        for &variant in &self.variants {
            self.cell_config(variant, 0)
                .validate()
                .map_err(|source| ExperimentError::InvalidVariant { variant, source })?;
        }
        Ok(())
    }

    /// The labels of what each cell's evaluation covers (`test-id`, …, or `all`).
    pub fn split_labels(&self) -> Vec<String> {
        eval_splits(&self.data, &self.splits)
            .iter()
            .map(|s| s.label().to_string())
            .collect()
    }
}

/// One cell of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub variant: Objective,
    pub seed: u64,
    pub dir: PathBuf,
}

impl Cell {
    pub fn name_of(variant: Objective, seed: u64) -> String {
        format!("{variant}-seed{seed}")
    }
    pub fn name(&self) -> String {
        Self::name_of(self.variant, self.seed)
    }
}

/// What happened to a cell's training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainAction {
    /// Trained from scratch.
    Fresh,
    /// Continued from its latest checkpoint.
    Resumed,
    /// Already finished (`model.safetensors` present).
    Skipped,
}

/// What happened to a cell's evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalAction {
    Ran,
    /// Read from an existing `eval.json` that covers the asked splits.
    Loaded,
}

#[derive(Clone, Debug)]
pub struct CellOutcome {
    pub cell: Cell,
    pub train: TrainAction,
    pub eval: EvalAction,
    pub report: EvalReport,
    pub records: Vec<StepRecord>,
}

impl CellOutcome {
    /// Neither trained nor evaluated this time.
    pub fn skipped(&self) -> bool {
        self.train == TrainAction::Skipped && self.eval == EvalAction::Loaded
    }
}

pub struct ExperimentOutcome {
    pub cells: Vec<CellOutcome>,
    /// Cells that failed: (name, error). The others are still reported.
    pub failed: Vec<(String, String)>,
    pub report: ExperimentReport,
    pub files: ReportFiles,
}

impl ExperimentOutcome {
    /// Names of the cells that were already complete (not trained, not evaluated).
    pub fn skipped(&self) -> Vec<String> {
        self.cells
            .iter()
            .filter(|c| c.skipped())
            .map(|c| c.cell.name())
            .collect()
    }
}

/// Files a cell may hold from a start that never reached its first checkpoint.
const PARTIAL_FILES: [&str; 6] = [
    CONFIG_FILE,
    amvl_data::TOKENIZER_FILE,
    "metrics.csv",
    "metrics.jsonl",
    "eval.json",
    "eval.md",
];

/// The saved config of a cell must be the one asked for (apart from the tokenizer's vocab size).
fn check_same_config(cell: &Cell, wanted: &RunConfig) -> Result<(), ExperimentError> {
    let path = cell.dir.join(CONFIG_FILE);
    let saved = RunConfig::load(&path)?;
    let mut wanted = wanted.clone();
    wanted.model.decoder.vocab_size = saved.model.decoder.vocab_size;
    if saved != wanted {
        return Err(ExperimentError::OtherConfig(cell.dir.clone()));
    }
    Ok(())
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ExperimentError + '_ {
    move |source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_eval(dir: &Path) -> Option<EvalReport> {
    let text = fs::read_to_string(dir.join("eval.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Trains (or resumes, or skips) and evaluates (or loads) one cell.
pub fn run_cell(
    plan: &ExperimentPlan,
    cell: &Cell,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<CellOutcome, ExperimentError> {
    let config = plan.cell_config(cell.variant, cell.seed);
    let has_model = cell.dir.join(FINAL_MODEL_FILE).is_file();
    let has_checkpoint = Checkpoints::new(cell.dir.join("checkpoints")).latest().is_some();
    let train = if has_model {
        check_same_config(cell, &config)?;
        TrainAction::Skipped
    } else if has_checkpoint {
        check_same_config(cell, &config)?;
        TrainAction::Resumed
    } else {
        for f in PARTIAL_FILES {
            let p = cell.dir.join(f);
            if p.exists() {
                fs::remove_file(&p).map_err(io_error(&p))?;
            }
        }
        // A checkpoints folder without a complete checkpoint (killed while writing the first).
        let partial = cell.dir.join("checkpoints");
        if partial.is_dir() {
            fs::remove_dir_all(&partial).map_err(io_error(&partial))?;
        }
        TrainAction::Fresh
    };
    if train != TrainAction::Skipped {
        let request = TrainRequest {
            pretrained: Default::default(),
            config: config.clone(),
            data: plan.data.clone(),
            out: cell.dir.clone(),
            resume: train == TrainAction::Resumed,
            stop: StopAt(None),
        };
        let (outcome, saved, _) = run_training(&request, device, progress)?;
        if outcome.state.step < saved.train.steps || !cell.dir.join(FINAL_MODEL_FILE).is_file() {
            return Err(ExperimentError::Stopped {
                cell: cell.name(),
                step: outcome.state.step,
            });
        }
    }
    let labels = plan.split_labels();
    let loaded = if train == TrainAction::Skipped {
        read_eval(&cell.dir).filter(|r| {
            let have = r.splits();
            labels.iter().all(|s| have.contains(s))
        })
    } else {
        None
    };
    let (eval, report) = match loaded {
        Some(r) => (EvalAction::Loaded, r),
        None => {
            progress.message(&format!("{}: evaluating on {}", cell.name(), labels.join(", ")));
            let (saved, tok, model) = load_run(&cell.dir, device)?;
            let options = EvalOptions {
                seed: cell.seed,
                ..plan.eval.clone()
            };
            let r = run_eval(
                &cell.dir,
                &model,
                &saved,
                tok,
                &plan.data,
                &plan.splits,
                &options,
                device,
            )?;
            (EvalAction::Ran, r)
        }
    };
    let records = MetricsLog::read(&cell.dir).map_err(|source| ExperimentError::Metrics {
        dir: cell.dir.clone(),
        source,
    })?;
    Ok(CellOutcome {
        cell: cell.clone(),
        train,
        eval,
        report,
        records,
    })
}

/// Aggregates finished cells into the report (pure apart from the date).
pub fn build_report(plan: &ExperimentPlan, cells: &[CellOutcome], failed: &[(String, String)]) -> ExperimentReport {
    let splits = plan.split_labels();
    let runs: Vec<RunSummary> = cells
        .iter()
        .map(|c| {
            let mut r = run_summary(
                &c.cell.variant.to_string(),
                c.cell.seed,
                c.cell.dir.clone(),
                &c.report,
                &c.records,
                &splits,
            );
            if !c.cell.variant.uses_latent() {
                // Logged as 0, but there is no latent to have a KL.
                r.final_kl_qp = None;
            }
            r
        })
        .collect();
    let variants = plan
        .variants
        .iter()
        .filter_map(|v| {
            let name = v.to_string();
            let idx: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].cell.variant == *v).collect();
            if idx.is_empty() {
                return None;
            }
            let vr: Vec<RunSummary> = idx.iter().map(|&i| runs[i].clone()).collect();
            let recs: Vec<&[StepRecord]> = idx.iter().map(|&i| cells[i].records.as_slice()).collect();
            Some(aggregate(&name, &vr, &recs))
        })
        .collect();
    ExperimentReport {
        command: plan.command.clone(),
        date: now_utc(),
        config_path: plan.config_path.clone(),
        config: plan.base_config(),
        data: plan.data.to_string(),
        device: plan.device.clone(),
        splits,
        seeds: plan.seeds.values(),
        variants,
        runs,
        failed: failed.to_vec(),
        plots: Vec::new(),
    }
}

/// Runs the grid (skipping what is done), then writes the report into `plan.out_dir`.
/// A failing cell is recorded and the grid goes on; the caller decides what failures mean.
pub fn run_experiment(
    plan: &ExperimentPlan,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<ExperimentOutcome, ExperimentError> {
    plan.validate()?;
    fs::create_dir_all(&plan.out_dir).map_err(io_error(&plan.out_dir))?;
    let cells = plan.cells();
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        progress.message(&format!(
            "[{}/{}] {} in {}",
            i + 1,
            cells.len(),
            cell.name(),
            cell.dir.display()
        ));
        match run_cell(plan, cell, device, progress) {
            Ok(outcome) => {
                if outcome.skipped() {
                    progress.message(&format!("{}: already trained and evaluated, skipped", cell.name()));
                }
                done.push(outcome);
            }
            Err(e) => {
                progress.message(&format!("{}: FAILED: {e}", cell.name()));
                failed.push((cell.name(), e.to_string()));
            }
        }
    }
    let mut report = build_report(plan, &done, &failed);
    let files = write_report(&plan.out_dir, &mut report)?;
    for w in &files.warnings {
        progress.message(&format!("plot not drawn: {w}"));
    }
    Ok(ExperimentOutcome {
        cells: done,
        failed,
        report,
        files,
    })
}
