//! `--compare`: ours and the PyTorch reference on the same machine in one go, alternating.
//!
//! The reference runs as a child process (`torch_reference.py --serve`) that keeps its model
//! warm and answers one request per line on stdin with one JSON line on stdout. Each round times
//! a block of every figure on both sides, in the order ours–theirs on even rounds and theirs–ours
//! on odd ones, so that a slow drift of the machine falls on both alike. Ratios come from these
//! interleaved blocks only, never from absolute times of different runs.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::error::BenchError;
use crate::{BenchOptions, BenchSession, Figure, Timings, derived, figures_json, system};

/// How to start the reference.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The Python with torch installed.
    pub python: PathBuf,
    /// bench/torch_reference.py
    pub script: PathBuf,
    /// `cpu` or `cuda`.
    pub device: String,
    /// `fp32`, `bf16` or `compile`.
    pub mode: String,
    /// Threads for torch (`torch.set_num_threads`); the same as flex's pool.
    pub threads: usize,
}

pub struct ReferenceProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// What the reference said when it was ready (versions, device, threads).
    pub hello: Value,
}

impl ReferenceProcess {
    /// Writes the spec next to `work_dir` and starts the reference on it.
    pub fn start(reference: &Reference, spec: &Value, seed: u64, work_dir: &Path) -> Result<Self, BenchError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BenchError::Io { path, source }
        };
        std::fs::create_dir_all(work_dir).map_err(io(work_dir))?;
        let spec_path = work_dir.join("bench-spec.json");
        std::fs::write(&spec_path, serde_json::to_string_pretty(spec).expect("spec json")).map_err(io(&spec_path))?;
        let mut child = Command::new(&reference.python)
            .arg(&reference.script)
            .args(["--spec"])
            .arg(&spec_path)
            .args(["--device", &reference.device, "--mode", &reference.mode])
            .args([
                "--threads",
                &reference.threads.to_string(),
                "--seed",
                &seed.to_string(),
                "--serve",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| BenchError::StartReference {
                python: reference.python.clone(),
                source,
            })?;
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut process = Self {
            child,
            stdin,
            stdout,
            hello: Value::Null,
        };
        process.hello = process.read_line()?;
        if process.hello.get("ready") != Some(&Value::Bool(true)) {
            return Err(BenchError::NotReady(process.hello));
        }
        Ok(process)
    }

    fn read_line(&mut self) -> Result<Value, BenchError> {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).map_err(BenchError::ReadReference)?;
            if n == 0 {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(BenchError::ReferenceExited(status));
            }
            let trimmed = line.trim();
            // Anything that is not a JSON object (a library's print) is passed through.
            if trimmed.starts_with('{') {
                return serde_json::from_str(trimmed).map_err(|source| BenchError::BadReply {
                    line: trimmed.to_string(),
                    source,
                });
            }
            if !trimmed.is_empty() {
                eprintln!("[torch] {trimmed}");
            }
        }
    }

    /// Asks for `runs` timed runs of `figure`; returns their seconds.
    pub fn run(&mut self, figure: Figure, runs: usize) -> Result<Vec<f64>, BenchError> {
        let request = json!({"cmd": "run", "figure": figure.key(), "runs": runs});
        writeln!(self.stdin, "{request}").map_err(BenchError::WriteReference)?;
        self.stdin.flush().map_err(BenchError::WriteReference)?;
        let reply = self.read_line()?;
        if let Some(error) = reply.get("error") {
            return Err(BenchError::ReferenceFailed {
                figure: figure.key(),
                error: error.clone(),
            });
        }
        match reply["times_s"].as_array() {
            Some(times) => Ok(times.iter().filter_map(Value::as_f64).collect()),
            None => Err(BenchError::NoTimes(reply)),
        }
    }

    /// Ends the reference; returns its closing record (memory, loss).
    pub fn finish(mut self) -> Result<Value, BenchError> {
        writeln!(self.stdin, "{}", json!({"cmd": "finish"})).map_err(BenchError::WriteReference)?;
        self.stdin.flush().ok();
        let last = self.read_line()?;
        let _ = self.child.wait();
        Ok(last)
    }
}

/// Warm-up on both sides, then `rounds` rounds of blocks of `steps / rounds` runs per figure.
pub fn compare(
    session: &mut BenchSession,
    reference: &mut ReferenceProcess,
    options: &BenchOptions,
    rounds: usize,
    mut progress: impl FnMut(&str),
) -> Result<(Timings, Timings), BenchError> {
    let rounds = rounds.max(1);
    let per_block = options.steps.div_ceil(rounds).max(1);
    let mut ours = Timings::default();
    let mut theirs = Timings::default();
    for &figure in &options.figures {
        progress(&format!("warm-up {}", figure.key()));
        let warm: Vec<f64> = (0..options.warmup).map(|_| session.run(figure)).collect();
        ours.push_warmup(figure, &warm);
        let warm = if options.warmup > 0 {
            reference.run(figure, options.warmup)?
        } else {
            Vec::new()
        };
        theirs.push_warmup(figure, &warm);
    }
    for round in 0..rounds {
        for &figure in &options.figures {
            progress(&format!("round {}/{rounds} {}", round + 1, figure.key()));
            let mut ours_block = || -> Vec<f64> { (0..per_block).map(|_| session.run(figure)).collect() };
            if round % 2 == 0 {
                let a = ours_block();
                let b = reference.run(figure, per_block)?;
                ours.push_timed(figure, &a);
                theirs.push_timed(figure, &b);
            } else {
                let b = reference.run(figure, per_block)?;
                let a = ours_block();
                ours.push_timed(figure, &a);
                theirs.push_timed(figure, &b);
            }
        }
    }
    Ok((ours, theirs))
}

/// The comparison record: both sides' figures, the ratios (reference time / our time: above 1
/// means ours is faster) and each side's in-run ratios.
#[allow(clippy::too_many_arguments)]
pub fn comparison_record(
    session: &BenchSession,
    ours: &Timings,
    theirs: &Timings,
    device_name: &str,
    dtype: &str,
    reference: &Reference,
    hello: &Value,
    last: &Value,
    options: &BenchOptions,
    rounds: usize,
) -> Value {
    let shape = &session.spec.shape;
    let ours_figs = figures_json(ours);
    let theirs_figs = figures_json(theirs);
    let mut ratios = serde_json::Map::new();
    for (key, ours_stats) in &ours_figs {
        if let (Some(a), Some(b)) = (
            ours_stats["median_s"].as_f64(),
            theirs_figs.get(key).and_then(|s| s["median_s"].as_f64()),
        ) {
            ratios.insert(key.clone(), json!(b / a));
        }
    }
    let ours_mem = session.memory();
    let theirs_mem = last.get("memory").cloned().unwrap_or(Value::Null);
    let loss = session.loss_value(Figure::TrainShared);
    json!({
        "kind": "comparison",
        "config": shape.name,
        "shape": shape,
        "spec": session.spec.to_json(),
        "steps": options.steps,
        "warmup": options.warmup,
        "micro_batches": session.micro_batches(),
        "rounds": rounds,
        "ratio_meaning": "reference median time / our median time, from interleaved blocks in one run (above 1: ours is faster)",
        "speed_ratio": ratios,
        "ours": {
            "implementation": "amvl-burn",
            "device": device_name,
            "dtype": dtype,
            "figures": ours_figs,
            "derived": derived(shape, &ours_figs),
            "flops": crate::flops::utilisation(&session.spec, &ours_figs, options.peak_tflops),
            "memory": {"host_peak_rss_bytes": system::peak_rss_bytes(), "device": ours_mem},
            "loss_after_bench": loss,
        },
        "reference": {
            "implementation": "pytorch",
            "device": reference.device,
            "mode": reference.mode,
            "threads": reference.threads,
            "hello": hello,
            "figures": theirs_figs,
            "derived": derived(shape, &theirs_figs),
            "flops": crate::flops::utilisation(&session.spec, &theirs_figs, options.peak_tflops),
            "memory": theirs_mem,
            "final": last,
        },
        "machine": system::machine(),
        "commit": system::commit(),
        "date_utc": system::date_utc(),
    })
}

/// Lines of the comparison table.
pub fn comparison_table(record: &Value) -> String {
    let mut out = String::new();
    let ms = |v: &Value| {
        v.as_f64()
            .map(|s| format!("{:9.2} ms", s * 1e3))
            .unwrap_or_else(|| "        –".into())
    };
    out.push_str(&format!(
        "{:<18} {:>12} {:>12} {:>10}\n",
        "figure", "ours", "pytorch", "pt/ours"
    ));
    for figure in Figure::ALL {
        let key = figure.key();
        let a = &record["ours"]["figures"][key]["median_s"];
        let b = &record["reference"]["figures"][key]["median_s"];
        if a.is_null() && b.is_null() {
            continue;
        }
        let r = record["speed_ratio"][key]
            .as_f64()
            .map(|r| format!("{r:.2}×"))
            .unwrap_or_else(|| "–".into());
        out.push_str(&format!("{key:<18} {} {} {r:>10}\n", ms(a), ms(b)));
    }
    for key in ["shared_over_one_pass", "naive_over_one_pass", "kv_cache_speedup"] {
        let f = |side: &str| {
            record[side]["derived"][key]
                .as_f64()
                .map(|v| format!("{v:.2}×"))
                .unwrap_or_else(|| "–".into())
        };
        out.push_str(&format!("{key:<18} {:>12} {:>12}\n", f("ours"), f("reference")));
    }
    let (what, key) = if record["ours"]["flops"]["peak_tflops"].is_null() {
        ("TFLOP/s", "achieved_tflops")
    } else {
        ("MFU", "mfu")
    };
    for figure in ["train_shared", "train_naive", "train_one_pass"] {
        let f = |side: &str| {
            record[side]["flops"][key][figure].as_f64().map(|v| {
                if key == "mfu" {
                    format!("{:.1}%", v * 100.0)
                } else {
                    format!("{v:.3}")
                }
            })
        };
        if let (Some(a), Some(b)) = (f("ours"), f("reference")) {
            let short = figure.trim_start_matches("train_");
            out.push_str(&format!("{:<18} {a:>12} {b:>12}\n", format!("{what} {short}")));
        }
    }
    let mem = |v: &Value| {
        v.as_u64()
            .map(|b| format!("{:.0} MiB", b as f64 / 1048576.0))
            .unwrap_or_else(|| "–".into())
    };
    out.push_str(&format!(
        "{:<18} {:>12} {:>12}\n",
        "host peak RSS",
        mem(&record["ours"]["memory"]["host_peak_rss_bytes"]),
        mem(&record["reference"]["memory"]["host_peak_rss_bytes"])
    ));
    let dev_a = &record["ours"]["memory"]["device"]["reserved_max"];
    let dev_b = &record["reference"]["memory"]["device_reserved_max_bytes"];
    if !dev_a.is_null() || !dev_b.is_null() {
        out.push_str(&format!(
            "{:<18} {:>12} {:>12}\n",
            "device reserved",
            mem(dev_a),
            mem(dev_b)
        ));
    }
    out
}
