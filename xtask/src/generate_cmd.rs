//! `cargo xtask generate`: answer one question about one or more images with a trained run.

use amvl::core::parse_device;
use amvl::latent::LatentPath;
use amvl::model::LatentChoice;
use amvl_data::{Item, LETTERS};
use amvl_train::run::load_run;
use amvl_train::session::{batcher, generate_options};
use anyhow::{anyhow, bail};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// The run folder written by `cargo xtask train`.
    #[arg(long)]
    pub run: PathBuf,
    /// An image (PNG or JPEG); repeat for several (at most the run's data.max_images).
    #[arg(long = "image", required = true)]
    pub images: Vec<PathBuf>,
    #[arg(long)]
    pub question: String,
    /// An option's text; repeat for each (shown to the model as (A) … (B) …).
    #[arg(long = "options", num_args = 1..)]
    pub options: Vec<String>,
    /// Prior temperature: 0 = the prior's mean.
    #[arg(long, default_value_t = 0.0)]
    pub tau: f64,
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Also print the latent statistics.
    #[arg(long)]
    pub verbose: bool,
}

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    if args.options.len() < 2 || args.options.len() > LETTERS.len() {
        bail!("give between 2 and {} --options", LETTERS.len());
    }
    let device = parse_device(&args.device)?;
    let (config, tok, model) = load_run(&args.run, &device).map_err(|e| anyhow!(e))?;
    let images = args
        .images
        .iter()
        .map(|p| amvl_data::load_image(p, "--image"))
        .collect::<Result<Vec<_>, _>>()?;
    let item = Item {
        id: "cli".into(),
        task: "cli".into(),
        images,
        question: args.question.clone(),
        options: args.options.clone(),
        answer: None,
        rationale: None,
        probes: Default::default(),
    };
    let batcher = batcher(&config, tok.clone());
    let batch = batcher.batch(vec![item], &device)?;
    // What filled the slots in training fills them here: a pause model has no z, a prior_ntp
    // model's z is the prior mean.
    let latent = match config.loss.objective.latent_path() {
        LatentPath::Slots => LatentChoice::Slots,
        LatentPath::PriorMean => LatentChoice::PriorMean,
        LatentPath::Posterior if args.tau > 0.0 => LatentChoice::PriorSample { tau: args.tau },
        LatentPath::Posterior => LatentChoice::PriorMean,
    };
    let options = generate_options(&config, &tok, latent);
    let generation = model.generate(&batch, &options);
    let text = tok.decode(&generation.tokens[0], true)?;
    let letter_ids = tok.letter_ids(args.options.len());
    let answer = generation.answer_tokens(options.answer_marker)[0];
    let chosen = answer.and_then(|t| letter_ids.iter().position(|&l| l == t));
    if options.answer_marker.is_some() {
        println!("reasoning: {text}");
    }
    match chosen {
        Some(i) => println!("({}) {}", LETTERS[i], args.options[i]),
        None => println!("the model answered {text:?}, which is not an option letter"),
    }
    if args.verbose {
        let row: Vec<f32> = match generation.answer_logits[0].clone() {
            Some(row) if options.answer_marker.is_some() => row,
            _ => generation.first_logits.clone().into_data().try_into_vec_as::<f32>()?,
        };
        let scores: Vec<String> = letter_ids
            .iter()
            .zip(LETTERS)
            .map(|(&id, l)| format!("{l}: {:.3}", row[id as usize]))
            .collect();
        println!("option-letter logits: {}", scores.join("  "));
        if let (Some(prior), Some(z)) = (&generation.prior, &generation.z) {
            let mean_norm = prior
                .mean
                .clone()
                .powi_scalar(2)
                .sum_dim(2)
                .sqrt()
                .mean()
                .into_scalar::<f32>();
            let std = prior.std().mean().into_scalar::<f32>();
            let z_norm = z.clone().powi_scalar(2).sum_dim(2).sqrt().mean().into_scalar::<f32>();
            let [_, k, d] = prior.dims();
            println!(
                "latent: {k} slots × {d} dims; prior ‖μ‖ {mean_norm:.3} per slot, mean σ {std:.3}; injected ‖z‖ {z_norm:.3} (τ = {})",
                args.tau
            );
        } else {
            println!("latent: none (no_latent model)");
        }
    }
    Ok(())
}
