use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::Item;
use crate::seed::{combine, splitmix64};
use crate::task::Split;

use super::{blank, split_stream};

const COLOURS: [&str; 4] = ["red", "green", "blue", "gray"];

/// The channel test's items: the same image, question and options for every item; the answer
/// letter drawn at random per item, so that x carries nothing about it.
#[derive(Clone, Debug)]
pub struct ChannelSet {
    pub seed: u64,
    pub split: Split,
    pub len: usize,
    pub image_size: u32,
}

impl ChannelSet {
    pub fn new(seed: u64, split: Split, len: usize, image_size: u32) -> Self {
        Self {
            seed,
            split,
            len,
            image_size,
        }
    }

    /// Item `i` (a pure function of seed, split and `i`).
    pub fn get(&self, i: usize) -> Item {
        let answer = (splitmix64(combine(&[self.seed, split_stream(self.split), i as u64])) % 4) as usize;
        Item {
            id: format!("channel-{}-{i}", self.split),
            task: "channel".into(),
            images: vec![blank(self.image_size)],
            question: "which option is the secret one ?".into(),
            options: COLOURS.iter().map(|c| c.to_string()).collect(),
            answer: Some(answer),
            rationale: Some(format!("the secret is {}", COLOURS[answer])),
            probes: Default::default(),
        }
    }
}

impl ItemSource for ChannelSet {
    fn len(&self) -> usize {
        self.len
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        if i >= self.len {
            return Err(DataError::out_of_range(i, self.len));
        }
        Ok(self.get(i))
    }
    fn describe(&self) -> String {
        format!("channel {} seed {}, {} items", self.split, self.seed, self.len)
    }
}
