//! The JSONL format: what `export` writes and what users bring.
//!
//! One JSON object a line:
//! `{"id": "...", "task": "...", "images": ["images/x.png", ...], "question": "...",
//!   "options": ["...", "..."], "answer": "B", "rationale": "..."}`
//! - `images`: paths relative to the JSONL file's folder; absolute paths and `..` are refused.
//! - `answer`: a letter (`"B"`, `"(B)"`), or the exact text of one option; `null` for an
//!   unlabelled (unscorable) item.
//! - `rationale`: optional.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::{Item, LETTERS, MAX_OPTIONS, parse_letter};

/// The file name `export` writes and `open` looks for inside a folder.
pub const JSONL_FILE: &str = "data.jsonl";
/// The image folder `export` writes.
pub const IMAGE_DIR: &str = "images";

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

/// An item that `--skip-bad` left out.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedItem {
    pub line: usize,
    pub id: String,
    pub reason: String,
}

/// What `open` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadSummary {
    /// Non-blank lines read.
    pub lines: usize,
    /// Items kept.
    pub loaded: usize,
    /// Items skipped because of bad images (only with `skip_bad`).
    pub skipped: Vec<SkippedItem>,
}

impl std::fmt::Display for LoadSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} lines, {} items loaded, {} skipped",
            self.lines,
            self.loaded,
            self.skipped.len()
        )?;
        for s in &self.skipped {
            write!(f, "\n  line {} ({}): {}", s.line, s.id, s.reason)?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct Record {
    id: String,
    task: String,
    images: Vec<PathBuf>,
    question: String,
    options: Vec<String>,
    answer: Option<usize>,
    rationale: Option<String>,
    line: usize,
}

/// A user dataset in the JSONL format.
#[derive(Clone, Debug)]
pub struct JsonlDataset {
    file: PathBuf,
    records: Vec<Record>,
    summary: LoadSummary,
}

fn jerr(file: &Path, line: usize, field: &str, message: impl Into<String>) -> DataError {
    DataError::Jsonl {
        file: file.to_path_buf(),
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

fn get_str(
    obj: &serde_json::Map<String, Value>,
    file: &Path,
    line: usize,
    field: &str,
) -> Result<String, DataError> {
    match obj.get(field) {
        None => Err(jerr(file, line, field, "missing")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) if field == "id" => Ok(n.to_string()),
        Some(other) => Err(jerr(
            file,
            line,
            field,
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn get_str_list(
    obj: &serde_json::Map<String, Value>,
    file: &Path,
    line: usize,
    field: &str,
) -> Result<Vec<String>, DataError> {
    match obj.get(field) {
        None => Err(jerr(file, line, field, "missing")),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(k, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(jerr(
                    file,
                    line,
                    field,
                    format!("element {k}: expected a string, found {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(jerr(
            file,
            line,
            field,
            format!("expected a list of strings, found {}", kind(other)),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Resolves an image path relative to `root`, refusing absolute paths and `..`.
pub fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return None;
    }
    for c in p.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(root.join(p))
}

/// Resolves an answer field (letter, `(B)`, option text, or null) to an option index.
pub fn resolve_answer(v: Option<&Value>, options: &[String]) -> Result<Option<usize>, String> {
    match v {
        None => Err("missing (use null for an unlabelled item)".into()),
        Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if let Some(k) = parse_letter(s) {
                if k < options.len() {
                    return Ok(Some(k));
                }
                return Err(format!(
                    "`{s}` is not one of the {} options ({})",
                    options.len(),
                    letters(options.len())
                ));
            }
            if let Some(k) = options.iter().position(|o| o == s.trim()) {
                return Ok(Some(k));
            }
            Err(format!(
                "`{s}` is neither an option letter ({}) nor the text of an option",
                letters(options.len())
            ))
        }
        Some(other) => Err(format!(
            "expected a letter such as \"B\", found {}",
            kind(other)
        )),
    }
}

fn letters(n: usize) -> String {
    LETTERS
        .iter()
        .take(n)
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads an image as RGB, with an error naming the path.
pub fn load_image(path: &Path, origin: &str) -> Result<image::RgbImage, DataError> {
    let bytes = fs::read(path).map_err(|e| DataError::Image {
        path: path.to_path_buf(),
        origin: origin.to_string(),
        message: format!("cannot read: {e}"),
    })?;
    image::load_from_memory(&bytes)
        .map(|i| i.to_rgb8())
        .map_err(|e| DataError::Image {
            path: path.to_path_buf(),
            origin: origin.to_string(),
            message: format!("cannot decode: {e}"),
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
        for (k, line) in BufReader::new(f).lines().enumerate() {
            let ln = k + 1;
            let line = line.map_err(|e| jerr(&file, ln, "(line)", format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            summary.lines += 1;
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| jerr(&file, ln, "(json)", format!("invalid JSON: {e}")))?;
            let obj = match v {
                Value::Object(o) => o,
                other => {
                    return Err(jerr(
                        &file,
                        ln,
                        "(json)",
                        format!("expected an object, found {}", kind(&other)),
                    ));
                }
            };
            let id = get_str(&obj, &file, ln, "id")?;
            if !ids.insert(id.clone()) {
                return Err(jerr(&file, ln, "id", format!("duplicate id `{id}`")));
            }
            let task = get_str(&obj, &file, ln, "task")?;
            let question = get_str(&obj, &file, ln, "question")?;
            let options = get_str_list(&obj, &file, ln, "options")?;
            if options.len() < 2 || options.len() > MAX_OPTIONS {
                return Err(jerr(
                    &file,
                    ln,
                    "options",
                    format!(
                        "expected 2 to {MAX_OPTIONS} options, found {}",
                        options.len()
                    ),
                ));
            }
            let answer = resolve_answer(obj.get("answer"), &options)
                .map_err(|m| jerr(&file, ln, "answer", m))?;
            let rationale = match obj.get("rationale") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(jerr(
                        &file,
                        ln,
                        "rationale",
                        format!("expected a string, found {}", kind(other)),
                    ));
                }
            };
            let rel = get_str_list(&obj, &file, ln, "images")?;
            if rel.is_empty() {
                return Err(jerr(
                    &file,
                    ln,
                    "images",
                    "an item needs at least one image",
                ));
            }
            let mut images = Vec::with_capacity(rel.len());
            for r in &rel {
                let p = safe_join(&root, r).ok_or_else(|| DataError::PathEscapes {
                    file: file.clone(),
                    line: ln,
                    path: r.clone(),
                })?;
                images.push(p);
            }
            if opts.check_images {
                let origin = format!("{}:{ln}", file.display());
                let bad = images.iter().find_map(|p| load_image(p, &origin).err());
                if let Some(e) = bad {
                    if opts.skip_bad {
                        summary.skipped.push(SkippedItem {
                            line: ln,
                            id,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                    return Err(e);
                }
            }
            records.push(Record {
                id,
                task,
                images,
                question,
                options,
                answer,
                rationale,
                line: ln,
            });
        }
        summary.loaded = records.len();
        Ok(Self {
            file,
            records,
            summary,
        })
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

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
        let r = self.records.get(i).ok_or_else(|| {
            DataError::Invalid(format!(
                "index {i} out of range ({} items)",
                self.records.len()
            ))
        })?;
        let origin = format!("{}:{}", self.file.display(), r.line);
        let images = r
            .images
            .iter()
            .map(|p| load_image(p, &origin))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Item {
            id: r.id.clone(),
            task: r.task.clone(),
            images,
            question: r.question.clone(),
            options: r.options.clone(),
            answer: r.answer,
            rationale: r.rationale.clone(),
        })
    }
}

impl ItemSource for JsonlDataset {
    fn len(&self) -> usize {
        self.records.len()
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        self.get(i)
    }
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.records.get(i).map(|r| r.images.len()).ok_or_else(|| {
            DataError::Invalid(format!("index {i} out of range ({} items)", self.records.len()))
        })
    }
    fn describe(&self) -> String {
        format!(
            "jsonl {} ({} items)",
            self.file.display(),
            self.records.len()
        )
    }
}

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
pub fn write_jsonl<I: IntoIterator<Item = Result<Item, DataError>>>(
    dir: &Path,
    items: I,
) -> Result<usize, DataError> {
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
            let p = dir.join(&rel);
            img.save_with_format(&p, image::ImageFormat::Png)
                .map_err(|e| DataError::Image {
                    path: p.clone(),
                    origin: item.id.clone(),
                    message: format!("cannot write: {e}"),
                })?;
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
        };
        let line = serde_json::to_string(&rec)
            .map_err(|e| DataError::Invalid(format!("cannot serialise item {}: {e}", item.id)))?;
        writeln!(w, "{line}").map_err(|e| DataError::io(&path, e))?;
        n += 1;
    }
    w.flush().map_err(|e| DataError::io(&path, e))?;
    Ok(n)
}
