//! One trainer per run folder. `run.lock` carries an OS file lock (released by the kernel when
//! its process dies, however it dies) and says who holds it: pid, host, start time. A lock file
//! with a holder but no OS lock was left by a trainer that died: it is taken over with a warning.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::utc::civil_utc;

pub const LOCK_FILE: &str = "run.lock";

/// Who holds (or held) a run folder.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: u32,
    pub host: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub started: String,
}

impl LockHolder {
    fn this_process() -> LockHolder {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (y, mo, d, h, mi, s) = civil_utc(secs);
        LockHolder {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started: format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {} on {}, started {}", self.pid, self.host, self.started)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "run folder {} is in use by another trainer ({holder}); wait for it to finish or stop it \
         (its lock: {})",
        folder.display(),
        folder.join(LOCK_FILE).display()
    )]
    Held { folder: PathBuf, holder: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// The held lock of a run folder; released (and the holder line cleared) when dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

impl RunLock {
    /// Locks `folder` (creating it), or says who holds it. A holder left by a dead trainer is
    /// returned beside the lock so the caller can warn.
    pub fn acquire(folder: &Path) -> Result<(RunLock, Option<LockHolder>), LockError> {
        let path = folder.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(folder).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file)
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| "holder unknown".into());
                return Err(LockError::Held {
                    folder: folder.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let stale = read_holder(&mut file);
        let mut line = serde_json::to_vec(&LockHolder::this_process()).expect("a holder serialises");
        line.push(b'\n');
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&line)?;
            file.sync_all()
        };
        write(&mut file).map_err(io)?;
        Ok((RunLock { file }, stale))
    }
}

fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}
