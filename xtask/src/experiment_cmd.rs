//! `cargo xtask experiment`: the objective ablation as a grid of runs (variants × seeds), then
//! `report.md`, `report.json` and PNG plots. Resumable: finished runs are skipped, interrupted
//! ones continue from their latest checkpoint.

use amvl::core::parse_device;
use amvl::loss::Objective;
use amvl_eval::EvalOptions;
use amvl_report::{ExperimentPlan, Seeds, TrainAction, run_experiment};
use amvl_train::session::DataSource;
use amvl_train::{Progress, RunConfig, StepRecord};
use anyhow::{anyhow, bail};
use std::path::PathBuf;
use std::time::Instant;

use crate::progress;

#[derive(clap::Args, Debug)]
pub struct ExperimentArgs {
    /// Base run config (TOML); each run overrides loss.objective and train.seed.
    #[arg(long, default_value = "configs/small.toml")]
    pub config: PathBuf,
    /// Objectives to compare.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "amvl,amvl_reverse_first,fwd,rev,ntp_only,elbo,dreamer,no_latent"
    )]
    pub variants: Vec<Objective>,
    /// Training seeds: a count (`3` = seeds 0, 1, 2) or a list (`0,4,7`; one seed as `5,`).
    #[arg(long, default_value = "3")]
    pub seeds: Seeds,
    /// Folder for the runs (`<variant>-seed<k>`) and the report.
    #[arg(long, default_value = "runs/experiment")]
    pub out: PathBuf,
    /// flex, wgpu[:N], vulkan[:N] or cuda[:N] (each needs its Cargo feature).
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// `suite` (the embedded benchmark) or a folder with data.jsonl (or BLINK parquet).
    #[arg(long, default_value = "suite")]
    pub data: String,
    /// Override train.steps (for quick runs; runs already made with other steps are refused).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Evaluation splits.
    #[arg(long, default_value = "test-id,test-ood", value_delimiter = ',')]
    pub split: Vec<amvl_data::Split>,
}

/// A fresh progress bar for each run of the grid.
struct PerRun {
    inner: Box<dyn Progress>,
}

impl Progress for PerRun {
    fn record(&mut self, record: &StepRecord, total_steps: u64) {
        self.inner.record(record, total_steps);
    }
    fn message(&mut self, text: &str) {
        if text.starts_with('[') {
            self.inner = progress::for_stdout();
        }
        self.inner.message(text);
    }
    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
    fn finish(&mut self) {
        self.inner.finish();
    }
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=.,:/+@%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The command as typed (`cargo xtask experiment …`), for the report.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).map(|a| quote(&a)).collect();
    format!("cargo xtask {}", args.join(" "))
}

pub fn run(args: ExperimentArgs) -> anyhow::Result<()> {
    let config_path = crate::resolve(&args.config);
    let config = RunConfig::load(&config_path).map_err(|e| anyhow!(e))?;
    let data: DataSource = args.data.parse()?;
    let device = parse_device(&args.device)?;
    let mut plan = ExperimentPlan::new(config);
    plan.config_path = args.config.display().to_string();
    plan.variants = args.variants;
    plan.seeds = args.seeds;
    plan.out_dir = args.out;
    plan.data = data;
    plan.device = args.device;
    plan.steps = args.steps;
    plan.splits = args.split;
    plan.eval = EvalOptions {
        controls: true,
        ..EvalOptions::default()
    };
    plan.command = command_line();
    plan.validate().map_err(|e| anyhow!(e))?;
    let cells = plan.cells();
    println!(
        "experiment: {} variants × {} seeds = {} runs in {}",
        plan.variants.len(),
        plan.seeds.values().len(),
        cells.len(),
        plan.out_dir.display()
    );
    let mut progress = PerRun {
        inner: progress::for_stdout(),
    };
    let started = Instant::now();
    let outcome = run_experiment(&plan, &device, &mut progress).map_err(|e| anyhow!(e))?;
    let trained = outcome.cells.iter().filter(|c| c.train != TrainAction::Skipped).count();
    let skipped = outcome.skipped();
    println!(
        "\n{} runs trained, {} already complete{}, {} failed; {:.0} s",
        trained,
        skipped.len(),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(" ({})", skipped.join(", "))
        },
        outcome.failed.len(),
        started.elapsed().as_secs_f64()
    );
    for f in &outcome.files.files {
        println!("wrote {}", f.display());
    }
    for w in &outcome.files.warnings {
        eprintln!("warning: plot not drawn: {w}");
    }
    if !outcome.failed.is_empty() {
        let list: Vec<String> = outcome.failed.iter().map(|(c, e)| format!("{c}: {e}")).collect();
        bail!(
            "{} of {} runs failed (the report covers the others; rerun to retry):\n  {}",
            outcome.failed.len(),
            cells.len(),
            list.join("\n  ")
        );
    }
    Ok(())
}
