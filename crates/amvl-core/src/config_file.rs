//! TOML config loading whose errors name the file, the key and the closest known key.

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{origin}: unknown key `{key}`{hint}")]
    UnknownKey { origin: String, key: String, hint: String },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: invalid configuration: {message}")]
    Invalid { origin: String, message: String },
}

/// Reads and parses `path`; see [`parse_toml`].
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_toml(&text, &path.display().to_string())
}

/// Parses TOML into `T` (whose structs use `deny_unknown_fields`), turning serde's
/// unknown-field message into one that suggests the closest known key.
pub fn parse_toml<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        let location = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("{origin}:{line}")
            })
            .unwrap_or_else(|| origin.to_string());
        match unknown_field(&message) {
            Some((key, expected)) => {
                let closest = expected
                    .iter()
                    .map(|k| (strsim::levenshtein(&key, k), k))
                    .min_by_key(|(d, _)| *d);
                let hint = match closest {
                    Some((d, k)) if d <= key.len().max(3) => format!(" (did you mean `{k}`?)"),
                    _ if !expected.is_empty() => format!(" (known keys: {})", expected.join(", ")),
                    _ => String::new(),
                };
                ConfigError::UnknownKey {
                    origin: location,
                    key,
                    hint,
                }
            }
            None => ConfigError::Parse {
                origin: location,
                message,
            },
        }
    })
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" into (x, [a, b]).
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((key.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Demo {
        #[serde(default)]
        d_model: usize,
        #[serde(default)]
        n_layers: usize,
    }

    #[test]
    fn unknown_key_names_closest() {
        let err = parse_toml::<Demo>("d_model = 3\nn_layer = 2\n", "x.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`n_layer`"), "{msg}");
        assert!(msg.contains("did you mean `n_layers`"), "{msg}");
        assert!(msg.contains("x.toml:2"), "{msg}");
    }
}
