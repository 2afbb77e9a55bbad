//! `cargo xtask backends`: the same model on several backends, compared with `flex`.

use amvl_bench::backends::{ParityOptions, Tolerances, compare};
use amvl_train::RunConfig;
use anyhow::{anyhow, bail};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct BackendsArgs {
    /// Devices to compare with flex (each as --device takes it).
    #[arg(long, default_value = "flex,wgpu,cuda", value_delimiter = ',')]
    pub devices: Vec<String>,
    /// Run config giving the model shape, loss and optimizer (the tiny one keeps it quick).
    #[arg(long, default_value = "configs/tiny.toml")]
    pub config: PathBuf,
    /// Optimizer steps whose losses are compared.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Float dtype on the compared devices: f32, f16 or bf16 (flex stays f32 as the reference).
    #[arg(long, default_value = "f32")]
    pub dtype: String,
    /// `bf16-mixed`: the compared devices compute in bf16 on a copy of f32 master weights and
    /// AdamW state, as `train --precision bf16-mixed` (implies `--dtype bf16`); `f32`: as `--dtype`.
    #[arg(long)]
    pub precision: Option<amvl_train::precision::Precision>,
    /// Fail when a listed device is not compiled in or not available (on a GPU machine, so that
    /// a missing driver cannot pass unnoticed).
    #[arg(long)]
    pub require_all: bool,
    /// Also write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(args: BackendsArgs) -> anyhow::Result<()> {
    let config_path = crate::resolve(&args.config);
    let config = RunConfig::load(&config_path).map_err(|e| anyhow!(e))?;
    let precision = args.precision.unwrap_or_default();
    let mixed = precision == amvl_train::precision::Precision::Bf16Mixed;
    if mixed && !matches!(args.dtype.as_str(), "f32" | "bf16") {
        bail!("--precision bf16-mixed computes in bf16; drop --dtype {}", args.dtype);
    }
    let float = amvl::core::parse_float_dtype(if mixed { "bf16" } else { &args.dtype })?;
    let mut options = ParityOptions::new(config, std::env::temp_dir().join("amvl-backends"));
    options.steps = args.steps;
    options.float = float;
    options.tolerances = Tolerances::for_dtype(float);
    options.precision = precision;
    let report = compare(&options, &args.devices).map_err(|e| anyhow!(e))?;
    print!("{}", report.table());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    }
    let compared = report.devices.iter().filter(|d| d.status == "compared").count();
    if !report.all_within_tolerance() {
        bail!("a backend disagrees with flex beyond tolerance (see FAIL rows)");
    }
    let absent: Vec<&str> = report
        .devices
        .iter()
        .filter(|d| d.status != "compared" && d.device != "flex")
        .map(|d| d.device.as_str())
        .collect();
    if args.require_all && !absent.is_empty() {
        bail!("--require-all: not compared: {}", absent.join(", "));
    }
    println!(
        "{compared} backend(s) compared within tolerance; {} not available",
        report.devices.len() - compared
    );
    Ok(())
}
