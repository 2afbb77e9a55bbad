//! The vision tower: a ViT whose structure and parameter names mirror Hugging Face's
//! `SiglipVisionTransformer` and `CLIPVisionTransformer`, so their weights map by renaming alone.
//!
//! pixels [images, channels, H, W] → patch embedding (+ class token) + position embedding
//! → (pre-LN) → pre-LN transformer blocks → post LN → [images, tokens, d_vision],
//! plus an optional pooled vector (SigLIP attention-pooling head or CLIP's class token).

mod activation;
mod attention;
mod config;
mod embeddings;
mod encoder;
mod head;
mod mlp;
mod transformer;

pub use activation::HiddenAct;
pub use attention::SelfAttention;
pub use config::{Pooling, VisionConfig};
pub use embeddings::{ConvStem, VisionEmbeddings};
pub use encoder::{Encoder, EncoderLayer};
pub use head::{AttentionPoolingHead, PoolingAttention};
pub use mlp::Mlp;
pub use transformer::VisionTransformer;
