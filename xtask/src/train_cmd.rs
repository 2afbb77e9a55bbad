//! `cargo xtask train`

use amvl::burn::module::Module;
use amvl::core::parse_device;
use amvl::loss::Objective;
use amvl_eval::{EvalOptions, run_eval};
use amvl_train::run::{Pretrained, TrainRequest, run_training};
use amvl_train::session::DataSource;
use amvl_train::{RunConfig, StopAt};
use anyhow::{Context, anyhow, bail};
use std::path::PathBuf;

use crate::progress;

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Run config (TOML).
    #[arg(long, default_value = "configs/small.toml")]
    pub config: PathBuf,
    /// flex, wgpu[:N], vulkan[:N] or cuda[:N] (each needs its Cargo feature).
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Float dtype of parameters, activations and optimizer state: f32, or bf16 where the device
    /// supports it (pure bf16, no f32 master weights; f16 is refused: its range is too small).
    #[arg(long, default_value = "f32")]
    pub dtype: String,
    /// `bf16-mixed`: f32 master parameters and AdamW state, forward and backward in bf16 (sets
    /// the device's float dtype to bf16 and `train.precision`); `f32`: as `--dtype` says.
    #[arg(long)]
    pub precision: Option<amvl_train::precision::Precision>,
    /// Objective: amvl, amvl_reverse_first, ntp_only, fwd, rev, elbo, dreamer, no_latent.
    #[arg(long)]
    pub variant: Option<Objective>,
    /// `suite` (the embedded benchmark) or a folder with data.jsonl (or BLINK parquet).
    #[arg(long, default_value = "suite")]
    pub data: String,
    /// Run folder (default runs/<variant>-seed<seed>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Training seed (overrides train.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Continue the run in --out from its latest checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Override train.steps.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Stop (as if interrupted) after this many steps; --resume continues.
    #[arg(long, hide = true)]
    pub stop_after: Option<u64>,
    /// Skip the evaluation after training.
    #[arg(long)]
    pub no_eval: bool,
    /// Start the vision tower from a Hugging Face SigLIP/CLIP folder (config.json + safetensors).
    #[arg(long)]
    pub init_vision: Option<PathBuf>,
    /// Start the decoder from a Hugging Face Llama/Qwen2 folder.
    #[arg(long)]
    pub init_decoder: Option<PathBuf>,
    /// A Hugging Face tokenizer.json to use instead of one trained on the data.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Keep a part fixed: vision and/or decoder (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub freeze: Vec<String>,
    /// Under an MPI launcher: `mpi` (the gradients over MPI, any device) or `nccl` (over NCCL,
    /// `cuda` devices; needs the `nccl` feature).
    #[arg(long, default_value = "mpi", value_parser = ["mpi", "nccl"])]
    pub collective: String,
    /// Evaluation splits.
    #[arg(long, default_value = "test-id,test-ood", value_delimiter = ',')]
    pub split: Vec<amvl_data::Split>,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let config_path = crate::resolve(&args.config);
    let mut config = RunConfig::load(&config_path).map_err(|e| anyhow!(e))?;
    if let Some(v) = args.variant {
        config.loss.objective = v;
    }
    if let Some(seed) = args.seed {
        config.train.seed = seed;
    }
    if let Some(steps) = args.steps {
        config.train.steps = steps;
    }
    if !args.freeze.is_empty() {
        config.train.freeze = args.freeze.clone();
    }
    config
        .validate()
        .map_err(|e| anyhow!("{}: {e}", config_path.display()))?;
    let data: DataSource = args.data.parse()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-seed{}", config.loss.objective, config.train.seed)));
    let collective = amvl_train::collective::global();
    let rank0 = collective.rank() == 0;
    let device_name = match args.device.as_str() {
        // One device per rank on a multi-GPU machine: cuda:LOCAL_RANK.
        name @ ("cuda" | "wgpu" | "vulkan") if collective.world_size() > 1 => {
            format!("{name}:{}", collective.local_rank())
        }
        name => name.to_string(),
    };
    let mut device = parse_device(&device_name)?;
    let mut dtype = amvl::core::parse_float_dtype(&args.dtype)?;
    if let Some(precision) = args.precision {
        config.train.precision = precision;
    }
    if config.train.precision == amvl_train::precision::Precision::Bf16Mixed {
        if dtype != amvl::burn::tensor::FloatDType::F32 && dtype != amvl::burn::tensor::FloatDType::BF16 {
            bail!("--precision bf16-mixed computes in bf16; drop --dtype {}", args.dtype);
        }
        dtype = amvl::burn::tensor::FloatDType::BF16;
    }
    if dtype == amvl::burn::tensor::FloatDType::F16 {
        bail!(
            "--dtype f16: training in pure f16 diverges (AdamW's ε = 1e-8 and small squared gradients \
             underflow, and there are no f32 master weights); use --dtype bf16 (f32's range) or f32"
        );
    }
    amvl::core::set_float_dtype(&mut device, &device_name, dtype)?;
    let request = TrainRequest {
        pretrained: Pretrained {
            vision: args.init_vision.clone(),
            decoder: args.init_decoder.clone(),
            tokenizer: args.tokenizer.clone(),
        },
        config,
        data: data.clone(),
        out: out.clone(),
        resume: args.resume,
        stop: StopAt(args.stop_after),
    };
    let mut progress: Box<dyn amvl_train::Progress> = match (rank0, collective.world_size()) {
        (true, 1) => progress::for_stdout(),
        // MPI launchers hand rank 0 a pseudo-terminal the dashboard cannot drive.
        (true, _) => Box::new(amvl_train::LinePrinter),
        (false, _) => Box::new(progress::Silent),
    };
    let started = std::time::Instant::now();
    let (outcome, config, tok) = run_training(&request, &device, progress.as_mut()).map_err(|e| anyhow!(e))?;
    if !rank0 {
        return Ok(());
    }
    println!(
        "trained {} steps in {:.0} s; checkpoint {}",
        outcome.state.step,
        started.elapsed().as_secs_f64(),
        outcome.last_checkpoint.display()
    );
    if outcome.state.step < config.train.steps {
        println!(
            "stopped at step {} of {}; `cargo xtask train --out {} --resume` continues",
            outcome.state.step,
            config.train.steps,
            out.display()
        );
        return Ok(());
    }
    if args.no_eval {
        return Ok(());
    }
    let model = amvl::core::to_device_dtype(outcome.model.valid(), &device);
    let report = run_eval(
        &out,
        &model,
        &config,
        tok,
        &data,
        &args.split,
        &EvalOptions {
            controls: true,
            ..EvalOptions::default()
        },
        &device,
    )
    .map_err(|e| anyhow!(e))
    .context("evaluation")?;
    println!("\n{}", report.table());
    println!(
        "(accuracy in %, answers scored by the generated letter; also in {}/eval.md)",
        out.display()
    );
    Ok(())
}
