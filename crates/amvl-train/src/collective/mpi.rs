//! [`Collective`] over MPI (rsmpi; OpenMPI, MPICH or a Slurm site's MPI). Gradients are staged
//! through host memory, so any device works. Each operation is started non-blocking and waited on
//! with a deadline, so a rank that dies or hangs stops the others with a clear error.

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::request::{Request, Scope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Collective, CollectiveError};

pub struct MpiCollective {
    world: Mutex<SimpleCommunicator>,
    rank: usize,
    size: usize,
    local_rank: usize,
    timeout_s: AtomicU64,
}

// SAFETY: MPI is initialised with `Threading::Serialized` and every call on the communicator goes
// through the mutex, so no two threads call into MPI at once.
unsafe impl Send for MpiCollective {}
unsafe impl Sync for MpiCollective {}

impl MpiCollective {
    /// Initialises MPI; `timeout` bounds every collective operation. The caller keeps the
    /// [`Universe`] until the process is done with MPI: dropping it finalises MPI.
    pub fn init(timeout: Duration) -> Result<(Universe, Self), String> {
        let (universe, level) =
            mpi::initialize_with_threading(mpi::Threading::Serialized).ok_or("MPI is already initialised")?;
        if level < mpi::Threading::Serialized {
            return Err(format!(
                "this MPI offers threading level {level:?}; Serialized is needed"
            ));
        }
        let world = universe.world();
        let rank = world.rank() as usize;
        let size = world.size() as usize;
        let local = world.split_shared(world.rank());
        let local_rank = local.rank() as usize;
        let collective = Self {
            world: Mutex::new(world),
            rank,
            size,
            local_rank,
            timeout_s: AtomicU64::new(timeout.as_secs().max(1)),
        };
        Ok((universe, collective))
    }

    /// The current deadline of an operation, in seconds.
    pub fn timeout_s(&self) -> u64 {
        self.timeout_s.load(Ordering::Relaxed)
    }

    /// Waits for `request` until the deadline. An operation that timed out cannot be cancelled:
    /// the error is printed and every rank is stopped.
    fn complete<'a, D: ?Sized, S: Scope<'a>>(
        &self,
        world: &SimpleCommunicator,
        request: Request<'a, D, S>,
        operation: &str,
    ) -> Result<(), CollectiveError> {
        let timeout = Duration::from_secs(self.timeout_s.load(Ordering::Relaxed));
        let start = Instant::now();
        let mut pause = Duration::from_micros(20);
        let mut request = request;
        loop {
            match request.test() {
                Ok(_) => return Ok(()),
                Err(pending) => request = pending,
            }
            if start.elapsed() > timeout {
                let error = CollectiveError::Timeout {
                    rank: self.rank,
                    operation: operation.to_string(),
                    seconds: timeout.as_secs(),
                };
                eprintln!("error: {error}");
                world.abort(2)
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
}

impl Collective for MpiCollective {
    fn rank(&self) -> usize {
        self.rank
    }
    fn world_size(&self) -> usize {
        self.size
    }
    fn local_rank(&self) -> usize {
        self.local_rank
    }

    fn all_reduce_sum(&self, values: &mut [f32], operation: &str) -> Result<(), CollectiveError> {
        let world = self.world.lock().expect("the communicator");
        let send = values.to_vec();
        mpi::request::scope(|scope| {
            let request = world.immediate_all_reduce_into(scope, &send[..], values, SystemOperation::sum());
            self.complete(&world, request, operation)
        })
    }

    fn broadcast(&self, bytes: &mut Vec<u8>, operation: &str) -> Result<(), CollectiveError> {
        let world = self.world.lock().expect("the communicator");
        let root = world.process_at_rank(0);
        let mut len = [bytes.len() as u64];
        mpi::request::scope(|scope| {
            let request = root.immediate_broadcast_into(scope, &mut len[..]);
            self.complete(&world, request, operation)
        })?;
        bytes.resize(len[0] as usize, 0);
        mpi::request::scope(|scope| {
            let request = root.immediate_broadcast_into(scope, &mut bytes[..]);
            self.complete(&world, request, operation)
        })
    }

    fn barrier(&self, operation: &str) -> Result<(), CollectiveError> {
        let world = self.world.lock().expect("the communicator");
        self.complete(&world, world.immediate_barrier(), operation)
    }

    fn set_timeout(&self, seconds: u64) {
        self.timeout_s.store(seconds.max(1), Ordering::Relaxed);
    }

    fn abort(&self, code: i32) -> ! {
        let world = self.world.lock().unwrap_or_else(|e| e.into_inner());
        world.abort(code)
    }
}
