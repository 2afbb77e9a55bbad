//! Micro-batches side by side on the CPU: each on its own thread, inside its own one-thread rayon
//! pool, so that flex's ops of one micro-batch run alone instead of being split over the cores.

use rayon::ThreadPool;

/// `n` rayon pools of one thread each (None if the system refuses threads).
pub fn single_thread_pools(n: usize) -> Option<Vec<ThreadPool>> {
    (0..n)
        .map(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build().ok())
        .collect()
}

/// `job(item)` for every item at once, item `i` on its own thread inside `pools[i]` (items beyond
/// the pools are dropped). The results come back in item order, whatever thread finishes first; a
/// panic in a job is raised here.
pub fn run_on_pools<T: Send, R: Send>(items: Vec<T>, pools: &[ThreadPool], job: impl Fn(T) -> R + Sync) -> Vec<R> {
    let job = &job;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .into_iter()
            .zip(pools)
            .map(|(item, pool)| scope.spawn(move || pool.install(|| job(item))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}
