//! The seeded driver: hostile inputs, the seeds themselves, then mutated seeds; panics caught
//! and counted, each case timed against a limit (a case over it is reported as a hang).

use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
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

/// The cases of `target`, by name, made one at a time (a soak holds one case, not all of them):
/// hostile ones, then each seed, then `cases` mutations.
struct Cases {
    fixed: std::vec::IntoIter<(String, Vec<u8>)>,
    seeds: Vec<Vec<u8>>,
    rng: StdRng,
    next_mutant: usize,
    mutants: usize,
}

impl Cases {
    fn new(target: &dyn Target, options: &FuzzOptions) -> Self {
        let seeds = target.seeds();
        let mut fixed = target.hostile();
        fixed.extend(seeds.iter().enumerate().map(|(i, s)| (format!("seed-{i}"), s.clone())));
        Self {
            fixed: fixed.into_iter(),
            seeds,
            rng: StdRng::seed_from_u64(options.seed ^ (target.kind() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            next_mutant: 0,
            mutants: options.cases,
        }
    }

    fn len(&self) -> usize {
        self.fixed.len() + self.mutants - self.next_mutant
    }
}

impl Iterator for Cases {
    type Item = (String, Vec<u8>);
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(case) = self.fixed.next() {
            return Some(case);
        }
        if self.next_mutant == self.mutants {
            return None;
        }
        let base = &self.seeds[self.rng.random_range(0..self.seeds.len())];
        let other = &self.seeds[self.rng.random_range(0..self.seeds.len())];
        let bytes = mutate(base, other, &mut self.rng);
        self.next_mutant += 1;
        Some((format!("mutant-{}", self.next_mutant - 1), bytes))
    }
}

fn save(options: &FuzzOptions, target: &str, case: &str, bytes: &[u8]) -> Option<PathBuf> {
    let dir = options.crashes.as_ref()?.join(target);
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{case}.bin"));
    std::fs::write(&path, bytes).ok()?;
    Some(path)
}

/// What the worker reports of one case; the bytes come along only for a panic.
struct CaseResult {
    case: String,
    outcome: Outcome,
    ms: f64,
    /// (peak, added over what the process held before), MiB.
    memory: Option<(f64, f64)>,
}

fn fuzz_one(target: Arc<dyn Target>, options: &FuzzOptions) -> TargetReport {
    let name = target.kind().name().to_string();
    let started = Instant::now();
    let cases = Cases::new(target.as_ref(), options);
    let total = cases.len();
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let case_dir = scratch.path().join("case");
    // The case running now, for the report when it never returns.
    let current: Arc<Mutex<(String, Arc<[u8]>)>> = Arc::new(Mutex::new((String::new(), Arc::from(Vec::new()))));
    let (send, receive) = mpsc::channel::<(CaseResult, Option<Arc<[u8]>>)>();
    let worker_target = target.clone();
    let worker_current = current.clone();
    std::thread::spawn(move || {
        for (case, bytes) in cases {
            let bytes: Arc<[u8]> = Arc::from(bytes);
            *worker_current.lock().expect("the current case") = (case.clone(), bytes.clone());
            reset_peak_rss();
            let before = memory_mib("VmRSS:");
            let t = Instant::now();
            let outcome = run_case(worker_target.as_ref(), &bytes, &case_dir);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let peak = memory_mib("VmHWM:");
            let memory = peak.zip(before).map(|(peak, before)| (peak, peak - before));
            let keep = matches!(outcome, Outcome::Panicked(_)).then_some(bytes);
            let result = CaseResult {
                case,
                outcome,
                ms,
                memory,
            };
            if send.send((result, keep)).is_err() {
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
    for _ in 0..total {
        match receive.recv_timeout(options.timeout) {
            Ok((result, bytes)) => {
                report.cases += 1;
                report.slowest_ms = report.slowest_ms.max(result.ms);
                if let Some((peak, added)) = result.memory {
                    report.peak_rss_mib = Some(report.peak_rss_mib.map_or(peak, |p: f64| p.max(peak)));
                    if report.case_peak_mib.is_none_or(|most| added > most) {
                        report.case_peak_mib = Some(added);
                        report.case_peak_case = Some(result.case.clone());
                    }
                }
                match result.outcome {
                    Outcome::Accepted => report.accepted += 1,
                    Outcome::Refused => report.refused += 1,
                    Outcome::Panicked(message) => {
                        let saved = bytes.and_then(|b| save(options, &name, &result.case, &b));
                        report.panics.push(Crash {
                            case: result.case,
                            message,
                            saved,
                        });
                    }
                }
            }
            Err(_) => {
                let (case, bytes) = current.lock().expect("the current case").clone();
                report.hang = Some(Crash {
                    saved: save(options, &name, &case, &bytes),
                    case,
                    message: format!("no result after {:?}", options.timeout),
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
