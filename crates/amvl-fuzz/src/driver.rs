//! The seeded driver: hostile inputs, the seeds themselves, then mutated seeds; panics caught
//! and counted, each case timed against a limit (a case over it is reported as a hang).

use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::mutate::mutate;
use crate::target::Target;

#[derive(Clone, Debug)]
pub struct FuzzOptions {
    /// Mutated cases per target (the hostile inputs and the seeds run besides).
    pub cases: usize,
    pub seed: u64,
    /// A case running longer than this is a hang.
    pub timeout: Duration,
    /// Where failing inputs are written (`<dir>/<target>/<case>.bin`).
    pub crashes: Option<PathBuf>,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        Self {
            cases: 300,
            seed: 0,
            timeout: Duration::from_secs(20),
            crashes: None,
        }
    }
}

/// A case that panicked or hung.
#[derive(Serialize, Clone, Debug)]
pub struct Crash {
    pub case: String,
    pub message: String,
    pub saved: Option<PathBuf>,
}

#[derive(Serialize, Clone, Debug)]
pub struct TargetReport {
    pub target: String,
    pub cases: usize,
    /// Cases the reader accepted.
    pub accepted: usize,
    /// Cases the reader refused with an error.
    pub refused: usize,
    pub panics: Vec<Crash>,
    pub hang: Option<Crash>,
    pub slowest_ms: f64,
    /// Peak resident memory of the process while the target ran (Linux), MiB.
    pub peak_rss_mib: Option<f64>,
    /// Most memory one case added at its peak over what the process held before it, MiB, and
    /// that case: what bounds a hostile input's allocation.
    pub case_peak_mib: Option<f64>,
    pub case_peak_case: Option<String>,
    pub seconds: f64,
}

#[derive(Serialize, Clone, Debug)]
pub struct FuzzReport {
    pub seed: u64,
    pub mutated_cases_per_target: usize,
    pub targets: Vec<TargetReport>,
    /// Peak resident memory of the process over all targets (Linux), MiB.
    pub peak_rss_mib: Option<f64>,
}

impl FuzzReport {
    pub fn panics(&self) -> usize {
        self.targets.iter().map(|t| t.panics.len()).sum()
    }
    pub fn hangs(&self) -> usize {
        self.targets.iter().filter(|t| t.hang.is_some()).count()
    }
    pub fn cases(&self) -> usize {
        self.targets.iter().map(|t| t.cases).sum()
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs every target in turn.
pub fn fuzz(targets: &[Arc<dyn Target>], options: &FuzzOptions) -> FuzzReport {
    let reports: Vec<TargetReport> = quiet_panics(|| targets.iter().map(|t| fuzz_one(t.clone(), options)).collect());
    let peak_rss_mib = reports.iter().filter_map(|t| t.peak_rss_mib).reduce(f64::max);
    FuzzReport {
        seed: options.seed,
        mutated_cases_per_target: options.cases,
        targets: reports,
        peak_rss_mib,
    }
}

/// Runs `f` with panics recorded for [`run_case`] instead of printed.
fn quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(text));
    }));
    let out = f();
    std::panic::set_hook(previous);
    out
}

enum Outcome {
    Accepted,
    Refused,
    Panicked(String),
}

/// Runs `target` on `bytes` in `scratch` (emptied first), catching a panic.
fn run_case(target: &dyn Target, bytes: &[u8], scratch: &Path) -> Outcome {
    let _ = std::fs::remove_dir_all(scratch);
    if std::fs::create_dir_all(scratch).is_err() {
        return Outcome::Refused;
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target.run(bytes, scratch))) {
        Ok(Ok(())) => Outcome::Accepted,
        Ok(Err(_)) => Outcome::Refused,
        Err(_) => Outcome::Panicked(
            LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or_else(|| "panic".into()),
        ),
    }
}

/// The cases of `target`, by name: hostile ones, then each seed, then `cases` mutations.
fn cases(target: &dyn Target, options: &FuzzOptions) -> Vec<(String, Vec<u8>)> {
    let seeds = target.seeds();
    let mut out = target.hostile();
    out.extend(seeds.iter().enumerate().map(|(i, s)| (format!("seed-{i}"), s.clone())));
    let mut rng = StdRng::seed_from_u64(options.seed ^ (target.kind() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for i in 0..options.cases {
        let base = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        out.push((format!("mutant-{i}"), mutate(base, other, &mut rng)));
    }
    out
}

fn save(options: &FuzzOptions, target: &str, case: &str, bytes: &[u8]) -> Option<PathBuf> {
    let dir = options.crashes.as_ref()?.join(target);
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{case}.bin"));
    std::fs::write(&path, bytes).ok()?;
    Some(path)
}

fn fuzz_one(target: Arc<dyn Target>, options: &FuzzOptions) -> TargetReport {
    let name = target.kind().name().to_string();
    let started = Instant::now();
    let all = Arc::new(cases(target.as_ref(), options));
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let case_dir = scratch.path().join("case");
    let (send, receive) = mpsc::channel::<(usize, Outcome, f64, Option<(f64, f64)>)>();
    let worker_cases = all.clone();
    let worker_target = target.clone();
    std::thread::spawn(move || {
        for (i, (_, bytes)) in worker_cases.iter().enumerate() {
            reset_peak_rss();
            let before = memory_mib("VmRSS:");
            let t = Instant::now();
            let outcome = run_case(worker_target.as_ref(), bytes, &case_dir);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let peak = memory_mib("VmHWM:");
            let memory = peak.zip(before).map(|(peak, before)| (peak, peak - before));
            if send.send((i, outcome, ms, memory)).is_err() {
                return;
            }
        }
    });
    let mut report = TargetReport {
        target: name.clone(),
        cases: 0,
        accepted: 0,
        refused: 0,
        panics: Vec::new(),
        hang: None,
        slowest_ms: 0.0,
        peak_rss_mib: None,
        case_peak_mib: None,
        case_peak_case: None,
        seconds: 0.0,
    };
    for expected in 0..all.len() {
        match receive.recv_timeout(options.timeout) {
            Ok((i, outcome, ms, memory)) => {
                report.cases += 1;
                report.slowest_ms = report.slowest_ms.max(ms);
                if let Some((peak, added)) = memory {
                    report.peak_rss_mib = Some(report.peak_rss_mib.map_or(peak, |p: f64| p.max(peak)));
                    if report.case_peak_mib.is_none_or(|most| added > most) {
                        report.case_peak_mib = Some(added);
                        report.case_peak_case = Some(all[i].0.clone());
                    }
                }
                match outcome {
                    Outcome::Accepted => report.accepted += 1,
                    Outcome::Refused => report.refused += 1,
                    Outcome::Panicked(message) => {
                        let (case, bytes) = &all[i];
                        report.panics.push(Crash {
                            case: case.clone(),
                            message,
                            saved: save(options, &name, case, bytes),
                        });
                    }
                }
            }
            Err(_) => {
                let (case, bytes) = &all[expected];
                report.hang = Some(Crash {
                    case: case.clone(),
                    message: format!("no result after {:?}", options.timeout),
                    saved: save(options, &name, case, bytes),
                });
                // The stuck case's thread is left behind; its scratch folder too.
                std::mem::forget(scratch);
                report.seconds = started.elapsed().as_secs_f64();
                return report;
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Runs `target` once on each file under `dir` (saved crashes turned regression cases).
pub fn replay(target: &dyn Target, dir: &Path) -> Vec<(PathBuf, Result<(), String>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    quiet_panics(|| {
        paths
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let result = match run_case(target, &bytes, &scratch.path().join("case")) {
                    Outcome::Panicked(message) => Err(message),
                    _ => Ok(()),
                };
                (path, result)
            })
            .collect()
    })
}

/// Resets the process's peak resident memory to its current size (Linux; elsewhere nothing).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A memory line of /proc/self/status (`VmRSS:`, `VmHWM:`), MiB.
fn memory_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
