//! `cargo xtask export`: a trained run's vision tower and decoder as Hugging Face folders.

use amvl::core::parse_device;
use amvl_train::run::load_run;
use anyhow::{anyhow, bail};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The run folder written by `cargo xtask train`.
    #[arg(long)]
    pub run: PathBuf,
    /// Output folder: gets `decoder/` (Llama/Qwen2) and `vision/` (SigLIP/CLIP), each with
    /// config.json + model.safetensors. Must not exist yet.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!(
            "{} exists; choose a new --out (nothing is overwritten)",
            args.out.display()
        );
    }
    let device = parse_device("flex")?;
    let (config, _, model) = load_run(&args.run, &device).map_err(|e| anyhow!(e))?;
    let decoder = amvl_hf::export_decoder(&model.decoder, &config.model.decoder, &args.out.join("decoder"))?;
    let vision = amvl_hf::export_vision(&model.vision, &args.out.join("vision"))?;
    std::fs::copy(
        args.run.join("tokenizer.json"),
        args.out.join("decoder").join("tokenizer.json"),
    )?;
    println!(
        "exported {} → {}/decoder ({decoder:?}), {}/vision ({vision:?})",
        args.run.display(),
        args.out.display(),
        args.out.display()
    );
    println!(
        "(the projector and latent block are AMVL's own; they stay in {}/model.safetensors)",
        args.run.display()
    );
    Ok(())
}
