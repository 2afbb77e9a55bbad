//! Byte-identical safetensors files: the JSON header rewritten with its keys in sorted order
//! (writers that keep metadata in a hash map emit it in a different order on every run).

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Largest header accepted (the format's own readers refuse more than 100 MB).
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a safetensors file: {message}", path.display())]
    Format { path: PathBuf, message: String },
}

/// Rewrites the header of the safetensors file at `path` in place with sorted keys (same length:
/// the writer's padding absorbs any difference; the tensor bytes are not touched).
pub fn canonicalize(path: &Path) -> Result<(), HeaderError> {
    let io = |source| HeaderError::Io {
        path: path.to_path_buf(),
        source,
    };
    let format = |message: String| HeaderError::Format {
        path: path.to_path_buf(),
        message,
    };
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(io)?;
    let total = file.metadata().map_err(io)?.len();
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes).map_err(io)?;
    let len = u64::from_le_bytes(len_bytes);
    if len > MAX_HEADER_BYTES || len + 8 > total {
        return Err(format(format!("header of {len} bytes in a file of {total}")));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header).map_err(io)?;
    let value: serde_json::Value = serde_json::from_slice(&header).map_err(|e| format(e.to_string()))?;
    let mut sorted = serde_json::to_vec(&sorted_keys(value)).expect("a JSON value serialises");
    if sorted.len() > header.len() {
        return Err(format(format!(
            "the sorted header ({} bytes) is longer than the original ({})",
            sorted.len(),
            header.len()
        )));
    }
    sorted.resize(header.len(), b' ');
    if sorted != header {
        file.seek(SeekFrom::Start(8)).map_err(io)?;
        file.write_all(&sorted).map_err(io)?;
    }
    file.sync_all().map_err(io)
}

/// `value` with every object's keys in sorted order (whatever map type serde_json was built with).
fn sorted_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect())
        }
        other => other,
    }
}
