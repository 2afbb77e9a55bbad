//! A folder's `manifest.json`: the size and SHA-256 of each file it vouches for, written last so
//! that a folder with a manifest that verifies is complete and undamaged.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The manifest's file name inside the folder it covers.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Size and checksum of one file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub size: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The files of a folder, by name (sorted, so the manifest's bytes depend only on the files).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub files: BTreeMap<String, FileEntry>,
}

/// Why a folder does not verify against its manifest; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{}: no manifest (the folder was not finished, or was written by an older version)", .0.display())]
    Missing(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a manifest: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{}: missing (listed in the manifest)", .0.display())]
    FileMissing(PathBuf),
    #[error("{}: {found} bytes, the manifest says {expected} (truncated or overwritten)", path.display())]
    Size { path: PathBuf, expected: u64, found: u64 },
    #[error("{}: SHA-256 {found} differs from the manifest's {expected} (the file is damaged)", path.display())]
    Checksum {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ManifestError + '_ {
    move |source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Size and SHA-256 of the file at `path`, read in 1 MiB pieces.
pub fn file_entry(path: &Path) -> std::io::Result<FileEntry> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    let digest = hasher.finalize();
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(FileEntry { size, sha256 })
}

impl Manifest {
    /// The entries of `names` inside `dir`.
    pub fn of_files(dir: &Path, names: &[&str]) -> Result<Manifest, ManifestError> {
        let mut files = BTreeMap::new();
        for name in names {
            let path = dir.join(name);
            files.insert(name.to_string(), file_entry(&path).map_err(io(&path))?);
        }
        Ok(Manifest { files })
    }

    /// Writes `dir/manifest.json` through a synced temporary file and a rename.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let tmp = dir.join(format!(".{MANIFEST_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(&json)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(io(&path))?;
        Ok(path)
    }

    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ManifestError::Missing(path)),
            Err(e) => return Err(ManifestError::Io { path, source: e }),
        };
        serde_json::from_slice(&bytes).map_err(|e| ManifestError::Unreadable {
            path,
            message: e.to_string(),
        })
    }

    /// Checks every listed file's size, then its checksum.
    pub fn verify(&self, dir: &Path) -> Result<(), ManifestError> {
        for (name, expected) in &self.files {
            let path = dir.join(name);
            let found_size = match std::fs::metadata(&path) {
                Ok(meta) => meta.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ManifestError::FileMissing(path)),
                Err(e) => return Err(ManifestError::Io { path, source: e }),
            };
            if found_size != expected.size {
                return Err(ManifestError::Size {
                    path,
                    expected: expected.size,
                    found: found_size,
                });
            }
            let found = file_entry(&path).map_err(io(&path))?;
            if found.sha256 != expected.sha256 {
                return Err(ManifestError::Checksum {
                    path,
                    expected: expected.sha256.clone(),
                    found: found.sha256,
                });
            }
        }
        Ok(())
    }
}

/// Verifies `dir` against its manifest where it has one; `Ok(false)` when it has none.
pub fn verify_if_present(dir: &Path) -> Result<bool, ManifestError> {
    match Manifest::read(dir) {
        Ok(manifest) => manifest.verify(dir).map(|_| true),
        Err(ManifestError::Missing(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
