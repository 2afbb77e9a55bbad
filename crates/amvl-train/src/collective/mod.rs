//! Data parallelism across processes: the collective operations the trainer needs (all-reduce of
//! the gradients, broadcast of the run config, tokenizer, parameters and optimizer state, a
//! barrier), one process-wide [`Collective`] that defaults to [`SingleProcess`], and an MPI
//! implementation behind the `mpi` feature.
//!
//! Each rank runs the step's micro-batches `k` with `k mod world_size == rank` (so
//! `train.grad_accum` must be a multiple of the world size); the gradients are summed across
//! ranks in a fixed order, so the run is the single-process run with the same config up to float
//! rounding. Rank 0 alone writes the run folder.

#[cfg(feature = "mpi")]
pub mod mpi;
#[cfg(feature = "nccl")]
pub mod nccl;
pub mod sync;

use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CollectiveError {
    #[error(
        "rank {rank}: {operation} did not complete within {seconds} s: another rank died or hangs \
         (train.collective_timeout_s sets the limit)"
    )]
    Timeout {
        rank: usize,
        operation: String,
        seconds: u64,
    },
    #[error("rank {rank}: {operation} failed: {message}")]
    Failed {
        rank: usize,
        operation: String,
        message: String,
    },
}

/// The collective operations of data-parallel training. Every rank calls the same operations in
/// the same order.
pub trait Collective: Send + Sync {
    fn rank(&self) -> usize;
    fn world_size(&self) -> usize;
    /// This rank's index among the ranks on its machine (picks `cuda:LOCAL_RANK`).
    fn local_rank(&self) -> usize;
    /// Element-wise sum over all ranks, in place (every rank gets the same values).
    fn all_reduce_sum(&self, values: &mut [f32], operation: &str) -> Result<(), CollectiveError>;
    /// Rank 0's `bytes` on every rank.
    fn broadcast(&self, bytes: &mut Vec<u8>, operation: &str) -> Result<(), CollectiveError>;
    fn barrier(&self, operation: &str) -> Result<(), CollectiveError>;
    /// The longest any later operation waits for the other ranks.
    fn set_timeout(&self, _seconds: u64) {}
    /// Stops every rank (after an error on one of them).
    fn abort(&self, code: i32) -> !;
}

/// One process: every operation is the identity.
#[derive(Clone, Copy, Debug, Default)]
pub struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn world_size(&self) -> usize {
        1
    }
    fn local_rank(&self) -> usize {
        0
    }
    fn all_reduce_sum(&self, _: &mut [f32], _: &str) -> Result<(), CollectiveError> {
        Ok(())
    }
    fn broadcast(&self, _: &mut Vec<u8>, _: &str) -> Result<(), CollectiveError> {
        Ok(())
    }
    fn barrier(&self, _: &str) -> Result<(), CollectiveError> {
        Ok(())
    }
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

static GLOBAL: OnceLock<Arc<dyn Collective>> = OnceLock::new();

/// Makes `collective` the process's (once, before training; later calls are refused).
pub fn set_global(collective: Arc<dyn Collective>) -> Result<(), Arc<dyn Collective>> {
    GLOBAL.set(collective)
}

/// The process's collective: the one set with [`set_global`], else [`SingleProcess`].
pub fn global() -> Arc<dyn Collective> {
    GLOBAL.get().cloned().unwrap_or_else(|| Arc::new(SingleProcess))
}

/// Whether an MPI launcher (`mpirun`, `mpiexec`, `srun --mpi=pmi2|pmix`) started this process.
pub fn launched_by_mpi() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// `AMVL_CHAOS_RANK_FAULT=RANK:STEP:exit|hang`: rank RANK dies (exit code 3) or hangs when it
/// reaches optimizer step STEP, so tests can check that the other ranks stop with a clear error.
pub const CHAOS_RANK_FAULT_ENV: &str = "AMVL_CHAOS_RANK_FAULT";

/// Acts out [`CHAOS_RANK_FAULT_ENV`] when it names this rank and step.
pub fn chaos_fault(rank: usize, step: u64) {
    let Ok(spec) = std::env::var(CHAOS_RANK_FAULT_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let [r, s, what] = parts[..] else {
        return;
    };
    if r.parse() != Ok(rank) || s.parse() != Ok(step) {
        return;
    }
    match what {
        "exit" => std::process::exit(3),
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        _ => {}
    }
}
