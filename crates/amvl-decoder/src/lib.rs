//! A Llama/Qwen2-style causal decoder: token embedding, RMSNorm, rotary positions,
//! grouped-query attention (optional q/k/v bias), SwiGLU, final norm, LM head (optionally tied).
//!
//! Parameter names follow Hugging Face (`embed_tokens`, `layers.N.self_attn.q_proj`, …) so
//! pretrained weights map by renaming alone.

mod attention;
mod cache;
mod config;
mod decoder;
mod layer;
mod mask;
mod mlp;
mod rope;

pub use attention::GroupedQueryAttention;
pub use cache::{KvCache, LayerCache};
pub use config::DecoderConfig;
pub use decoder::Decoder;
pub use layer::DecoderLayer;
pub use mlp::SwiGlu;
pub use rope::RotaryTables;
