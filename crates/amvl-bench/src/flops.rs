//! Model FLOPs of a training step, counted from the bench spec, and model FLOP utilisation.
//!
//! The count is the work the objective needs, whichever way a figure arranges it: one forward
//! pass over each sample's whole sequence (`full_len` decoder positions with causal attention,
//! the vision tower over every image, the projector, both latent heads and the injector on the
//! slots, the LM head on the answer positions), and a backward pass of twice that (the usual
//! 3× of training). Only matrix products are counted (2 FLOPs per multiply-add); norms,
//! activations, softmax and the optimizer are left out, as in the PaLM paper's MFU. The same
//! numerator divides every figure's time, ours and PyTorch's, so MFU compares them directly.

use serde::Serialize;
use serde_json::{Value, json};

use crate::session::Figure;
use crate::spec::BenchSpec;

/// Forward FLOPs of one sample, by part, and the training step's total.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ModelFlops {
    pub vision: f64,
    pub projector: f64,
    pub decoder_layers: f64,
    pub decoder_attention: f64,
    pub latent: f64,
    pub lm_head: f64,
    /// Sum of the parts: one sample's forward pass.
    pub forward_per_sample: f64,
    /// 3 × forward × batch.
    pub train_step: f64,
}

/// 2·m·k·n: one `[m, k] · [k, n]` product.
fn mm(m: usize, k: usize, n: usize) -> f64 {
    2.0 * m as f64 * k as f64 * n as f64
}

impl ModelFlops {
    pub fn of(spec: &BenchSpec) -> ModelFlops {
        let shape = &spec.shape;
        let model = spec.config.model_to_build();
        let (v, d, l) = (&model.vision, &model.decoder, &model.latent);

        let patches = v.tokens_per_image() * shape.images_per_sample;
        let patch_in = v.num_channels * v.patch_size * v.patch_size;
        let vision_layer = mm(patches, v.hidden_size, 4 * v.hidden_size)
            + mm(patches, v.hidden_size, 2 * v.intermediate_size)
            + 2.0 * mm(patches, v.hidden_size, patches / shape.images_per_sample.max(1));
        let vision = mm(patches, patch_in, v.hidden_size) + v.num_layers as f64 * vision_layer;

        let image_tokens = shape.image_tokens * shape.images_per_sample;
        let d_vision_out = v.hidden_size * v.merge_size * v.merge_size;
        let hidden = model.projector_hidden.unwrap_or(d.hidden_size);
        let projector = mm(image_tokens, d_vision_out, hidden) + mm(image_tokens, hidden, d.hidden_size);

        let t = shape.full_len;
        let (heads, kv, hd) = (d.num_heads, d.num_kv_heads, d.head_dim());
        let projections = mm(t, d.hidden_size, (heads + 2 * kv) * hd) + mm(t, heads * hd, d.hidden_size);
        let mlp = mm(t, d.hidden_size, 3 * d.intermediate_size);
        let decoder_layers = d.num_layers as f64 * (projections + mlp);
        // Causal: query position i attends to i + 1 keys; scores and the weighted sum of values.
        let keys_attended = (t * (t + 1) / 2) as f64;
        let decoder_attention = d.num_layers as f64 * 2.0 * 2.0 * keys_attended * (heads * hd) as f64;

        let slots = if model.has_latent() { l.slots } else { 0 };
        let head = mm(slots, d.hidden_size, l.head_hidden) + mm(slots, l.head_hidden, 2 * l.d_latent);
        let latent = 2.0 * head + mm(slots, l.d_latent, d.hidden_size);

        let lm_head = mm(shape.answer_len, d.hidden_size, d.vocab_size);

        let forward_per_sample = vision + projector + decoder_layers + decoder_attention + latent + lm_head;
        ModelFlops {
            vision,
            projector,
            decoder_layers,
            decoder_attention,
            latent,
            lm_head,
            forward_per_sample,
            train_step: 3.0 * forward_per_sample * shape.batch as f64,
        }
    }

    /// Model FLOP utilisation of a step that took `step_s` seconds on hardware that peaks at
    /// `peak_tflops` (dense, in the step's dtype).
    pub fn mfu(&self, step_s: f64, peak_tflops: f64) -> f64 {
        self.train_step / step_s / (peak_tflops * 1e12)
    }
}

/// The training figures whose time the step's model FLOPs divide.
const TRAINING: [Figure; 3] = [Figure::TrainShared, Figure::TrainNaive, Figure::TrainOnePass];

/// The `flops` object of a record: the model FLOPs of a step, and per training figure in
/// `figures` (a record's `figures` map) the achieved TFLOP/s and, given the hardware's peak, the
/// MFU.
pub fn utilisation(spec: &BenchSpec, figures: &serde_json::Map<String, Value>, peak_tflops: Option<f64>) -> Value {
    let flops = ModelFlops::of(spec);
    let mut achieved = serde_json::Map::new();
    let mut mfu = serde_json::Map::new();
    for figure in TRAINING {
        let Some(step_s) = figures.get(figure.key()).and_then(|f| f["median_s"].as_f64()) else {
            continue;
        };
        achieved.insert(figure.key().into(), json!(flops.train_step / step_s / 1e12));
        if let Some(peak) = peak_tflops {
            mfu.insert(figure.key().into(), json!(flops.mfu(step_s, peak)));
        }
    }
    json!({
        "model": flops,
        "peak_tflops": peak_tflops,
        "achieved_tflops": achieved,
        "mfu": mfu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_by_hand() {
        let spec = BenchSpec::named("small", None).unwrap();
        let f = ModelFlops::of(&spec);
        // small: decoder d = 128, 4 heads of 32, 2 kv heads, MLP 384, 3 layers, 72 positions.
        let per_layer = 2.0 * 72.0 * 128.0 * (8.0 * 32.0) + 2.0 * 72.0 * 128.0 * 128.0 + 2.0 * 72.0 * 128.0 * 1152.0;
        assert_eq!(f.decoder_layers, 3.0 * per_layer);
        assert_eq!(f.decoder_attention, 3.0 * 4.0 * (72.0 * 73.0 / 2.0) * 128.0);
        assert_eq!(f.lm_head, 2.0 * 12.0 * 128.0 * 1024.0);
        assert_eq!(f.train_step, 3.0 * 32.0 * f.forward_per_sample);
        let sum = f.vision + f.projector + f.decoder_layers + f.decoder_attention + f.latent + f.lm_head;
        assert_eq!(f.forward_per_sample, sum);
        // One step in a second on a 1-TFLOP/s device.
        assert!((f.mfu(1.0, 1.0) - f.train_step / 1e12).abs() < 1e-15);
    }

    #[test]
    fn utilisation_divides_by_the_median_and_the_peak() {
        let spec = BenchSpec::named("small", None).unwrap();
        let step = ModelFlops::of(&spec).train_step;
        let mut figures = serde_json::Map::new();
        figures.insert("train_shared".into(), json!({"median_s": 0.5}));
        figures.insert("prefill".into(), json!({"median_s": 0.1}));
        let u = utilisation(&spec, &figures, Some(2.0));
        let achieved = u["achieved_tflops"]["train_shared"].as_f64().unwrap();
        assert!((achieved - step / 0.5 / 1e12).abs() < 1e-12);
        assert!((u["mfu"]["train_shared"].as_f64().unwrap() - achieved / 2.0).abs() < 1e-12);
        assert!(u["achieved_tflops"].get("prefill").is_none());
        assert!(
            utilisation(&spec, &figures, None)["mfu"]
                .as_object()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn base_is_dominated_by_the_decoder_and_grows_with_the_batch() {
        let base = ModelFlops::of(&BenchSpec::named("base", None).unwrap());
        let small = ModelFlops::of(&BenchSpec::named("small", None).unwrap());
        assert!(base.train_step > 100.0 * small.train_step);
        assert!(base.decoder_layers + base.lm_head > base.latent);
    }
}
