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

/// Rank 0's `model` on every rank (its parameters as Burnpack bytes).
pub fn broadcast_model(model: AmvlModel, collective: &dyn Collective) -> Result<AmvlModel, CollectiveError> {
    if collective.world_size() == 1 {
        return Ok(model);
    }
    let failed = |message: String| CollectiveError::Failed {
        rank: collective.rank(),
        operation: "broadcast of the parameters".into(),
        message,
    };
    let mut bytes = if collective.rank() == 0 {
        let mut store = BurnpackStore::from_bytes(None);
        model.save_into(&mut store).map_err(|e| failed(format!("{e:?}")))?;
        store.get_bytes().map_err(|e| failed(format!("{e:?}")))?.to_vec()
    } else {
        Vec::new()
    };
    collective.broadcast(&mut bytes, "broadcast of the parameters")?;
    if collective.rank() == 0 {
        return Ok(model);
    }
    let mut model = model;
    let mut store = BurnpackStore::from_bytes(Some(burn::tensor::Bytes::from_bytes_vec(bytes)));
    let result = model.load_from(&mut store).map_err(|e| failed(format!("{e:?}")))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        return Err(failed(format!(
            "missing {:?}, errors {:?}",
            result.missing, result.errors
        )));
    }
    Ok(model)
}

/// Rank 0's optimizer state on every rank.
pub fn broadcast_optimizer(
    optimizer: ModuleOptimizer,
    collective: &dyn Collective,
) -> Result<ModuleOptimizer, CollectiveError> {
    if collective.world_size() == 1 {
        return Ok(optimizer);
    }
    let failed = |message: String| CollectiveError::Failed {
        rank: collective.rank(),
        operation: "broadcast of the optimizer state".into(),
        message,
    };
    let mut bytes = if collective.rank() == 0 {
        optimizer.into_bytes().map_err(|e| failed(format!("{e:?}")))?.to_vec()
    } else {
        Vec::new()
    };
    collective.broadcast(&mut bytes, "broadcast of the optimizer state")?;
    if collective.rank() == 0 {
        return Ok(optimizer);
    }
    optimizer
        .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
        .map_err(|e| failed(format!("{e:?}")))
}
