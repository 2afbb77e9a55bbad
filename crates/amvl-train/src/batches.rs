use amvl_core::AmvlBatch;
use amvl_data::{AmvlBatcher, DataError, ItemSource};
use burn::prelude::*;

use crate::trainer::BatchSource;

/// Any item source, batched by the data crate's batcher.
pub struct ItemBatches<'a> {
    pub items: &'a dyn ItemSource,
    pub batcher: &'a AmvlBatcher,
}

impl BatchSource for ItemBatches<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn batch(&self, indices: &[usize], device: &Device) -> Result<AmvlBatch, DataError> {
        let items = indices
            .iter()
            .map(|&i| self.items.item(i))
            .collect::<Result<Vec<_>, _>>()?;
        self.batcher.batch(items, device)
    }

    fn image_count(&self, i: usize) -> Result<usize, DataError> {
        self.items.image_count(i)
    }
}
