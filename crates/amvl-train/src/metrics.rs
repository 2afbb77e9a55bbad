//! The per-log-step record and the CSV/JSONL files it goes to.

use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Means over the steps since the previous record.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub step: u64,
    pub total: f64,
    pub ntp: f64,
    pub forward: f64,
    pub reverse: f64,
    pub kl_qp: f64,
    pub kl_pq: f64,
    pub beta: f64,
    pub gamma: f64,
    pub lr: f64,
    pub samples_per_second: f64,
    pub elapsed_seconds: f64,
    pub eta_seconds: f64,
    /// The latent block and the loss terms' pulls on the trunk at this step (`train.diagnostics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<crate::diagnostics::StepDiagnostics>,
}

const HEADER: &str =
    "step,total,ntp,forward,reverse,kl_qp,kl_pq,beta,gamma,lr,samples_per_second,elapsed_seconds,eta_seconds";

impl StepRecord {
    fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.step,
            self.total,
            self.ntp,
            self.forward,
            self.reverse,
            self.kl_qp,
            self.kl_pq,
            self.beta,
            self.gamma,
            self.lr,
            self.samples_per_second,
            self.elapsed_seconds,
            self.eta_seconds
        )
    }

    /// One plain progress line (for logs, CI and pipes).
    pub fn line(&self, total_steps: u64) -> String {
        format!(
            "step {:>6}/{total_steps}  loss {:.4}  ntp {:.4}  fwd {:.4}  rev {:.4}  kl(q|p) {:.3}  β {:.3}  γ {:.3}  lr {:.2e}  {:.1} samples/s  eta {}",
            self.step,
            self.total,
            self.ntp,
            self.forward,
            self.reverse,
            self.kl_qp,
            self.beta,
            self.gamma,
            self.lr,
            self.samples_per_second,
            format_duration(self.eta_seconds)
        )
    }
}

pub fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// A metrics file that could not be written or read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct MetricsError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl MetricsError {
    fn at(path: &Path) -> impl FnOnce(std::io::Error) -> MetricsError + '_ {
        move |source| MetricsError {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// `metrics.csv` and `metrics.jsonl` in the run folder, appended as training goes.
pub struct MetricsLog {
    csv: PathBuf,
    jsonl: PathBuf,
}

impl MetricsLog {
    /// Opens the logs; rows past `resume_step` (from an interrupted run) are dropped, and so are
    /// rows cut short by a crash or a full disk.
    pub fn open(run_dir: &Path, resume_step: Option<u64>) -> Result<Self, MetricsError> {
        let log = Self {
            csv: run_dir.join("metrics.csv"),
            jsonl: run_dir.join("metrics.jsonl"),
        };
        match resume_step {
            None => {
                fs::write(&log.csv, format!("{HEADER}\n")).map_err(MetricsError::at(&log.csv))?;
                fs::write(&log.jsonl, "").map_err(MetricsError::at(&log.jsonl))?;
            }
            Some(step) => {
                log.truncate_after(step)?;
            }
        }
        Ok(log)
    }

    fn truncate_after(&self, step: u64) -> Result<(), MetricsError> {
        let columns = HEADER.split(',').count();
        for (path, is_csv) in [(&self.csv, true), (&self.jsonl, false)] {
            let Ok(file) = File::open(path) else {
                if is_csv {
                    fs::write(path, format!("{HEADER}\n")).map_err(MetricsError::at(path))?;
                }
                continue;
            };
            let mut kept = String::new();
            for line in BufReader::new(file).lines() {
                let line = line.map_err(MetricsError::at(path))?;
                let keep = if is_csv {
                    line == HEADER
                        || (line.split(',').count() == columns
                            && line
                                .split(',')
                                .next()
                                .and_then(|s| s.parse::<u64>().ok())
                                .is_some_and(|s| s <= step))
                } else {
                    serde_json::from_str::<StepRecord>(&line).is_ok_and(|r| r.step <= step)
                };
                if keep {
                    kept.push_str(&line);
                    kept.push('\n');
                }
            }
            crate::atomic::write_atomic(path, kept.as_bytes()).map_err(MetricsError::at(path))?;
        }
        Ok(())
    }

    pub fn append(&self, record: &StepRecord) -> Result<(), MetricsError> {
        let append = |path: &Path, line: String| -> Result<(), MetricsError> {
            let mut file = OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .map_err(MetricsError::at(path))?;
            writeln!(file, "{line}").map_err(MetricsError::at(path))
        };
        append(&self.csv, record.csv())?;
        append(&self.jsonl, serde_json::to_string(record).expect("record serialises"))
    }

    /// Every record written so far.
    pub fn read(run_dir: &Path) -> std::io::Result<Vec<StepRecord>> {
        let text = fs::read_to_string(run_dir.join("metrics.jsonl"))?;
        Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
    }
}
