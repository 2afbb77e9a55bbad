//! Finding a checkpoint's files, refusing pickles, reading JSON.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::HfError;

/// Single-file weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// Index of sharded weights.
pub const WEIGHTS_INDEX_FILE: &str = "model.safetensors.index.json";

const PICKLE_EXTENSIONS: [&str; 4] = ["bin", "pt", "pth", "ckpt"];

/// Whether `path` names a pickle-based PyTorch checkpoint (`.bin`, `.pt`, `.pth`, `.ckpt`).
pub fn is_pickle(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PICKLE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The safetensors files holding a checkpoint's weights.
///
/// `path` is a checkpoint directory (`model.safetensors`, or the shards listed by
/// `model.safetensors.index.json`) or a single `.safetensors` file. Pickles are refused, never
/// opened. A folder with a `manifest.json` (this project's exports) is verified against it.
pub fn weight_files(path: &Path) -> Result<Vec<PathBuf>, HfError> {
    if path.is_file() {
        if is_pickle(path) {
            return Err(HfError::PickleRefused { path: path.into() });
        }
        return Ok(vec![path.into()]);
    }
    amvl_core::manifest::verify_if_present(path)?;
    let single = path.join(WEIGHTS_FILE);
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = path.join(WEIGHTS_INDEX_FILE);
    if index.is_file() {
        return shard_files(path, &index);
    }
    if let Some(pickle) = find_pickle(path)? {
        return Err(HfError::PickleRefused { path: pickle });
    }
    Err(HfError::NoWeights { dir: path.into() })
}

#[derive(serde::Deserialize)]
struct ShardIndex {
    weight_map: std::collections::BTreeMap<String, String>,
}

fn shard_files(dir: &Path, index: &Path) -> Result<Vec<PathBuf>, HfError> {
    let index: ShardIndex = read_json(index)?;
    let mut files: Vec<String> = index.weight_map.into_values().collect();
    files.sort();
    files.dedup();
    let files: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    if let Some(pickle) = files.iter().find(|f| is_pickle(f)) {
        return Err(HfError::PickleRefused { path: pickle.clone() });
    }
    Ok(files)
}

fn find_pickle(dir: &Path) -> Result<Option<PathBuf>, HfError> {
    let entries = fs::read_dir(dir).map_err(|e| HfError::io(dir, e))?;
    let mut pickles: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_pickle(p))
        .collect();
    pickles.sort();
    Ok(pickles.into_iter().next())
}

/// Reads and parses a JSON file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, HfError> {
    let text = fs::read_to_string(path).map_err(|e| HfError::io(path, e))?;
    serde_json::from_str(&text).map_err(|source| HfError::Json {
        path: path.into(),
        source,
    })
}

/// The folder holding `config.json` for `path` (a checkpoint folder, or a file inside it).
pub(crate) fn config_dir(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path.to_path_buf()
    }
}
