//! `cargo xtask fuzz`: the fuzz soak over every reader of input files.

use amvl_fuzz::{FuzzOptions, TargetKind, fuzz};
use anyhow::{Context, anyhow, bail};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// Mutated cases per reader (the hand-written hostile inputs and the seeds run besides).
    #[arg(long, default_value_t = 10_000)]
    pub cases: usize,
    /// Seed of the mutations (the same seed gives the same cases).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Readers to fuzz (default all): jsonl, blink, config, safetensors, tokenizer, png, jpeg,
    /// checkpoint, generate_image.
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<TargetKind>,
    /// A case running longer than this many seconds counts as a hang.
    #[arg(long, default_value_t = 20)]
    pub timeout: u64,
    /// Write the inputs that panicked or hung here (`<dir>/<reader>/<case>.bin`).
    #[arg(long, default_value = "fuzz-crashes")]
    pub crashes: PathBuf,
    /// Also write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(args: FuzzArgs) -> anyhow::Result<()> {
    let kinds = if args.targets.is_empty() {
        TargetKind::ALL.to_vec()
    } else {
        args.targets.clone()
    };
    let targets = kinds
        .iter()
        .map(|&k| amvl_fuzz::targets::target(k).map_err(|e| anyhow!("{k}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = FuzzOptions {
        cases: args.cases,
        seed: args.seed,
        timeout: Duration::from_secs(args.timeout),
        crashes: Some(args.crashes.clone()),
    };
    println!("fuzz: {} mutated cases per reader, seed {}", args.cases, args.seed);
    let report = fuzz(&targets, &options);
    println!(
        "{:<15} {:>7} {:>9} {:>8} {:>7} {:>6} {:>11} {:>16}  {:>8}",
        "reader", "cases", "accepted", "refused", "panics", "hangs", "slowest ms", "peak (case) MiB", "seconds"
    );
    for t in &report.targets {
        println!(
            "{:<15} {:>7} {:>9} {:>8} {:>7} {:>6} {:>11.1} {:>16}  {:>8.1}",
            t.target,
            t.cases,
            t.accepted,
            t.refused,
            t.panics.len(),
            usize::from(t.hang.is_some()),
            t.slowest_ms,
            match (t.peak_rss_mib, t.case_peak_mib) {
                (Some(peak), Some(case)) => format!("{peak:.0} ({case:.1})"),
                _ => String::new(),
            },
            t.seconds
        );
        for crash in t.panics.iter().chain(&t.hang) {
            let saved = crash
                .saved
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            println!("  {} {}: {} {saved}", t.target, crash.case, crash.message);
        }
    }
    println!(
        "fuzz: {} cases × {} readers, {} panics, {} hangs, peak memory {}",
        args.cases,
        report.targets.len(),
        report.panics(),
        report.hangs(),
        report
            .peak_rss_mib
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "unknown".into())
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?).with_context(|| path.display().to_string())?;
        println!("wrote {}", path.display());
    }
    if report.panics() + report.hangs() > 0 {
        bail!(
            "{} panics and {} hangs (inputs in {})",
            report.panics(),
            report.hangs(),
            args.crashes.display()
        );
    }
    Ok(())
}
