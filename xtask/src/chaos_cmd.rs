//! `cargo xtask chaos`: kill -9 a training run at random moments (some inside a checkpoint
//! write), resume it until it finishes, and require its final weights to equal, byte for byte,
//! those of the same run left alone.

use amvl_train::RunConfig;
use amvl_train::checkpoint::CHAOS_PAUSE_ENV;
use amvl_train::run::FINAL_MODEL_FILE;
use anyhow::{Context, anyhow, bail};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct ChaosArgs {
    /// Interrupted runs to compare with the reference.
    #[arg(long, default_value_t = 10)]
    pub trials: usize,
    /// Run config (its model, data and seed; steps and checkpoint interval are set below).
    #[arg(long, default_value = "configs/tiny.toml")]
    pub config: PathBuf,
    /// Seed of the kill schedule (printed; the same seed gives the same delays).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Training steps of each run.
    #[arg(long, default_value_t = 150)]
    pub steps: u64,
    /// Checkpoint every this many steps.
    #[arg(long, default_value_t = 7)]
    pub checkpoint_every: u64,
    /// Kills per trial before it is let finish (each trial draws 1..=this).
    #[arg(long, default_value_t = 3)]
    pub max_kills: usize,
    /// Pause after each file of a checkpoint write (ms), widening the window a kill can hit.
    #[arg(long, default_value_t = 15)]
    pub pause_ms: u64,
    /// Folder for the runs (default: a temporary folder, removed afterwards).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the table as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// One kill: when it was sent, and whether a checkpoint write was under way.
#[derive(Serialize, Debug, Clone)]
struct Kill {
    after_ms: u64,
    inside_checkpoint: bool,
}

#[derive(Serialize, Debug)]
struct Trial {
    trial: usize,
    aimed_at_checkpoints: bool,
    kills: Vec<Kill>,
    resumes: usize,
    equal: bool,
}

#[derive(Serialize, Debug)]
struct ChaosReport {
    seed: u64,
    steps: u64,
    checkpoint_every: u64,
    reference_seconds: f64,
    trials: Vec<Trial>,
    equal: usize,
    kills: usize,
    kills_inside_checkpoints: usize,
}

/// What a child said on stderr, as it ran.
#[derive(Default)]
struct ChildLog {
    /// A checkpoint write has begun and not yet ended.
    writing: bool,
    /// When the latest checkpoint write began.
    write_started: Option<Instant>,
    tail: Vec<String>,
}

struct Launch<'a> {
    exe: PathBuf,
    config: &'a Path,
    pause_ms: u64,
}

impl Launch<'_> {
    fn spawn(&self, out: &Path, resume: bool) -> anyhow::Result<(Child, Arc<Mutex<ChildLog>>)> {
        let mut command = Command::new(&self.exe);
        command
            .args(["train", "--data", "suite", "--no-eval", "--config"])
            .arg(self.config)
            .arg("--out")
            .arg(out)
            .env(CHAOS_PAUSE_ENV, self.pause_ms.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if resume {
            command.arg("--resume");
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", self.exe.display()))?;
        let log = Arc::new(Mutex::new(ChildLog::default()));
        let stderr = child.stderr.take().expect("piped");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                if line.starts_with("checkpoint: writing") {
                    log.writing = true;
                    log.write_started = Some(Instant::now());
                } else if line.starts_with("checkpoint: wrote") {
                    log.writing = false;
                } else {
                    log.tail.push(line);
                    if log.tail.len() > 20 {
                        log.tail.remove(0);
                    }
                }
            }
        });
        Ok((child, log))
    }
}

fn wait_ok(mut child: Child, log: &Mutex<ChildLog>, what: &str) -> anyhow::Result<()> {
    let status = child.wait()?;
    if !status.success() {
        bail!("{what} failed ({status}):\n{}", log.lock().unwrap().tail.join("\n"));
    }
    Ok(())
}

/// Runs until `deadline` or until a checkpoint write is under way (when `aim`), then kills.
/// `None` when the child finished first.
fn kill_at(
    child: &mut Child,
    log: &Mutex<ChildLog>,
    started: Instant,
    deadline: Duration,
    aim: Option<Duration>,
) -> anyhow::Result<Option<Kill>> {
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("a trainer failed ({status}):\n{}", log.lock().unwrap().tail.join("\n"));
            }
            return Ok(None);
        }
        let now = started.elapsed();
        let fire = match aim {
            Some(offset) => {
                let log = log.lock().unwrap();
                now >= deadline && log.writing && log.write_started.is_some_and(|t| t.elapsed() >= offset)
            }
            None => now >= deadline,
        };
        if fire {
            let inside = log.lock().unwrap().writing;
            child.kill()?;
            child.wait()?;
            return Ok(Some(Kill {
                after_ms: now.as_millis() as u64,
                inside_checkpoint: inside,
            }));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub fn run(args: ChaosArgs) -> anyhow::Result<()> {
    let config_path = crate::resolve(&args.config);
    let mut config = RunConfig::load(&config_path).map_err(|e| anyhow!(e))?;
    config.train.steps = args.steps;
    config.train.checkpoint_every = args.checkpoint_every;
    config.train.log_every = config.train.log_every.min(args.steps);
    config
        .validate()
        .map_err(|e| anyhow!("{}: {e}", config_path.display()))?;
    let scratch = tempfile::tempdir()?;
    let work = args.out.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&work).with_context(|| work.display().to_string())?;
    let chaos_config = work.join("chaos.toml");
    std::fs::write(&chaos_config, toml_text(&config)?).with_context(|| chaos_config.display().to_string())?;
    let launch = Launch {
        exe: std::env::current_exe()?,
        config: &chaos_config,
        pause_ms: args.pause_ms,
    };

    println!(
        "chaos: {} trials of {} ({} steps, a checkpoint every {}), kill schedule seed {}",
        args.trials,
        config_path.display(),
        args.steps,
        args.checkpoint_every,
        args.seed
    );
    let reference = work.join("reference");
    let started = Instant::now();
    let (child, log) = launch.spawn(&reference, false)?;
    wait_ok(child, &log, "the reference run")?;
    let reference_time = started.elapsed();
    let reference_bytes = std::fs::read(reference.join(FINAL_MODEL_FILE))?;
    println!("reference: {:.1} s", reference_time.as_secs_f64());

    let mut trials = Vec::new();
    println!(
        "{:>5}  {:>6}  {:<40}  {:>7}  equal",
        "trial", "aimed", "kills (ms after start, * = in a checkpoint write)", "resumes"
    );
    for trial in 0..args.trials {
        let mut rng = StdRng::seed_from_u64(args.seed.wrapping_mul(1_000_003).wrapping_add(trial as u64));
        let aimed = trial % 3 == 1;
        let planned = rng.random_range(1..=args.max_kills.max(1));
        let out = work.join(format!("trial-{trial}"));
        let mut kills = Vec::new();
        let mut resumes = 0;
        let mut finished = false;
        for attempt in 0..planned {
            let (mut child, log) = launch.spawn(&out, attempt > 0)?;
            resumes += usize::from(attempt > 0);
            let deadline = reference_time.mul_f64(rng.random_range(0.05..0.8));
            let aim = aimed.then(|| Duration::from_millis(rng.random_range(0..=4 * args.pause_ms)));
            match kill_at(&mut child, &log, Instant::now(), deadline, aim)? {
                Some(kill) => kills.push(kill),
                None => {
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            let (child, log) = launch.spawn(&out, true)?;
            resumes += 1;
            wait_ok(child, &log, &format!("trial {trial}'s last resume"))?;
        }
        let bytes = std::fs::read(out.join(FINAL_MODEL_FILE))
            .with_context(|| format!("trial {trial}: {}", out.join(FINAL_MODEL_FILE).display()))?;
        let equal = bytes == reference_bytes;
        let shown: Vec<String> = kills
            .iter()
            .map(|k| format!("{}{}", k.after_ms, if k.inside_checkpoint { "*" } else { "" }))
            .collect();
        println!(
            "{trial:>5}  {:>6}  {:<40}  {resumes:>7}  {}",
            if aimed { "yes" } else { "no" },
            shown.join(" "),
            if equal { "yes" } else { "NO" }
        );
        trials.push(Trial {
            trial,
            aimed_at_checkpoints: aimed,
            kills,
            resumes,
            equal,
        });
    }
    let report = ChaosReport {
        seed: args.seed,
        steps: args.steps,
        checkpoint_every: args.checkpoint_every,
        reference_seconds: reference_time.as_secs_f64(),
        equal: trials.iter().filter(|t| t.equal).count(),
        kills: trials.iter().map(|t| t.kills.len()).sum(),
        kills_inside_checkpoints: trials
            .iter()
            .flat_map(|t| &t.kills)
            .filter(|k| k.inside_checkpoint)
            .count(),
        trials,
    };
    println!(
        "kill -9: {} of {} bit-identical to the reference, {} kills, {} inside checkpoint writes",
        report.equal,
        report.trials.len(),
        report.kills,
        report.kills_inside_checkpoints
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?).with_context(|| path.display().to_string())?;
        println!("wrote {}", path.display());
    }
    if report.equal != report.trials.len() {
        bail!(
            "{} of {} trials ended with weights that differ from the reference",
            report.trials.len() - report.equal,
            report.trials.len()
        );
    }
    Ok(())
}

fn toml_text(config: &RunConfig) -> anyhow::Result<String> {
    Ok(toml::to_string_pretty(config)?)
}
