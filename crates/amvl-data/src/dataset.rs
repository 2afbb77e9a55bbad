//! One interface over every item source, so the trainer and evaluator can take any of them,
//! and the glue to Burn's `Dataset` trait (used by its `DataLoader`).

use burn::data::dataset::{Dataset, DatasetError};

use crate::blink::BlinkDataset;
use crate::error::DataError;
use crate::item::Item;
use crate::jsonl::JsonlDataset;
use crate::suite::SuiteDataset;

/// Anything that yields items by index.
pub trait ItemSource: Send + Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Item `i` (`i < len()`); an error names the file or image that failed.
    fn item(&self, i: usize) -> Result<Item, DataError>;
    /// A one-line description for logs ("suite test-ood seed 0, 10 tasks × 100").
    fn describe(&self) -> String;
    /// How many images item `i` has; sources that know it without decoding images say so.
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.item(i).map(|item| item.images.len())
    }
}

/// An error naming `i` unless it indexes an item of `suite`.
fn in_range(suite: &SuiteDataset, i: usize) -> Result<(), DataError> {
    if i >= suite.len() {
        return Err(DataError::out_of_range(i, suite.len()));
    }
    Ok(())
}

impl ItemSource for SuiteDataset {
    fn len(&self) -> usize {
        SuiteDataset::len(self)
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        in_range(self, i)?;
        Ok(self.get(i))
    }
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        in_range(self, i)?;
        Ok(self.locate(i).0.image_count())
    }
    fn describe(&self) -> String {
        format!(
            "suite {} seed {}, {} tasks x {} items, {} px",
            self.split(),
            self.seed(),
            self.tasks().len(),
            SuiteDataset::len(self) / self.tasks().len().max(1),
            self.image_size()
        )
    }
}

/// Any of the three sources.
pub enum AnyDataset {
    Suite(SuiteDataset),
    Jsonl(JsonlDataset),
    Blink(BlinkDataset),
}

impl AnyDataset {
    fn inner(&self) -> &dyn ItemSource {
        match self {
            AnyDataset::Suite(d) => d,
            AnyDataset::Jsonl(d) => d,
            AnyDataset::Blink(d) => d,
        }
    }
}

impl ItemSource for AnyDataset {
    fn len(&self) -> usize {
        self.inner().len()
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        self.inner().item(i)
    }
    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.inner().image_count(i)
    }
    fn describe(&self) -> String {
        self.inner().describe()
    }
}

impl From<SuiteDataset> for AnyDataset {
    fn from(d: SuiteDataset) -> Self {
        AnyDataset::Suite(d)
    }
}
impl From<JsonlDataset> for AnyDataset {
    fn from(d: JsonlDataset) -> Self {
        AnyDataset::Jsonl(d)
    }
}
impl From<BlinkDataset> for AnyDataset {
    fn from(d: BlinkDataset) -> Self {
        AnyDataset::Blink(d)
    }
}

macro_rules! burn_dataset {
    ($($t:ty),*) => {$(
        impl Dataset<Item> for $t {
            fn get(&self, index: usize) -> Result<Item, DatasetError> {
                ItemSource::item(self, index).map_err(DatasetError::from)
            }
            fn len(&self) -> usize {
                ItemSource::len(self)
            }
        }
    )*};
}

burn_dataset!(SuiteDataset, JsonlDataset, BlinkDataset, AnyDataset);
