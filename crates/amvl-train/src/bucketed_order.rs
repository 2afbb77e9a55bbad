//! Batches whose items share a key (their image count), so a batch of one-image items is not
//! padded to the longest multi-image item of the dataset. Like [`DataOrder`](crate::data_order::DataOrder)
//! a pure function of (seed, epoch): a resumed run sees the same batches.

use std::collections::BTreeMap;

use crate::data_order::{mix_seed, shuffle};

/// Per epoch: the items in a seeded random order, cut into batches within each key; the
/// leftovers of all keys (fewer than a batch per key) fill the last, mixed batches; then the
/// batches themselves are shuffled. Every item appears once per epoch.
#[derive(Clone, Debug)]
pub struct BucketedOrder {
    seed: u64,
    keys: Vec<usize>,
    batch_size: usize,
    per_epoch: usize,
    epoch: u64,
    batches: Vec<Vec<usize>>,
}

impl BucketedOrder {
    /// `keys[i]` is item i's key; batches hold `batch_size` items (the epoch's last mixed batch
    /// may hold fewer).
    pub fn new(seed: u64, keys: Vec<usize>, batch_size: usize) -> Self {
        assert!(!keys.is_empty(), "empty training set");
        assert!(batch_size > 0, "batch size 0");
        let mut counts = BTreeMap::<usize, usize>::new();
        for &k in &keys {
            *counts.entry(k).or_default() += 1;
        }
        let full: usize = counts.values().map(|n| n / batch_size).sum();
        let rest: usize = counts.values().map(|n| n % batch_size).sum();
        let mut order = Self {
            seed,
            keys,
            batch_size,
            per_epoch: full + rest.div_ceil(batch_size),
            epoch: u64::MAX,
            batches: Vec::new(),
        };
        order.ensure_epoch(0);
        order
    }

    /// Batches in one epoch (the same for every epoch).
    pub fn batches_per_epoch(&self) -> usize {
        self.per_epoch
    }

    fn ensure_epoch(&mut self, epoch: u64) {
        if self.epoch == epoch {
            return;
        }
        let mut items: Vec<usize> = (0..self.keys.len()).collect();
        shuffle(&mut items, mix_seed(&[self.seed, epoch, 0xB0C7]));
        let mut by_key = BTreeMap::<usize, Vec<usize>>::new();
        for i in items {
            by_key.entry(self.keys[i]).or_default().push(i);
        }
        let mut batches = Vec::with_capacity(self.per_epoch);
        let mut leftovers = Vec::new();
        for members in by_key.into_values() {
            let mut chunks = members.chunks_exact(self.batch_size);
            batches.extend(chunks.by_ref().map(<[usize]>::to_vec));
            leftovers.extend_from_slice(chunks.remainder());
        }
        batches.extend(leftovers.chunks(self.batch_size).map(<[usize]>::to_vec));
        debug_assert_eq!(batches.len(), self.per_epoch);
        shuffle(&mut batches, mix_seed(&[self.seed, epoch, 0xBA7C]));
        self.batches = batches;
        self.epoch = epoch;
    }

    /// Dataset indices of global batch number `number` (epoch = number / batches_per_epoch).
    pub fn batch(&mut self, number: u64) -> Vec<usize> {
        let per = self.per_epoch as u64;
        self.ensure_epoch(number / per);
        self.batches[(number % per) as usize].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_share_a_key_cover_each_epoch_once_and_repeat_from_the_seed() {
        // 23 items of key 1, 9 of key 2, 5 of key 4; batches of 4.
        let keys: Vec<usize> = (0..37)
            .map(|i| {
                if i < 23 {
                    1
                } else if i < 32 {
                    2
                } else {
                    4
                }
            })
            .collect();
        let mut order = BucketedOrder::new(3, keys.clone(), 4);
        // 5 + 2 + 1 full batches, leftovers 3 + 1 + 1 = 5 → 2 more.
        assert_eq!(order.batches_per_epoch(), 10);
        for epoch in 0..3u64 {
            let batches: Vec<Vec<usize>> = (0..10).map(|b| order.batch(epoch * 10 + b)).collect();
            let mut seen: Vec<usize> = batches.concat();
            seen.sort();
            assert_eq!(seen, (0..37).collect::<Vec<_>>(), "epoch {epoch} is a permutation");
            let uniform = batches
                .iter()
                .filter(|b| b.iter().all(|&i| keys[i] == keys[b[0]]))
                .count();
            assert!(uniform >= 8, "epoch {epoch}: only {uniform} single-key batches");
        }
        let mut again = BucketedOrder::new(3, keys.clone(), 4);
        assert_eq!(again.batch(13), order.batch(13));
        let mut other = BucketedOrder::new(4, keys, 4);
        assert_ne!(
            (0..10).map(|b| other.batch(b)).collect::<Vec<_>>(),
            (0..10).map(|b| order.batch(b)).collect::<Vec<_>>()
        );
    }
}
