//! The multimodal AMVL model: `[image tokens, question, <lat>_1..k, answer]`.
//!
//! Training runs the image+question prefix once and reuses its keys/values for the prior pass,
//! the posterior pass (which sees the target first) and the teacher-forced decode.

mod config;
mod generate;
mod model;
mod projector;
mod suffix;
mod train_forward;

pub use amvl_latent::LatentBlock;
pub use config::{ModelConfig, TargetMode};
pub use generate::{GenerateOptions, Generation, LatentChoice};
pub use model::AmvlModel;
pub use projector::{ImageSlots, Projector};
pub use suffix::Prefix;
pub use train_forward::TrainOutput;
