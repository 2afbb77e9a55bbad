//! Where the CPU work runs. flex and gemm split large ops over rayon's pool; called from a
//! thread outside the pool, each op parks the caller while the pool's threads work, and between
//! ops the idle workers spin on the cores the caller needs for the many small serial ops of a
//! training step. Running the whole job on a pool thread makes the caller one of the workers.

/// Runs `job` on a worker of a rayon pool of `threads` threads (0 = `RAYON_NUM_THREADS`, else
/// one per core), so that flex's parallel ops inside it use that pool with the caller taking
/// part. Falls back to running `job` here if the pool cannot be built.
pub fn run_on_pool<T: Send>(threads: usize, job: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(job),
        Err(_) => job(),
    }
}
