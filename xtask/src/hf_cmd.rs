//! `cargo xtask hf-check DIR`: loads a Hugging Face checkpoint and compares it with the
//! `reference.safetensors` stored next to it.

use std::path::PathBuf;

use amvl::core::parse_device;
use anyhow::{anyhow, bail};

#[derive(clap::Args, Debug)]
pub struct HfCheckArgs {
    /// Checkpoint folder: config.json, model.safetensors (or a sharded index) and
    /// reference.safetensors. Llama/Qwen2 causal LMs and SigLIP/CLIP vision towers.
    pub dir: PathBuf,
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Largest acceptable absolute error of any output.
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
}

/// Prints the max abs error of every output (and, for a causal LM, whether the greedy
/// continuation decoded through the KV cache matches); fails beyond `--tol` or on any greedy
/// token that differs.
pub fn run(args: HfCheckArgs) -> anyhow::Result<()> {
    let device = parse_device(&args.device)?;
    let dir = crate::resolve(&args.dir);
    // `HfError` messages already include their cause; no `context` chain to repeat it.
    let report = amvl_hf::check_dir(&dir, &device).map_err(|e| anyhow!("checking `{}`: {e}", dir.display()))?;
    print!("{report}");
    let tol = args.tol as f32;
    let over: Vec<String> = report
        .outputs()
        .iter()
        .filter(|o| o.max_abs_error.is_nan() || o.max_abs_error > tol)
        .map(|o| format!("{} ({:.3e})", o.name, o.max_abs_error))
        .collect();
    let greedy_differs = report.greedy().is_some_and(|g| !g.matches());
    if !over.is_empty() || greedy_differs {
        let mut problems = Vec::new();
        if !over.is_empty() {
            problems.push(format!("beyond --tol {:e}: {}", args.tol, over.join(", ")));
        }
        if greedy_differs {
            problems.push("the greedy continuation differs".to_string());
        }
        bail!(
            "{} does not match its reference: {}",
            report.architecture(),
            problems.join("; ")
        );
    }
    println!("ok: every output within {:e}", args.tol);
    Ok(())
}
