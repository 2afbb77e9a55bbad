use amvl_core::AmvlBatch;
use amvl_data::{AmvlBatcher, ItemSource};
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

    fn batch(&self, indices: &[usize], device: &Device) -> Result<AmvlBatch, String> {
        let items = indices
            .iter()
            .map(|&i| self.items.item(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        self.batcher.batch(items, device).map_err(|e| e.to_string())
    }

    fn image_count(&self, i: usize) -> Result<usize, String> {
        self.items.image_count(i).map_err(|e| e.to_string())
    }
}
