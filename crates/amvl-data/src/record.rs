//! The one record type that file readers (JSONL lines, BLINK rows) produce: an item whose images
//! are not decoded yet, and its conversion to an [`Item`].

use crate::error::DataError;
use crate::image_io::ImageRef;
use crate::item::Item;

/// One item as read from a file, with its images referenced rather than decoded.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub id: String,
    pub task: String,
    pub question: String,
    pub options: Vec<String>,
    /// Index of the right option; `None` for an unlabelled or hidden answer.
    pub answer: Option<usize>,
    pub rationale: Option<String>,
    pub probes: std::collections::BTreeMap<String, usize>,
    pub images: Vec<ImageRef>,
    /// Where the record was read (`data.jsonl:3`, `val-0.parquet row 2`), for errors.
    pub origin: String,
}

impl Record {
    /// Decodes every image, failing on the first one that cannot be read.
    pub fn decode_images(&self) -> Result<Vec<image::RgbImage>, DataError> {
        self.images.iter().map(|im| im.load(&self.origin)).collect()
    }

    /// The item, with its images decoded.
    pub fn to_item(&self) -> Result<Item, DataError> {
        Ok(Item {
            id: self.id.clone(),
            task: self.task.clone(),
            images: self.decode_images()?,
            question: self.question.clone(),
            options: self.options.clone(),
            answer: self.answer,
            rationale: self.rationale.clone(),
            probes: self.probes.clone(),
        })
    }
}

/// The records of a dataset, indexed with errors that name an out-of-range index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Records(Vec<Record>);

impl Records {
    pub fn new(records: Vec<Record>) -> Self {
        Self(records)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Record> {
        self.0.iter()
    }

    /// Record `i`, or an error naming the index and the count.
    pub fn get(&self, i: usize) -> Result<&Record, DataError> {
        self.0.get(i).ok_or_else(|| DataError::out_of_range(i, self.0.len()))
    }

    /// Item `i`, with its images decoded.
    pub fn item(&self, i: usize) -> Result<Item, DataError> {
        self.get(i)?.to_item()
    }

    /// How many images item `i` has, without decoding them.
    pub fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.get(i).map(|r| r.images.len())
    }
}
