//! One JSONL line: parsed with serde into [`RawLine`], then each field checked on its own so that
//! every error names the field (serde's own errors only give a column).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::answer::{AnswerError, resolve_answer};
use crate::error::DataError;
use crate::item::MAX_OPTIONS;
use crate::limits::{MAX_IMAGES_PER_ITEM, MAX_JSONL_LINE_BYTES};

/// What is wrong with a JSONL line or one of its fields.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// The line could not be read from the file.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// The line is not valid JSON.
    #[error("invalid JSON: {0}")]
    Syntax(serde_json::Error),
    /// Valid JSON, but not an object.
    #[error("expected an object, found {0}")]
    NotAnObject(&'static str),
    /// A required field is absent.
    #[error("missing")]
    Missing,
    /// The answer is absent (`null` marks an unlabelled item).
    #[error("missing (use null for an unlabelled item)")]
    MissingAnswer,
    /// A field of the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// An element of a list field that is not a string.
    #[error("element {index}: expected a string, found {found}")]
    WrongElement { index: usize, found: &'static str },
    /// An id already used by an earlier line.
    #[error("duplicate id `{0}`")]
    DuplicateId(String),
    /// Too few or too many options.
    #[error("expected 2 to {MAX_OPTIONS} options, found {0}")]
    OptionCount(usize),
    /// A probe label that is not a non-negative integer.
    #[error("label `{name}`: expected a non-negative integer, found {found}")]
    BadProbe { name: String, found: &'static str },
    /// An empty image list.
    #[error("an item needs at least one image")]
    NoImages,
    /// More images than [`MAX_IMAGES_PER_ITEM`].
    #[error("{0} images, more than the limit of {MAX_IMAGES_PER_ITEM} (amvl_data::limits)")]
    TooManyImages(usize),
    /// A line longer than [`MAX_JSONL_LINE_BYTES`].
    #[error("longer than the limit of {MAX_JSONL_LINE_BYTES} bytes (amvl_data::limits); reference images by path")]
    TooLong,
    /// An answer that names no option.
    #[error(transparent)]
    Answer(#[from] AnswerError),
}

/// A field as given on the line: absent (`None`), or its JSON value (`null` included).
#[derive(Debug, Default)]
struct Slot(Option<Value>);

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| Slot(Some(v)))
    }
}

/// The known fields of a line, each still untyped; other fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawLine {
    id: Slot,
    task: Slot,
    images: Slot,
    question: Slot,
    options: Slot,
    answer: Slot,
    rationale: Slot,
    probes: Slot,
}

/// A line whose fields all have the right types, options and answer checked.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub id: String,
    pub task: String,
    /// Image paths as written (relative to the JSONL file's folder).
    pub images: Vec<String>,
    pub question: String,
    pub options: Vec<String>,
    pub answer: Option<usize>,
    pub rationale: Option<String>,
    pub probes: BTreeMap<String, usize>,
}

/// `a string`, `a number`, … for error messages.
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

impl Slot {
    fn required(self) -> Result<Value, LineProblem> {
        self.0.ok_or(LineProblem::Missing)
    }

    fn text(self) -> Result<String, LineProblem> {
        match self.required()? {
            Value::String(s) => Ok(s),
            other => Err(LineProblem::WrongType {
                expected: "a string",
                found: kind(&other),
            }),
        }
    }

    /// A string, or a number written as its decimal text (ids such as `17`).
    fn text_or_number(self) -> Result<String, LineProblem> {
        match self.required()? {
            Value::Number(n) => Ok(n.to_string()),
            other => Slot(Some(other)).text(),
        }
    }

    fn texts(self) -> Result<Vec<String>, LineProblem> {
        let list = match self.required()? {
            Value::Array(list) => list,
            other => {
                return Err(LineProblem::WrongType {
                    expected: "a list of strings",
                    found: kind(&other),
                });
            }
        };
        list.into_iter()
            .enumerate()
            .map(|(index, v)| match v {
                Value::String(s) => Ok(s),
                other => Err(LineProblem::WrongElement {
                    index,
                    found: kind(&other),
                }),
            })
            .collect()
    }

    fn optional_text(self) -> Result<Option<String>, LineProblem> {
        match self.0 {
            None | Some(Value::Null) => Ok(None),
            Some(other) => Slot(Some(other)).text().map(Some),
        }
    }

    /// Absent or `null`: none; else an object of non-negative integers (`{"hop1": 3}`).
    fn probes(self) -> Result<BTreeMap<String, usize>, LineProblem> {
        let map = match self.0 {
            None | Some(Value::Null) => return Ok(BTreeMap::new()),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(LineProblem::WrongType {
                    expected: "an object of non-negative integers",
                    found: kind(&other),
                });
            }
        };
        map.into_iter()
            .map(|(name, v)| match v.as_u64() {
                Some(n) => Ok((name, n as usize)),
                None => Err(LineProblem::BadProbe { name, found: kind(&v) }),
            })
            .collect()
    }

    /// `null` for an unlabelled item, else a letter or an option's text.
    fn answer(self, options: &[String]) -> Result<Option<usize>, LineProblem> {
        match self.0 {
            None => Err(LineProblem::MissingAnswer),
            Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(resolve_answer(&s, options)?)),
            Some(other) => Err(LineProblem::WrongType {
                expected: "a letter such as \"B\"",
                found: kind(&other),
            }),
        }
    }
}

/// The error for `field` of line `line` of `file`.
pub(crate) fn line_error(file: &Path, line: usize, field: &str, problem: LineProblem) -> DataError {
    DataError::Jsonl {
        file: file.to_path_buf(),
        line,
        field: field.to_string(),
        problem,
    }
}

/// Parses and checks line `line` of `file`; `seen_id` says whether an id was used before.
pub(crate) fn parse_line(
    text: &str,
    file: &Path,
    line: usize,
    seen_id: impl FnOnce(&str) -> bool,
) -> Result<Line, DataError> {
    let err = |field: &'static str| move |problem| line_error(file, line, field, problem);
    let value: Value = serde_json::from_str(text).map_err(|e| err("(json)")(LineProblem::Syntax(e)))?;
    if !value.is_object() {
        return Err(err("(json)")(LineProblem::NotAnObject(kind(&value))));
    }
    let raw = RawLine::deserialize(value).map_err(|e| err("(json)")(LineProblem::Syntax(e)))?;
    let id = raw.id.text_or_number().map_err(err("id"))?;
    if seen_id(&id) {
        return Err(err("id")(LineProblem::DuplicateId(id)));
    }
    let task = raw.task.text().map_err(err("task"))?;
    let question = raw.question.text().map_err(err("question"))?;
    let options = raw.options.texts().map_err(err("options"))?;
    if options.len() < 2 || options.len() > MAX_OPTIONS {
        return Err(err("options")(LineProblem::OptionCount(options.len())));
    }
    let answer = raw.answer.answer(&options).map_err(err("answer"))?;
    let rationale = raw.rationale.optional_text().map_err(err("rationale"))?;
    let probes = raw.probes.probes().map_err(err("probes"))?;
    let images = raw.images.texts().map_err(err("images"))?;
    if images.is_empty() {
        return Err(err("images")(LineProblem::NoImages));
    }
    if images.len() > MAX_IMAGES_PER_ITEM {
        return Err(err("images")(LineProblem::TooManyImages(images.len())));
    }
    Ok(Line {
        id,
        task,
        images,
        question,
        options,
        answer,
        rationale,
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Line, DataError> {
        parse_line(text, Path::new("d/data.jsonl"), 4, |_| false)
    }

    fn problem(text: &str) -> (String, LineProblem) {
        match parse(text).unwrap_err() {
            DataError::Jsonl { field, problem, .. } => (field, problem),
            other => panic!("{other:?}"),
        }
    }

    const OK: &str = concat!(
        r#"{"id":7,"task":"t","images":["a.png"],"question":"q","#,
        r#""options":["x","y"],"answer":null,"extra":1}"#
    );

    #[test]
    fn numeric_ids_null_answers_and_unknown_fields_are_accepted() {
        let l = parse(OK).unwrap();
        assert_eq!((l.id.as_str(), l.answer, l.rationale), ("7", None, None));
    }

    #[test]
    fn probe_labels_are_read_and_bad_ones_name_the_label() {
        let l = parse(&OK.replace(r#""extra":1"#, r#""probes":{"hop1":3,"hop2":0}"#)).unwrap();
        assert_eq!(l.probes, [("hop1".to_string(), 3), ("hop2".to_string(), 0)].into());
        let (f, p) = problem(&OK.replace(r#""extra":1"#, r#""probes":{"hop1":-1}"#));
        assert!(
            f == "probes" && matches!(&p, LineProblem::BadProbe { name, found: "a number" } if name == "hop1"),
            "{f} {p}"
        );
        let (f, p) = problem(&OK.replace(r#""extra":1"#, r#""probes":[3]"#));
        assert!(
            f == "probes" && matches!(p, LineProblem::WrongType { found: "a list", .. }),
            "{p}"
        );
    }

    #[test]
    fn each_problem_names_its_field() {
        let (f, p) = problem(&OK.replace(r#""answer":null,"#, ""));
        assert!(f == "answer" && matches!(p, LineProblem::MissingAnswer), "{f} {p}");
        let (f, p) = problem(&OK.replace(r#"["x","y"]"#, r#"["x",2]"#));
        assert!(
            f == "options"
                && matches!(
                    p,
                    LineProblem::WrongElement {
                        index: 1,
                        found: "a number"
                    }
                ),
            "{p}"
        );
        let (f, p) = problem(&OK.replace(r#""answer":null"#, r#""answer":"Q""#));
        assert!(
            f == "answer" && matches!(p, LineProblem::Answer(AnswerError::NotAnOption { .. })),
            "{p}"
        );
        let (f, p) = problem(r#""text""#);
        assert!(
            f == "(json)" && matches!(p, LineProblem::NotAnObject("a string")),
            "{p}"
        );
        let e = parse(&OK.replace(r#""task":"t""#, r#""task":true"#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "d/data.jsonl:4: field `task`: expected a string, found a boolean"
        );
    }
}
