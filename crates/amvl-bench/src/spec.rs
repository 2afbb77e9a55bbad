//! The fixed bench shapes and models (`tiny`, `small`, `base`), stated in code so that a figure
//! measured today and one measured after a config is retuned compare the same work.

use amvl_core::special_tokens;
use serde::{Deserialize, Serialize};

use amvl_train::config::RunConfig;

use crate::error::BenchError;

/// The step at which the loss is evaluated: past both warm-ups, so β and γ are both in force and
/// every term of the objective (NTP, forward KL, reverse KL) is computed and differentiated.
pub const LOSS_STEP: u64 = 100_000;

/// Tokens generated in the decode measurement (with and without the KV cache).
pub const DECODE_TOKENS: usize = 64;

/// Every shape of the synthetic bench batch. All sequences have exactly these lengths (no padding),
/// every sample has `images_per_sample` images, all present.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BenchShape {
    pub name: String,
    pub batch: usize,
    pub images_per_sample: usize,
    pub image_size: usize,
    /// Tokens per image out of the vision tower.
    pub image_tokens: usize,
    pub question_len: usize,
    /// What the posterior sees (answer mode: the answer).
    pub target_len: usize,
    /// Teacher-forced answer length (`answer_input`, `answer_target`).
    pub answer_len: usize,
    pub latent_slots: usize,
    pub vocab: usize,
    /// `[image tokens, question]`: what the shared-prefix forward runs once.
    pub prefix_len: usize,
    /// The whole sequence of one pass: `[image tokens, question, target, <lat>…, answer]`.
    pub full_len: usize,
    pub decode_tokens: usize,
}

/// The model and loss used at one bench size, and the batch shape.
#[derive(Clone, Debug)]
pub struct BenchSpec {
    pub shape: BenchShape,
    pub config: RunConfig,
}

/// Bench sizes: `tiny` (tests, seconds), `small` (the CPU target), `base` (the GPU target).
pub const SIZES: [&str; 3] = ["tiny", "small", "base"];

// The models are the ones of configs/{tiny,small,base}.toml as of the first bench (2026-12-01),
// written out here so that retuning a config does not silently move the bench.
const TINY: &str = r#"
[model.vision]
image_size = 32
patch_size = 8
hidden_size = 64
num_layers = 2
num_heads = 4
intermediate_size = 256
[model.decoder]
vocab_size = 512
hidden_size = 64
num_layers = 2
num_heads = 4
num_kv_heads = 2
intermediate_size = 192
[model.latent]
slots = 4
d_latent = 16
head_hidden = 64
[loss]
objective = "amvl"
warmup_steps = 20
[train]
batch_size = 4
learning_rate = 1e-3
"#;

const SMALL: &str = r#"
[model.vision]
image_size = 32
patch_size = 8
hidden_size = 96
num_layers = 3
num_heads = 4
intermediate_size = 256
[model.decoder]
vocab_size = 1024
hidden_size = 128
num_layers = 3
num_heads = 4
num_kv_heads = 2
intermediate_size = 384
[model.latent]
slots = 8
d_latent = 32
head_hidden = 128
log_std_min = -2.5
log_std_max = 1.0
[loss]
objective = "amvl"
warmup_steps = 200
[train]
batch_size = 32
learning_rate = 1e-3
"#;

const BASE: &str = r#"
[model.vision]
image_size = 224
patch_size = 16
hidden_size = 384
num_layers = 6
num_heads = 6
intermediate_size = 1536
[model.decoder]
vocab_size = 32768
hidden_size = 576
num_layers = 12
num_heads = 9
num_kv_heads = 3
intermediate_size = 1536
[model.latent]
slots = 16
d_latent = 64
head_hidden = 576
[loss]
objective = "amvl"
warmup_steps = 1000
[train]
batch_size = 32
learning_rate = 3e-4
"#;

impl BenchSpec {
    /// The fixed spec for `tiny`, `small` or `base`; `batch` overrides the default batch size.
    pub fn named(name: &str, batch: Option<usize>) -> Result<Self, BenchError> {
        // (model, batch, question tokens, answer tokens)
        let (text, default_batch, question_len, answer_len) = match name {
            "tiny" => (TINY, 4, 12, 6),
            "small" => (SMALL, 32, 24, 12),
            "base" => (BASE, 32, 48, 24),
            other => {
                return Err(BenchError::UnknownSize {
                    given: other.to_string(),
                    expected: SIZES.join(", "),
                });
            }
        };
        let mut config = RunConfig::parse(text, &format!("bench spec `{name}`"))?;
        let batch = batch.unwrap_or(default_batch);
        if batch == 0 {
            return Err(BenchError::ZeroBatch);
        }
        config.train.batch_size = batch;
        config.data.max_images = 1;
        config.data.max_question_len = question_len;
        config.data.max_target_len = answer_len;
        config.data.max_answer_len = answer_len;
        let m = &config.model;
        let image_tokens = m.vision.tokens_per_image();
        let slots = m.latent.slots;
        let prefix_len = image_tokens + question_len;
        let shape = BenchShape {
            name: name.to_string(),
            batch,
            images_per_sample: 1,
            image_size: m.vision.image_size,
            image_tokens,
            question_len,
            target_len: answer_len,
            answer_len,
            latent_slots: slots,
            vocab: m.decoder.vocab_size,
            prefix_len,
            full_len: prefix_len + answer_len + slots + answer_len,
            decode_tokens: DECODE_TOKENS,
        };
        Ok(Self { shape, config })
    }

    /// Everything the PyTorch reference needs to build the same model and step, as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "shape": self.shape,
            "model": self.config.model,
            "loss": self.config.loss,
            "loss_step": LOSS_STEP,
            "optimizer": {
                "kind": "adamw",
                "learning_rate": self.config.train.learning_rate,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-5,
                "weight_decay": self.config.train.weight_decay,
                "grad_clip_norm_per_parameter": self.config.train.grad_clip,
            },
            "tokens": {
                "pad": token_id(special_tokens::PAD),
                "bos": token_id(special_tokens::BOS),
                "eos": token_id(special_tokens::EOS),
                "answer": token_id(special_tokens::ANSWER),
                "first_ordinary": special_tokens::ALL.len(),
            },
        })
    }
}

/// Id of a special token in the tokenizers this project trains (its index in `ALL`).
pub fn token_id(token: &str) -> u32 {
    special_tokens::ALL
        .iter()
        .position(|t| *t == token)
        .expect("a special token") as u32
}
