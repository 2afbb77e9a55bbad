//! [`Collective`] for `cuda` devices: the gradients' all-reduce runs on NCCL (through cudarc),
//! staged through device memory of the rank's GPU (`cuda:LOCAL_RANK`) because Burn does not hand
//! out its buffers; the NCCL unique id, broadcasts and barriers go over MPI. Each all-reduce is
//! waited on with the same deadline as the MPI operations.

use cudarc::driver::{CudaContext, CudaStream};
use cudarc::nccl::{Comm, Id, ReduceOp};
use mpi::environment::Universe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::mpi::MpiCollective;
use super::{Collective, CollectiveError};

pub struct NcclCollective {
    mpi: MpiCollective,
    comm: Mutex<Comm>,
    stream: Arc<CudaStream>,
}

// SAFETY: the communicator is used under its mutex only, one call at a time.
unsafe impl Send for NcclCollective {}
unsafe impl Sync for NcclCollective {}

impl NcclCollective {
    /// Initialises MPI, then NCCL on `cuda:LOCAL_RANK` with rank 0's unique id.
    pub fn init(timeout: Duration) -> Result<(Universe, Self), String> {
        let (universe, mpi) = MpiCollective::init(timeout)?;
        let context = CudaContext::new(mpi.local_rank()).map_err(|e| format!("cuda:{}: {e:?}", mpi.local_rank()))?;
        let stream = context.default_stream();
        let id = if mpi.rank() == 0 {
            Id::new().map_err(|e| format!("NCCL unique id: {e:?}"))?
        } else {
            Id::uninit([0; 128])
        };
        let mut bytes: Vec<u8> = id.internal().iter().map(|&c| c as u8).collect();
        mpi.broadcast(&mut bytes, "broadcast of the NCCL unique id")
            .map_err(|e| e.to_string())?;
        let mut internal = [0 as std::ffi::c_char; 128];
        for (slot, byte) in internal.iter_mut().zip(&bytes) {
            *slot = *byte as std::ffi::c_char;
        }
        let comm = Comm::from_rank(stream.clone(), mpi.rank(), mpi.world_size(), Id::uninit(internal))
            .map_err(|e| format!("NCCL communicator: {e:?}"))?;
        let collective = Self {
            mpi,
            comm: Mutex::new(comm),
            stream,
        };
        Ok((universe, collective))
    }
}

impl Collective for NcclCollective {
    fn rank(&self) -> usize {
        self.mpi.rank()
    }
    fn world_size(&self) -> usize {
        self.mpi.world_size()
    }
    fn local_rank(&self) -> usize {
        self.mpi.local_rank()
    }

    fn all_reduce_sum(&self, values: &mut [f32], operation: &str) -> Result<(), CollectiveError> {
        let failed = |message: String| CollectiveError::Failed {
            rank: self.rank(),
            operation: operation.to_string(),
            message,
        };
        let comm = self.comm.lock().expect("the communicator");
        let mut buffer = self.stream.clone_htod(values).map_err(|e| failed(format!("{e:?}")))?;
        comm.all_reduce_in_place(&mut buffer, &ReduceOp::Sum)
            .map_err(|e| failed(format!("{e:?}")))?;
        let done = self.stream.record_event(None).map_err(|e| failed(format!("{e:?}")))?;
        let timeout = Duration::from_secs(self.mpi.timeout_s());
        let start = Instant::now();
        while !done.is_complete() {
            if start.elapsed() > timeout {
                let error = CollectiveError::Timeout {
                    rank: self.rank(),
                    operation: operation.to_string(),
                    seconds: timeout.as_secs(),
                };
                eprintln!("error: {error}");
                self.mpi.abort(2);
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        self.stream
            .memcpy_dtoh(&buffer, values)
            .map_err(|e| failed(format!("{e:?}")))
    }

    fn broadcast(&self, bytes: &mut Vec<u8>, operation: &str) -> Result<(), CollectiveError> {
        self.mpi.broadcast(bytes, operation)
    }
    fn barrier(&self, operation: &str) -> Result<(), CollectiveError> {
        self.mpi.barrier(operation)
    }
    fn set_timeout(&self, seconds: u64) {
        self.mpi.set_timeout(seconds)
    }
    fn abort(&self, code: i32) -> ! {
        self.mpi.abort(code)
    }
}
