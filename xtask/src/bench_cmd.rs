//! `cargo xtask bench`: training step, prefill and decode on the fixed bench shapes; with
//! `--compare`, the PyTorch reference alongside (see bench/README.md).

use amvl::core::parse_device;
use amvl_bench::compare::{Reference, ReferenceProcess, compare, comparison_record, comparison_table};
use amvl_bench::{self as bench, BenchOptions, BenchSession, BenchSpec, Figure};
use anyhow::{Context, anyhow, bail};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// flex, wgpu[:N], vulkan[:N] or cuda[:N] (each needs its Cargo feature).
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Bench size: tiny, small or base (fixed shapes, see bench/README.md).
    #[arg(long, default_value = "small")]
    pub config: String,
    /// Batch size (default: the size's fixed batch, 32 for small and base).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Timed runs per figure.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Warm-up runs per figure (timed and reported apart: compilation, autotuning).
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Float dtype of the device: f32, f16 or bf16.
    #[arg(long, default_value = "f32")]
    pub dtype: String,
    /// `bf16-mixed`: f32 weights and AdamW state, each step on a bf16 copy (sets the device to
    /// bf16; recorded as dtype `bf16-mixed`).
    #[arg(long)]
    pub precision: Option<amvl_train::precision::Precision>,
    /// Figures to measure (comma-separated): train_shared, train_naive, train_one_pass,
    /// prefill, decode_cached, decode_recompute. Default: all.
    #[arg(long, value_delimiter = ',')]
    pub figures: Vec<String>,
    /// Write the JSON record here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Run the PyTorch reference on the same machine, alternating with ours, and print ratios.
    #[arg(long)]
    pub compare: bool,
    /// Python with torch for --compare (default: $AMVL_TORCH_PYTHON, else python3).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Reference mode for --compare: fp32, bf16 or compile (default: fp32 for f32, else bf16).
    #[arg(long)]
    pub torch_mode: Option<String>,
    /// Alternating rounds for --compare (the timed runs are split over them).
    #[arg(long, default_value_t = 4)]
    pub rounds: usize,
    /// Run each training step as this many micro-batches at once, one thread each (as the
    /// trainer's `[train] parallel_micro_batches`); 1: one batch with the ops spread over the
    /// device. Default: one per CPU thread on flex (how `configs/small.toml` trains), 1 elsewhere.
    #[arg(long)]
    pub micro_batches: Option<usize>,
    /// Model and data seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The device's dense peak in the step's dtype, TFLOP/s (e.g. 989 for an H100 SXM in bf16):
    /// the record and the comparison table then give each training figure's model FLOP
    /// utilisation (the model FLOPs are counted from the spec; see `amvl_bench::flops`).
    #[arg(long)]
    pub peak_tflops: Option<f64>,
    /// Only write the spec the PyTorch reference reads (model, shapes, optimizer) to this file.
    #[arg(long)]
    pub write_spec: Option<PathBuf>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let spec = BenchSpec::named(&args.config, args.batch).map_err(|e| anyhow!(e))?;
    if let Some(path) = &args.write_spec {
        let text = serde_json::to_string_pretty(&spec.to_json())? + "\n";
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
        return Ok(());
    }
    if args.steps == 0 {
        bail!("--steps must be at least 1");
    }
    let figures = if args.figures.is_empty() {
        Figure::ALL.to_vec()
    } else {
        args.figures
            .iter()
            .map(|k| {
                Figure::from_key(k.trim()).ok_or_else(|| {
                    anyhow!(
                        "unknown figure `{k}`; expected one of: {}",
                        Figure::ALL.map(|f| f.key()).join(", ")
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let precision = args.precision.unwrap_or_default();
    let mixed = precision == amvl_train::precision::Precision::Bf16Mixed;
    if mixed && args.dtype != "f32" && args.dtype != "bf16" {
        bail!("--precision bf16-mixed computes in bf16; drop --dtype {}", args.dtype);
    }
    let device_dtype = if mixed { "bf16".to_string() } else { args.dtype.clone() };
    let dtype_label = if mixed {
        "bf16-mixed".to_string()
    } else {
        args.dtype.clone()
    };
    let device = parse_device(&args.device).map_err(|e| anyhow!(e))?;
    let device = bench::prepare_device(device, &args.device, &device_dtype).map_err(|e| anyhow!(e))?;
    let options = BenchOptions {
        steps: args.steps,
        warmup: args.warmup,
        figures,
        seed: args.seed,
        peak_tflops: args.peak_tflops,
    };
    let micro_batches = args.micro_batches.unwrap_or_else(|| {
        if args.device == "flex" {
            bench::system::cpu_threads().min(spec.shape.batch)
        } else {
            1
        }
    });
    let shape = &spec.shape;
    eprintln!(
        "bench {}: batch {}, {} image(s) {}² ({} tokens), question {}, target {}, answer {}, {} slots, vocab {} \
         (prefix {}, full sequence {}); {} on {}, {} warm-up + {} timed runs per figure, {} micro-batch(es) per step",
        shape.name,
        shape.batch,
        shape.images_per_sample,
        shape.image_size,
        shape.image_tokens,
        shape.question_len,
        shape.target_len,
        shape.answer_len,
        shape.latent_slots,
        shape.vocab,
        shape.prefix_len,
        shape.full_len,
        dtype_label,
        args.device,
        options.warmup,
        options.steps,
        micro_batches.max(1),
    );
    let collective = amvl_train::collective::global();
    if collective.world_size() > 1 && args.compare {
        bail!("--compare runs one PyTorch process beside one of ours: not under MPI");
    }
    let mut session = BenchSession::new(spec, &device, args.seed)
        .with_precision(precision)
        .with_micro_batches(micro_batches)
        .map_err(|e| anyhow!(e))?;

    let record = if args.compare {
        let mode = args.torch_mode.clone().unwrap_or_else(|| {
            if args.dtype == "f32" && !mixed {
                "fp32".into()
            } else {
                "bf16".into()
            }
        });
        let torch_device = if args.device.starts_with("cuda") { "cuda" } else { "cpu" };
        let python = args
            .python
            .clone()
            .or_else(|| std::env::var_os("AMVL_TORCH_PYTHON").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("python3"));
        let reference = Reference {
            python,
            script: crate::workspace_root().join("bench/torch_reference.py"),
            device: torch_device.into(),
            mode,
            threads: bench::system::cpu_threads(),
        };
        let work = std::env::temp_dir().join(format!("amvl-bench-{}", std::process::id()));
        let mut process =
            ReferenceProcess::start(&reference, &session.spec.to_json(), args.seed, &work).map_err(|e| anyhow!(e))?;
        let hello = process.hello.clone();
        eprintln!("reference: {hello}");
        let (ours, theirs) =
            compare(&mut session, &mut process, &options, args.rounds, |m| eprintln!("{m}")).map_err(|e| anyhow!(e))?;
        let last = process.finish().map_err(|e| anyhow!(e))?;
        let _ = std::fs::remove_dir_all(&work);
        let record = comparison_record(
            &session,
            &ours,
            &theirs,
            &args.device,
            &dtype_label,
            &reference,
            &hello,
            &last,
            &options,
            args.rounds,
        );
        print!("{}", comparison_table(&record));
        record
    } else {
        let timings = bench::measure(&mut session, &options);
        let record = bench::record(&session, &timings, &args.device, &dtype_label, &options);
        if collective.rank() > 0 {
            return Ok(());
        }
        println!("{}", bench::summary(&record));
        record
    };
    if let Some(path) = &args.json {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&record)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
