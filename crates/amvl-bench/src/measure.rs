//! Timing figures: warm-up and timed runs per figure, their statistics, the JSON record of a
//! bench run and its one-line summary.
//!
//! Warm-up runs (kernel compilation, autotuning, first allocations) are timed and reported on
//! their own, never mixed into the step statistics.

use burn::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::BenchError;
use crate::session::{BenchSession, Figure};
use crate::spec::BenchShape;
use crate::system;

/// Median, 10th and 90th percentile (nearest rank on the sorted times), mean, min, max.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub median_s: f64,
    pub p10_s: f64,
    pub p90_s: f64,
    pub mean_s: f64,
    pub min_s: f64,
    pub max_s: f64,
}

impl Stats {
    pub fn of(times: &[f64]) -> Option<Stats> {
        if times.is_empty() {
            return None;
        }
        let mut sorted = times.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| {
            let pos = p * (sorted.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        };
        Some(Stats {
            n: sorted.len(),
            median_s: q(0.5),
            p10_s: q(0.1),
            p90_s: q(0.9),
            mean_s: sorted.iter().sum::<f64>() / sorted.len() as f64,
            min_s: sorted[0],
            max_s: sorted[sorted.len() - 1],
        })
    }
}

/// What one bench run measures.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Timed runs per figure (the training step; inference figures too).
    pub steps: usize,
    /// Untimed-in-the-statistics runs per figure before the timed ones (compilation, autotune).
    pub warmup: usize,
    /// Which figures to measure (default: all).
    pub figures: Vec<Figure>,
    pub seed: u64,
    /// The hardware's dense peak in the step's dtype, TFLOP/s: with it the record carries the
    /// training figures' MFU.
    pub peak_tflops: Option<f64>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            steps: 10,
            warmup: 2,
            figures: Figure::ALL.to_vec(),
            seed: 0,
            peak_tflops: None,
        }
    }
}

/// Times per figure: warm-up runs and timed runs, in seconds.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub warmup: Vec<(Figure, Vec<f64>)>,
    pub timed: Vec<(Figure, Vec<f64>)>,
}

impl Timings {
    pub fn timed_of(&self, f: Figure) -> &[f64] {
        self.timed
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, t)| t.as_slice())
            .unwrap_or(&[])
    }

    pub fn push_timed(&mut self, f: Figure, times: &[f64]) {
        match self.timed.iter_mut().find(|(g, _)| *g == f) {
            Some((_, t)) => t.extend_from_slice(times),
            None => self.timed.push((f, times.to_vec())),
        }
    }

    pub fn push_warmup(&mut self, f: Figure, times: &[f64]) {
        match self.warmup.iter_mut().find(|(g, _)| *g == f) {
            Some((_, t)) => t.extend_from_slice(times),
            None => self.warmup.push((f, times.to_vec())),
        }
    }
}

/// Runs the warm-up and then the timed runs of every figure, figure by figure.
pub fn measure(session: &mut BenchSession, options: &BenchOptions) -> Timings {
    let mut timings = Timings::default();
    for &figure in &options.figures {
        let warm: Vec<f64> = (0..options.warmup).map(|_| session.run(figure)).collect();
        timings.push_warmup(figure, &warm);
        let timed: Vec<f64> = (0..options.steps).map(|_| session.run(figure)).collect();
        timings.push_timed(figure, &timed);
    }
    timings
}

/// Samples, decoder tokens and generated tokens per second from the medians, and the in-run
/// ratios the targets are stated in. `figures` maps a figure key to its stats.
pub fn derived(shape: &BenchShape, stats: &serde_json::Map<String, Value>) -> Value {
    let median = |key: &str| stats.get(key).and_then(|s| s["median_s"].as_f64());
    let per_s = |n: f64, key: &str| median(key).map(|t| n / t);
    let b = shape.batch as f64;
    let ratio = |a: &str, c: &str| Some(median(a)? / median(c)?);
    json!({
        "samples_per_s": per_s(b, "train_shared"),
        // Every position of the full sequence, per second of the shared-prefix training step.
        "decoder_tokens_per_s": per_s(b * shape.full_len as f64, "train_shared"),
        "samples_per_s_naive": per_s(b, "train_naive"),
        "decode_tokens_per_s_cached": per_s(b * shape.decode_tokens as f64, "decode_cached"),
        "decode_tokens_per_s_recompute": per_s(b * shape.decode_tokens as f64, "decode_recompute"),
        "shared_over_one_pass": ratio("train_shared", "train_one_pass"),
        "naive_over_one_pass": ratio("train_naive", "train_one_pass"),
        "kv_cache_speedup": ratio("decode_recompute", "decode_cached"),
    })
}

/// The `figures` object of a record: per figure, its stats and its warm-up times.
pub fn figures_json(timings: &Timings) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (figure, times) in &timings.timed {
        let mut v = serde_json::to_value(Stats::of(times)).expect("stats");
        if let Some((_, warm)) = timings.warmup.iter().find(|(g, _)| g == figure) {
            v["warmup_s"] = json!(warm);
        }
        v["times_s"] = json!(times);
        out.insert(figure.key().to_string(), v);
    }
    out
}

/// The one JSON record of a bench run of ours.
pub fn record(
    session: &BenchSession,
    timings: &Timings,
    device_name: &str,
    dtype: &str,
    options: &BenchOptions,
) -> Value {
    let figures = figures_json(timings);
    let derived = derived(&session.spec.shape, &figures);
    let flops = crate::flops::utilisation(&session.spec, &figures, options.peak_tflops);
    let loss = session.loss_value(Figure::TrainShared);
    json!({
        "implementation": "amvl-burn",
        "burn_version": "0.22.1",
        "config": session.spec.shape.name,
        "device": device_name,
        "dtype": dtype,
        "steps": options.steps,
        "warmup": options.warmup,
        "micro_batches": session.micro_batches(),
        "world_size": amvl_train::collective::global().world_size(),
        "seed": options.seed,
        "shape": session.spec.shape,
        "spec": session.spec.to_json(),
        "figures": figures,
        "derived": derived,
        "flops": flops,
        "memory": {
            "host_peak_rss_bytes": system::peak_rss_bytes(),
            "device": session.memory(),
        },
        "loss_after_bench": loss,
        "loss_finite": loss.is_finite(),
        "machine": system::machine(),
        "commit": system::commit(),
        "date_utc": system::date_utc(),
    })
}

/// The one-line summary of a record.
pub fn summary(record: &Value) -> String {
    let f = |key: &str| record["figures"][key]["median_s"].as_f64();
    let ms = |v: Option<f64>| v.map(|s| format!("{:.1} ms", s * 1e3)).unwrap_or_else(|| "–".into());
    let x = |v: Option<f64>| v.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "–".into());
    let d = &record["derived"];
    format!(
        "{impl_} {config} b={batch}{micro} on {device} {dtype}: step {step} (p10 {p10}, p90 {p90}), {sps} samples/s, \
         {flops}naive {naive}, one pass {one}, shared/one-pass {so}, prefill {prefill}, decode {dtok} tok/s cached vs {drec} recompute ({kv})",
        impl_ = record["implementation"].as_str().unwrap_or("?"),
        config = record["config"].as_str().unwrap_or("?"),
        batch = record["shape"]["batch"],
        micro = match (
            record["micro_batches"].as_u64().unwrap_or(1),
            record["world_size"].as_u64().unwrap_or(1)
        ) {
            (1, 1) => String::new(),
            (m, 1) => format!(" ({m} parallel micro-batches)"),
            (m, w) => format!(" ({m} micro-batches over {w} MPI ranks)"),
        },
        device = record["device"].as_str().unwrap_or("?"),
        dtype = record["dtype"].as_str().unwrap_or("?"),
        step = ms(f("train_shared")),
        p10 = ms(record["figures"]["train_shared"]["p10_s"].as_f64()),
        p90 = ms(record["figures"]["train_shared"]["p90_s"].as_f64()),
        sps = d["samples_per_s"]
            .as_f64()
            .map(|v| format!("{v:.1}"))
            .unwrap_or_else(|| "–".into()),
        flops = match (
            record["flops"]["achieved_tflops"]["train_shared"].as_f64(),
            record["flops"]["mfu"]["train_shared"].as_f64()
        ) {
            (Some(t), Some(m)) => format!("{t:.3} model TFLOP/s (MFU {:.1}%), ", m * 100.0),
            (Some(t), None) => format!("{t:.3} model TFLOP/s, "),
            _ => String::new(),
        },
        naive = ms(f("train_naive")),
        one = ms(f("train_one_pass")),
        so = x(d["shared_over_one_pass"].as_f64()),
        prefill = ms(f("prefill")),
        dtok = d["decode_tokens_per_s_cached"]
            .as_f64()
            .map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "–".into()),
        drec = d["decode_tokens_per_s_recompute"]
            .as_f64()
            .map(|v| format!("{v:.0}"))
            .unwrap_or_else(|| "–".into()),
        kv = x(d["kv_cache_speedup"].as_f64()),
    )
}

/// Sets the device's float dtype (`f32`, `f16`, `bf16`; before any tensor exists on it) and
/// enables autodiff.
pub fn prepare_device(mut device: Device, name: &str, dtype: &str) -> Result<Device, BenchError> {
    let float = amvl_core::parse_float_dtype(dtype).map_err(|e| BenchError::Dtype(e.to_string()))?;
    amvl_core::set_float_dtype(&mut device, name, float).map_err(|e| BenchError::Dtype(e.to_string()))?;
    Ok(device.autodiff())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::BenchSpec;

    #[test]
    fn stats_are_nearest_rank_interpolated() {
        let s = Stats::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(s.median_s, 3.0);
        assert!((s.p10_s - 1.4).abs() < 1e-12);
        assert!((s.p90_s - 4.6).abs() < 1e-12);
        assert_eq!(s.n, 5);
        assert!(Stats::of(&[]).is_none());
    }

    #[test]
    fn fixed_shapes_are_the_issues() {
        let base = BenchSpec::named("base", None).unwrap().shape;
        assert_eq!(
            (
                base.batch,
                base.image_size,
                base.question_len,
                base.answer_len,
                base.vocab
            ),
            (32, 224, 48, 24, 32768)
        );
        let small = BenchSpec::named("small", None).unwrap().shape;
        assert_eq!((small.batch, small.question_len, small.answer_len), (32, 24, 12));
        let error = BenchSpec::named("huge", None).unwrap_err();
        assert!(matches!(error, BenchError::UnknownSize { .. }), "{error:?}");
        assert!(error.to_string().contains("tiny, small, base"));
    }
}
