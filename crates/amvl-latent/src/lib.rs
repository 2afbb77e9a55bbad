//! The latent block: a factorized diagonal Gaussian per slot, the heads that produce them from
//! hidden states, the injector that maps a sample back to model width, and the slot embeddings.

mod config;
mod gaussian;
mod head;
mod injector;
mod slots;

pub use config::LatentConfig;
pub use gaussian::DiagGaussian;
pub use head::{GaussianHead, GaussianHeadConfig};
pub use injector::Injector;
pub use slots::LatentSlots;
