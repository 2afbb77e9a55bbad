//! [`JsonlDataset`]: opens a JSONL file, checks every line (and, optionally, every image) and
//! serves the items.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::JSONL_FILE;
use super::line::{Line, LineProblem, line_error, parse_line};
use super::summary::{LoadSummary, SkippedItem};
use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::image_io::{ImageRef, safe_join};
use crate::item::Item;
use crate::limits::MAX_JSONL_LINE_BYTES;
use crate::record::{Record, Records};

/// How to treat bad input while opening a JSONL dataset.
#[derive(Clone, Copy, Debug)]
pub struct JsonlOptions {
    /// Skip (and count) items whose images are missing or undecodable instead of failing.
    pub skip_bad: bool,
    /// Decode every image once at open time (so bad images are found before training).
    pub check_images: bool,
}

impl Default for JsonlOptions {
    fn default() -> Self {
        Self {
            skip_bad: false,
            check_images: true,
        }
    }
}

/// A user dataset in the JSONL format.
#[derive(Clone, Debug)]
pub struct JsonlDataset {
    file: PathBuf,
    records: Records,
    summary: LoadSummary,
}

/// The next line without its line ending, read in pieces so that a line over
/// [`MAX_JSONL_LINE_BYTES`] is refused before it is held in memory.
fn next_line<R: BufRead>(reader: &mut R) -> Result<Option<String>, LineProblem> {
    let mut bytes = Vec::new();
    let read = Read::take(&mut *reader, MAX_JSONL_LINE_BYTES as u64 + 2)
        .read_until(b'\n', &mut bytes)
        .map_err(LineProblem::Read)?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.len() > MAX_JSONL_LINE_BYTES {
        return Err(LineProblem::TooLong);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| LineProblem::Read(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// The record of a checked line: image paths resolved under `root`.
fn to_record(line: Line, file: &Path, root: &Path, ln: usize) -> Result<Record, DataError> {
    let images = line
        .images
        .iter()
        .map(|rel| {
            safe_join(root, rel)
                .map(ImageRef::File)
                .ok_or_else(|| DataError::PathEscapes {
                    file: file.to_path_buf(),
                    line: ln,
                    path: rel.clone(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Record {
        id: line.id,
        task: line.task,
        question: line.question,
        options: line.options,
        answer: line.answer,
        rationale: line.rationale,
        probes: line.probes,
        images,
        origin: format!("{}:{ln}", file.display()),
    })
}

impl JsonlDataset {
    /// Opens `path`: a JSONL file, or a folder holding `data.jsonl`.
    pub fn open(path: impl AsRef<Path>, opts: JsonlOptions) -> Result<Self, DataError> {
        let mut file = path.as_ref().to_path_buf();
        if file.is_dir() {
            file = file.join(JSONL_FILE);
        }
        let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let f = fs::File::open(&file).map_err(|e| DataError::io(&file, e))?;
        let mut records = Vec::new();
        let mut summary = LoadSummary::default();
        let mut ids = HashSet::new();
        let mut reader = BufReader::new(f);
        let mut ln = 0;
        while let Some(text) = next_line(&mut reader).transpose() {
            ln += 1;
            let text = text.map_err(|problem| line_error(&file, ln, "(line)", problem))?;
            if text.trim().is_empty() {
                continue;
            }
            summary.lines += 1;
            let line = parse_line(&text, &file, ln, |id| !ids.insert(id.to_string()))?;
            let record = to_record(line, &file, &root, ln)?;
            if opts.check_images
                && let Err(e) = record.decode_images()
            {
                if !opts.skip_bad {
                    return Err(e);
                }
                summary.skipped.push(SkippedItem {
                    line: ln,
                    id: record.id,
                    reason: e.to_string(),
                });
                continue;
            }
            records.push(record);
        }
        summary.loaded = records.len();
        Ok(Self {
            file,
            records: Records::new(records),
            summary,
        })
    }

    /// Number of items kept.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no item was kept.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// What `open` read and skipped.
    pub fn summary(&self) -> &LoadSummary {
        &self.summary
    }

    /// The JSONL file read.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Item `i`, with its images decoded.
    pub fn get(&self, i: usize) -> Result<Item, DataError> {
        self.records.item(i)
    }
}

impl ItemSource for JsonlDataset {
    fn len(&self) -> usize {
        self.records.len()
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        self.records.item(i)
    }
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.records.image_count(i)
    }
    fn describe(&self) -> String {
        format!("jsonl {} ({} items)", self.file.display(), self.records.len())
    }
}
