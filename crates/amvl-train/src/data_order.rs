//! Which training items each step uses: a pure function of (seed, epoch), so a resumed run
//! sees exactly the batches the uninterrupted one would have.

/// A permutation of `0..len` per epoch, from a splitmix64-seeded Fisher–Yates shuffle.
#[derive(Clone, Debug)]
pub struct DataOrder {
    seed: u64,
    len: usize,
    epoch: u64,
    permutation: Vec<usize>,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes several numbers into one seed.
pub fn mix_seed(parts: &[u64]) -> u64 {
    let mut state = 0x5851_F42D_4C95_7F2D;
    for &p in parts {
        state ^= p;
        splitmix64(&mut state);
    }
    splitmix64(&mut state)
}

/// Fisher–Yates shuffle driven by splitmix64 from `seed`.
pub(crate) fn shuffle<T>(values: &mut [T], seed: u64) {
    let mut state = seed;
    for i in (1..values.len()).rev() {
        let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
        values.swap(i, j);
    }
}

impl DataOrder {
    pub fn new(seed: u64, len: usize) -> Self {
        assert!(len > 0, "empty training set");
        let mut order = Self {
            seed,
            len,
            epoch: u64::MAX,
            permutation: Vec::new(),
        };
        order.ensure_epoch(0);
        order
    }

    fn ensure_epoch(&mut self, epoch: u64) {
        if self.epoch == epoch {
            return;
        }
        let mut perm: Vec<usize> = (0..self.len).collect();
        shuffle(&mut perm, mix_seed(&[self.seed, epoch, 0xDA7A]));
        self.permutation = perm;
        self.epoch = epoch;
    }

    /// Dataset indices of the `count` samples starting at global sample number `start`.
    pub fn indices(&mut self, start: u64, count: usize) -> Vec<usize> {
        (0..count as u64)
            .map(|k| {
                let g = start + k;
                self.ensure_epoch(g / self.len as u64);
                self.permutation[(g % self.len as u64) as usize]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_epoch_is_a_permutation_and_epochs_differ() {
        let mut order = DataOrder::new(7, 10);
        let mut first = order.indices(0, 10);
        let second = order.indices(10, 10);
        assert_ne!(first, second);
        first.sort();
        assert_eq!(first, (0..10).collect::<Vec<_>>());
        let mut again = DataOrder::new(7, 10);
        assert_eq!(again.indices(10, 10), second);
    }
}
