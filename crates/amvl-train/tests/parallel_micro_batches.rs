//! `[train] parallel_micro_batches`: the step's micro-batches run at the same time, one thread
//! each, and the run ends where the one-after-the-other run ends.
mod common;

use common::{tiny_run_config, train_suite, weights};
use std::path::Path;

/// Every parameter value of the final model of a 4-step tiny run, in name order.
fn final_weights(grad_accum: usize, parallel: bool, dir: &Path) -> Vec<f32> {
    let mut config = tiny_run_config();
    config.train.batch_size = 2;
    config.train.grad_accum = grad_accum;
    config.train.steps = 4;
    config.train.parallel_micro_batches = parallel;
    let out = train_suite(config, dir.join(format!("accum{grad_accum}-parallel{parallel}")));
    weights(&out).into_iter().flat_map(|(_, values)| values).collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn parallel_micro_batches_end_with_the_sequential_weights() {
    let dir = tempfile::tempdir().unwrap();
    let sequential = final_weights(2, false, dir.path());
    let parallel = final_weights(2, true, dir.path());
    // Threads only change the order of float sums inside ops: the same run up to rounding.
    let diff = max_abs_diff(&sequential, &parallel);
    assert!(diff < 1e-4, "parallel vs sequential: max |Δw| = {diff}");
    // Both micro-batches reach the weights: without accumulation the run ends elsewhere.
    let single = final_weights(1, true, dir.path());
    assert!(
        max_abs_diff(&single, &parallel) > 1e-3,
        "grad_accum = 2 ended where grad_accum = 1 did"
    );
}
