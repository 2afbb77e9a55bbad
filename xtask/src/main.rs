//! `cargo xtask …`: the project's commands (train, eval, data, …).

mod backends_cmd;
mod bench_cmd;
mod chaos_cmd;
mod data_cmd;
mod eval_cmd;
mod experiment_cmd;
mod export_cmd;
mod fuzz_cmd;
mod generate_cmd;
mod hf_cmd;
mod progress;
mod train_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "cargo xtask", about = "AMVL on Burn: train, evaluate, inspect data", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model (defaults: configs/small.toml, the embedded suite, CPU), then evaluate it.
    Train(train_cmd::TrainArgs),
    /// Evaluate a trained run: accuracy, answer leakage and latent controls per task and split.
    Eval(eval_cmd::EvalArgs),
    /// Export, preview and check datasets.
    #[command(subcommand)]
    Data(data_cmd::DataCommand),
    /// Run the objective ablation (variants × seeds), then write report.md, report.json and plots.
    Experiment(experiment_cmd::ExperimentArgs),
    /// Export a trained run's decoder and vision tower as Hugging Face safetensors folders.
    Export(export_cmd::ExportArgs),
    /// Answer a question about images with a trained run.
    Generate(generate_cmd::GenerateArgs),
    /// Compare the model on several backends with flex: outputs, gradients, losses, step time.
    Backends(backends_cmd::BackendsArgs),
    /// Load a Hugging Face checkpoint folder and compare it with its reference.safetensors.
    HfCheck(hf_cmd::HfCheckArgs),
    /// Kill -9 a training run at random moments, resume it, and compare its weights with an
    /// uninterrupted run's, byte for byte.
    Chaos(chaos_cmd::ChaosArgs),
    /// Fuzz every reader of input files with mutated and hostile bytes; count panics and hangs.
    Fuzz(fuzz_cmd::FuzzArgs),
    /// Time the training step, prefill and decode on fixed shapes (optionally beside PyTorch).
    Bench(bench_cmd::BenchArgs),
}

/// The workspace root (where `configs/` lives), found from this crate's manifest.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `path` as given if it exists, else relative to the workspace root.
pub fn resolve(path: &std::path::Path) -> PathBuf {
    if path.exists() || path.is_absolute() {
        return path.to_path_buf();
    }
    let rooted = workspace_root().join(path);
    if rooted.exists() { rooted } else { path.to_path_buf() }
}

fn main() {
    let cli = Cli::parse();
    // Burn loads optimizer state on its default device (the first GPU backend compiled in) and
    // moves it to the parameters' device at the next step. On the host that costs nothing and
    // starts no GPU driver, which would otherwise print driver errors on machines without one.
    if cfg!(feature = "flex") && std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    // Held to the end of main: dropping it finalises MPI.
    let _mpi = match start_collective() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let result = amvl::core::threads::run_on_pool(0, move || match cli.command {
        Command::Train(args) => train_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Data(cmd) => data_cmd::run(cmd),
        Command::HfCheck(args) => hf_cmd::run(args),
        Command::Backends(args) => backends_cmd::run(args),
        Command::Experiment(args) => experiment_cmd::run(args),
        Command::Generate(args) => generate_cmd::run(args),
        Command::Export(args) => export_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Chaos(args) => chaos_cmd::run(args),
        Command::Fuzz(args) => fuzz_cmd::run(args),
    });
    if let Err(e) = result {
        let collective = amvl_train::collective::global();
        if collective.world_size() > 1 {
            eprintln!(
                "error (rank {} of {}): {e:#}",
                collective.rank(),
                collective.world_size()
            );
            collective.abort(1);
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Under an MPI launcher, joins the MPI world (data-parallel training) and returns what keeps
/// MPI initialised; otherwise nothing.
fn start_collective() -> anyhow::Result<Option<Box<dyn std::any::Any>>> {
    if !amvl_train::collective::launched_by_mpi() {
        return Ok(None);
    }
    #[cfg(feature = "mpi")]
    {
        let timeout = std::time::Duration::from_secs(300);
        // `--collective nccl` (or AMVL_COLLECTIVE=nccl): the gradients go over NCCL.
        let nccl = std::env::args().any(|a| a == "--collective=nccl")
            || std::env::args()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0] == "--collective" && w[1] == "nccl")
            || std::env::var("AMVL_COLLECTIVE").is_ok_and(|v| v == "nccl");
        if nccl {
            #[cfg(feature = "nccl")]
            {
                let (universe, collective) =
                    amvl_train::collective::nccl::NcclCollective::init(timeout).map_err(|e| anyhow::anyhow!(e))?;
                let _ = amvl_train::collective::set_global(std::sync::Arc::new(collective));
                return Ok(Some(Box::new(universe)));
            }
            #[cfg(not(feature = "nccl"))]
            anyhow::bail!("--collective nccl: this xtask was built without the `nccl` feature");
        }
        let (universe, mpi) =
            amvl_train::collective::mpi::MpiCollective::init(timeout).map_err(|e| anyhow::anyhow!(e))?;
        let _ = amvl_train::collective::set_global(std::sync::Arc::new(mpi));
        Ok(Some(Box::new(universe)))
    }
    #[cfg(not(feature = "mpi"))]
    {
        let ranks = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]
            .iter()
            .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok());
        if ranks.is_none_or(|n| n <= 1) {
            return Ok(None);
        }
        anyhow::bail!(
            "started by an MPI launcher, but this xtask was built without MPI: build it with \
             `--features mpi` (needs an MPI library and libclang) to train data-parallel"
        )
    }
}
