//! AMVL — Asymmetric Mutual Variational Learning on Burn.
//!
//! This facade re-exports the workspace crates so one dependency gives the whole model:
//!
//! | module | crate | holds |
//! |---|---|---|
//! | [`core`] | `amvl-core` | traits the parts meet through, the batch type, device selection |
//! | [`vision`] | `amvl-vision` | the ViT vision tower (SigLIP/CLIP layout) |
//! | [`decoder`] | `amvl-decoder` | the Llama/Qwen2-style decoder with KV cache |
//! | [`latent`] | `amvl-latent` | diagonal Gaussians, prior/posterior heads, injector, slots |
//! | [`loss`] | `amvl-loss` | the AMVL objective, its ablations, schedules, free bits |
//! | [`model`] | `amvl-model` | the composed model: shared-prefix training forward, generation |

pub use amvl_core as core;
pub use amvl_decoder as decoder;
pub use amvl_latent as latent;
pub use amvl_loss as loss;
pub use amvl_model as model;
pub use amvl_vision as vision;
pub use burn;

pub use amvl_core::{AmvlBatch, parse_device};
pub use amvl_loss::{AmvlLoss, LossConfig, Objective};
pub use amvl_model::{AmvlModel, ModelConfig};
