//! The latent block: a factorized diagonal Gaussian per slot, the prior and posterior heads
//! that produce them from hidden states, the injector that maps a sample back to model width,
//! and the slot embeddings. [`LatentConfig::init`] builds the whole [`LatentBlock`].
//!
//! ```
//! use amvl_latent::LatentConfig;
//! use burn::prelude::*;
//!
//! let device = Device::flex();
//! let config = LatentConfig { slots: 2, d_latent: 4, ..LatentConfig::default() };
//! let block = config.init(8, &device);
//! // Hidden states at the slots [batch, slots, d_model] → one Gaussian per slot.
//! let prior = block.prior_head.forward(Tensor::zeros([3, 2, 8], &device));
//! assert_eq!(prior.dims(), [3, 2, 4]);
//! // Both heads start near σ = e^log_std_init (their weights start small).
//! let log_std: f32 = prior.log_std.mean().into_scalar();
//! assert!((log_std as f64 - config.log_std_init).abs() < 0.05);
//! ```

mod block;
mod bounds;
mod config;
mod error;
mod gaussian;
mod head;
mod injector;
mod path;
mod reader;
mod slots;

pub use block::LatentBlock;
pub use bounds::LogStdBounds;
pub use config::LatentConfig;
pub use error::LatentConfigError;
pub use gaussian::{DiagGaussian, KlParts};
pub use head::{GaussianHead, GaussianHeadConfig};
pub use injector::Injector;
pub use path::LatentPath;
pub use reader::PosteriorReader;
pub use slots::LatentSlots;
