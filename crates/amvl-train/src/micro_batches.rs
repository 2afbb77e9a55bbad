//! Which items each micro-batch of a step holds, and the step's micro-batches built from them
//! with their latent noise.

use burn::prelude::*;

use crate::bucketed_order::BucketedOrder;
use crate::config::TrainConfig;
use crate::data_order::{DataOrder, mix_seed};
use crate::error::TrainError;
use crate::step::MicroBatch;
use crate::trainer::BatchSource;

/// Which items each micro-batch holds.
enum Order {
    Plain(DataOrder),
    /// Whole steps (`batch_size · grad_accum` items of one image count) cut into the step's
    /// micro-batches, so the micro-batches of a step have the same shapes (and parallel ones
    /// finish together).
    Bucketed {
        order: BucketedOrder,
        grad_accum: usize,
    },
}

impl Order {
    fn new(train: &TrainConfig, data: &dyn BatchSource) -> Result<Self, TrainError> {
        if !train.bucket_by_images {
            return Ok(Self::Plain(DataOrder::new(train.seed, data.len())));
        }
        let keys = (0..data.len())
            .map(|i| data.image_count(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Bucketed {
            order: BucketedOrder::new(train.seed, keys, train.batch_size * train.grad_accum),
            grad_accum: train.grad_accum,
        })
    }

    /// Dataset indices of global micro-batch `number` (of `batch_size` items; a bucketed
    /// epoch's last, short step is shared out evenly, so a micro-batch there may be smaller or empty).
    fn micro_batch(&mut self, number: u64, batch_size: usize) -> Vec<usize> {
        match self {
            Self::Plain(order) => order.indices(number * batch_size as u64, batch_size),
            Self::Bucketed { order, grad_accum } => {
                let accum = *grad_accum as u64;
                let step = order.batch(number / accum);
                let (k, n) = ((number % accum) as usize, step.len());
                step[k * n / *grad_accum..(k + 1) * n / *grad_accum].to_vec()
            }
        }
    }
}

/// The micro-batches of every step, in the run's data order.
pub struct MicroBatches {
    order: Order,
    batch_size: usize,
    grad_accum: usize,
    seed: u64,
    /// [slots, d_latent] of the latent noise, when the model has a latent block.
    latent_shape: Option<[usize; 2]>,
    /// This process's share: the micro-batches `k` with `k mod world == rank`.
    rank: usize,
    world: usize,
}

impl MicroBatches {
    pub fn new(
        train: &TrainConfig,
        data: &dyn BatchSource,
        latent_shape: Option<[usize; 2]>,
    ) -> Result<Self, TrainError> {
        Ok(Self {
            order: Order::new(train, data)?,
            batch_size: train.batch_size,
            grad_accum: train.grad_accum,
            seed: train.seed,
            latent_shape,
            rank: 0,
            world: 1,
        })
    }

    /// Only the micro-batches `k` of each step with `k mod world == rank` (data parallelism).
    pub fn shard(mut self, rank: usize, world: usize) -> Self {
        (self.rank, self.world) = (rank, world.max(1));
        self
    }

    /// The non-empty micro-batches of optimizer step `step` (this process's share) on `device`, each with its latent
    /// noise [items, slots, d_latent] drawn from the run's seed, the step and the micro-batch.
    pub fn step(&mut self, step: u64, data: &dyn BatchSource, device: &Device) -> Result<Vec<MicroBatch>, TrainError> {
        let mut inputs = Vec::with_capacity(self.grad_accum);
        for micro in (0..self.grad_accum).filter(|k| k % self.world == self.rank) {
            let number = step * self.grad_accum as u64 + micro as u64;
            let indices = self.order.micro_batch(number, self.batch_size);
            if indices.is_empty() {
                continue;
            }
            let batch = data.batch(&indices, device)?;
            let noise = self.latent_shape.map(|[slots, d]| {
                let seed = mix_seed(&[self.seed, step, micro as u64, 0x57E9]);
                amvl_core::random::standard_normal([indices.len(), slots, d], seed, device)
            });
            inputs.push((batch, noise));
        }
        Ok(inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::Order;
    use crate::config::TrainConfig;
    use crate::trainer::BatchSource;
    use amvl_core::AmvlBatch;
    use amvl_data::DataError;
    use burn::prelude::*;

    /// Items whose image counts are given; batches are never built.
    struct Counts(Vec<usize>);

    impl BatchSource for Counts {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn batch(&self, _: &[usize], _: &Device) -> Result<AmvlBatch, DataError> {
            unreachable!("only the order is tested")
        }
        fn image_count(&self, i: usize) -> Result<usize, DataError> {
            Ok(self.0[i])
        }
    }

    #[test]
    fn a_steps_micro_batches_share_their_image_count_and_cover_the_epoch() {
        // 37 one-image, 21 two-image and 13 four-image items; steps of 2 × 4.
        let counts: Vec<usize> = [(1, 37), (2, 21), (4, 13)]
            .iter()
            .flat_map(|&(k, n)| vec![k; n])
            .collect();
        let data = Counts(counts.clone());
        let train = TrainConfig {
            batch_size: 4,
            grad_accum: 2,
            ..TrainConfig::default()
        };
        let mut order = Order::new(&train, &data).unwrap();
        let steps = (counts.len() as u64).div_ceil(8);
        let mut seen = vec![0usize; counts.len()];
        let mut mixed_steps = 0;
        for step in 0..steps {
            let micro: Vec<Vec<usize>> = (0..2).map(|k| order.micro_batch(step * 2 + k, 4)).collect();
            let keys: Vec<usize> = micro.iter().flatten().map(|&i| counts[i]).collect();
            for i in micro.iter().flatten() {
                seen[*i] += 1;
            }
            if keys.iter().any(|&k| k != keys[0]) {
                mixed_steps += 1;
            } else {
                assert_eq!(micro[0].len(), micro[1].len(), "step {step}: unequal halves {micro:?}");
            }
        }
        assert!(seen.iter().all(|&n| n == 1), "every item once per epoch: {seen:?}");
        // Only the epoch's leftover steps (fewer than 8 items of a count each) mix counts.
        assert!(mixed_steps <= 2, "{mixed_steps} steps mixed image counts");
    }
}
