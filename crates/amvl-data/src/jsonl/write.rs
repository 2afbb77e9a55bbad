//! [`write_jsonl`]: items → `data.jsonl` plus PNGs, the format [`super::JsonlDataset`] reads.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{IMAGE_DIR, JSONL_FILE};
use crate::error::DataError;
use crate::image_io::save_png;
use crate::item::Item;

/// One line of the JSONL format, as written.
#[derive(Serialize)]
struct OutRecord<'a> {
    id: &'a str,
    task: &'a str,
    images: Vec<String>,
    question: &'a str,
    options: &'a [String],
    answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rationale: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    probes: &'a BTreeMap<String, usize>,
}

/// A file-name-safe version of an id.
pub fn file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes items as `dir/data.jsonl` plus `dir/images/<id>_<k>.png`; returns the item count.
/// The output is byte-for-byte a function of the items. The first failing item stops it.
pub fn write_jsonl<I: IntoIterator<Item = Result<Item, DataError>>>(dir: &Path, items: I) -> Result<usize, DataError> {
    let img_dir = dir.join(IMAGE_DIR);
    fs::create_dir_all(&img_dir).map_err(|e| DataError::io(&img_dir, e))?;
    let path = dir.join(JSONL_FILE);
    let f = fs::File::create(&path).map_err(|e| DataError::io(&path, e))?;
    let mut w = std::io::BufWriter::new(f);
    let mut n = 0;
    for item in items {
        let item = item?;
        let stem = file_stem(&item.id);
        let mut rels = Vec::with_capacity(item.images.len());
        for (k, img) in item.images.iter().enumerate() {
            let rel = format!("{IMAGE_DIR}/{stem}_{k}.png");
            save_png(img, &dir.join(&rel), &item.id)?;
            rels.push(rel);
        }
        let rec = OutRecord {
            id: &item.id,
            task: &item.task,
            images: rels,
            question: &item.question,
            options: &item.options,
            answer: item.answer_letter().map(String::from),
            rationale: item.rationale.as_deref(),
            probes: &item.probes,
        };
        let line = serde_json::to_string(&rec)
            .map_err(|e| DataError::Invalid(format!("cannot serialise item {}: {e}", item.id)))?;
        writeln!(w, "{line}").map_err(|e| DataError::io(&path, e))?;
        n += 1;
    }
    w.flush().map_err(|e| DataError::io(&path, e))?;
    Ok(n)
}
