//! `cargo xtask eval`

use amvl::core::parse_device;
use amvl_eval::{EvalOptions, run_eval};
use amvl_train::run::load_run;
use amvl_train::session::DataSource;
use anyhow::anyhow;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The run folder written by `cargo xtask train`.
    #[arg(long)]
    pub run: PathBuf,
    /// Splits to evaluate.
    #[arg(long, default_value = "test-id,test-ood", value_delimiter = ',')]
    pub split: Vec<amvl_data::Split>,
    /// `suite` or a folder with data.jsonl / BLINK parquet.
    #[arg(long, default_value = "suite")]
    pub data: String,
    /// Prior sampling temperatures (0 = the mean, always reported).
    #[arg(long, default_value = "0,0.2,1.0", value_delimiter = ',')]
    pub tau: Vec<f64>,
    #[arg(long, default_value = "flex")]
    pub device: String,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Items per task and split (default: the run's data.eval_per_task).
    #[arg(long)]
    pub per_task: Option<usize>,
    /// Skip the leakage and latent-control conditions.
    #[arg(long)]
    pub no_controls: bool,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let device = parse_device(&args.device)?;
    let (mut config, tok, model) = load_run(&args.run, &device).map_err(|e| anyhow!(e))?;
    if let Some(n) = args.per_task {
        config.data.eval_per_task = n;
    }
    let data: DataSource = args.data.parse()?;
    let options = EvalOptions {
        taus: args.tau.clone(),
        batch_size: args.batch_size,
        controls: !args.no_controls,
        seed: config.train.seed,
        ..EvalOptions::default()
    };
    let report = run_eval(&args.run, &model, &config, tok, &data, &args.split, &options, &device)?;
    println!("{}", report.table());
    Ok(())
}
