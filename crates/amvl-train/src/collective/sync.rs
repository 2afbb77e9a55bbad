//! What the trainer exchanges between ranks: gradients (summed), and rank 0's parameters,
//! optimizer state and small files (broadcast).

use amvl_model::AmvlModel;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::TensorData;

use super::{Collective, CollectiveError};

/// Sums `grads` of `module`'s parameters over all ranks. A rank without a parameter's gradient
/// (no micro-batch this step) adds zeros; a parameter no rank has a gradient for keeps none.
pub fn all_reduce_gradients<M: Module>(
    grads: GradientsParams,
    module: &M,
    collective: &dyn Collective,
    operation: &str,
) -> Result<GradientsParams, CollectiveError> {
    let mut gather = Gather {
        grads,
        present: Vec::new(),
        values: Vec::new(),
    };
    module.visit(&mut gather);
    let Gather {
        mut grads,
        present,
        mut values,
    } = gather;
    let mut buffer: Vec<f32> = present.iter().map(|&p| f32::from(u8::from(p))).collect();
    buffer.append(&mut values);
    collective.all_reduce_sum(&mut buffer, operation)?;
    let (present, values) = buffer.split_at(present.len());
    let mut scatter = Scatter {
        grads: &mut grads,
        present,
        values,
        index: 0,
        offset: 0,
    };
    module.visit(&mut scatter);
    Ok(grads)
}

struct Gather {
    grads: GradientsParams,
    present: Vec<bool>,
    values: Vec<f32>,
}

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let shape = param.shape();
        match self.grads.remove::<D>(param.id) {
            Some(grad) => {
                self.present.push(true);
                let data = grad.into_data().convert::<f32>();
                self.values.extend(data.as_slice::<f32>().expect("f32 gradients"));
            }
            None => {
                self.present.push(false);
                self.values.extend(std::iter::repeat_n(0.0, shape.num_elements()));
            }
        }
    }
}

struct Scatter<'a> {
    grads: &'a mut GradientsParams,
    present: &'a [f32],
    values: &'a [f32],
    index: usize,
    offset: usize,
}

impl ModuleVisitor for Scatter<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let shape = param.shape();
        let n = shape.num_elements();
        let values = &self.values[self.offset..self.offset + n];
        if self.present[self.index] > 0.0 {
            let data = TensorData::new(values.to_vec(), shape);
            let device = param.val().device();
            let grad = Tensor::<D>::from_data(data, &device).cast(param.val().dtype());
            self.grads.register(param.id, grad);
        }
        self.index += 1;
        self.offset += n;
    }
}

/// Rank 0's `value` on every rank: rank 0 encodes it, the others decode the bytes it sent
/// (`None` where there is one rank or this is rank 0: keep `value`).
fn from_rank_zero<T, E: std::fmt::Debug>(
    value: &T,
    collective: &dyn Collective,
    operation: &str,
    encode: impl FnOnce(&T) -> Result<Vec<u8>, E>,
) -> Result<Option<Vec<u8>>, CollectiveError> {
    if collective.world_size() == 1 {
        return Ok(None);
    }
    let mut bytes = if collective.rank() == 0 {
        encode(value).map_err(|e| failed(collective, operation, format!("{e:?}")))?
    } else {
        Vec::new()
    };
    collective.broadcast(&mut bytes, operation)?;
    Ok((collective.rank() != 0).then_some(bytes))
}

fn failed(collective: &dyn Collective, operation: &str, message: String) -> CollectiveError {
    CollectiveError::Failed {
        rank: collective.rank(),
        operation: operation.into(),
        message,
    }
}

/// Rank 0's `model` on every rank (its parameters as Burnpack bytes).
pub fn broadcast_model(mut model: AmvlModel, collective: &dyn Collective) -> Result<AmvlModel, CollectiveError> {
    const OPERATION: &str = "broadcast of the parameters";
    let encode = |model: &AmvlModel| {
        let mut store = BurnpackStore::from_bytes(None);
        model.save_into(&mut store)?;
        store.get_bytes().map(|b| b.to_vec())
    };
    let Some(bytes) = from_rank_zero(&model, collective, OPERATION, encode)? else {
        return Ok(model);
    };
    let mut store = BurnpackStore::from_bytes(Some(burn::tensor::Bytes::from_bytes_vec(bytes)));
    let result = model
        .load_from(&mut store)
        .map_err(|e| failed(collective, OPERATION, format!("{e:?}")))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        let message = format!("missing {:?}, errors {:?}", result.missing, result.errors);
        return Err(failed(collective, OPERATION, message));
    }
    Ok(model)
}

/// Rank 0's optimizer state on every rank.
pub fn broadcast_optimizer(
    optimizer: ModuleOptimizer,
    collective: &dyn Collective,
) -> Result<ModuleOptimizer, CollectiveError> {
    const OPERATION: &str = "broadcast of the optimizer state";
    let encode = |optimizer: &ModuleOptimizer| optimizer.into_bytes().map(|b| b.to_vec());
    let Some(bytes) = from_rank_zero(&optimizer, collective, OPERATION, encode)? else {
        return Ok(optimizer);
    };
    optimizer
        .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
        .map_err(|e| failed(collective, OPERATION, format!("{e:?}")))
}
