//! Benchmarks and backend parity. `cargo xtask bench` times the training step (the trainer's
//! own [`amvl_train::step::TrainStep`]), prefill and decode on fixed synthetic shapes, writes a
//! JSON record (shapes, device, dtype, commit, date) and compares it with the PyTorch reference
//! in `bench/torch_reference.py`; [`backends`] checks that the same weights and batches give the
//! same outputs, gradients and losses on every backend as on `flex`.

pub mod backends;
pub mod compare;
pub mod error;
pub mod flops;
pub mod measure;
pub mod session;
pub mod spec;
pub mod system;

pub use error::{BenchError, ParityError};
pub use flops::{ModelFlops, utilisation};
pub use measure::{BenchOptions, Stats, Timings, derived, figures_json, measure, prepare_device, record, summary};
pub use session::{BenchSession, DeviceMemory, Figure};
pub use spec::{BenchShape, BenchSpec, DECODE_TOKENS, LOSS_STEP, SIZES};
