//! `cargo xtask data …`: export the procedural suite, draw contact sheets, and check user
//! datasets (JSONL or BLINK parquet).

use std::path::PathBuf;

use amvl_data::{
    BlinkDataset, BlinkSplit, ExportOptions, HopsConfig, HopsMapping, HopsOptions, ItemSource, JsonlDataset,
    JsonlOptions, LatentTask, LatentTaskExport, Split, Task, export_latent_task, export_suite, write_jsonl,
    write_suite_preview,
};
use anyhow::Context;

#[derive(Debug, clap::Subcommand)]
pub enum DataCommand {
    /// Write a split of the suite as DIR/data.jsonl, DIR/images/*.png and DIR/tokenizer.json;
    /// or, with `--set channel|hops`, a latent-task set as DIR/{train,test-id,test-ood}/data.jsonl
    /// and DIR/tokenizer.json (the layout `train --data DIR` reads).
    Export {
        /// suite, channel (an answer only y knows) or hops (pointer chasing).
        #[arg(long, default_value = "suite")]
        set: String,
        /// train, val, test-id or test-ood (suite only).
        #[arg(long)]
        split: Option<Split>,
        /// Items per task (suite only).
        #[arg(long)]
        per_task: Option<usize>,
        /// Training items (channel, hops).
        #[arg(long, default_value_t = 6000)]
        train_items: usize,
        /// Items of test-id and of test-ood each (channel, hops).
        #[arg(long, default_value_t = 1000)]
        eval_items: usize,
        /// hops: in_context (each question states its links) or learned (fixed maps).
        #[arg(long, default_value = "in_context")]
        mapping: HopsMapping,
        /// hops: four (the end, near misses and another node, shuffled) or all_nodes (every node
        /// in node order, so the letter names the node).
        #[arg(long, default_value = "four")]
        options: HopsOptions,
        /// hops: nodes, maps (learned), hops in distribution, hops of test-ood, % of multi-hop
        /// questions held out of training (learned).
        #[arg(long, default_value_t = HopsConfig::default().nodes)]
        nodes: usize,
        #[arg(long, default_value_t = HopsConfig::default().maps)]
        maps: usize,
        #[arg(long, default_value_t = HopsConfig::default().max_hops)]
        max_hops: usize,
        #[arg(long, default_value_t = HopsConfig::default().ood_hops)]
        ood_hops: usize,
        #[arg(long, default_value_t = HopsConfig::default().holdout_percent)]
        holdout: u64,
        /// Output folder (must be empty or absent unless --force).
        #[arg(long)]
        out: PathBuf,
        /// Suite seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Comma-separated task names, or `all`.
        #[arg(long, default_value = "all")]
        tasks: String,
        /// Side of the generated images, px.
        #[arg(long, default_value_t = amvl_data::DEFAULT_IMAGE_SIZE)]
        image_size: u32,
        /// Overwrite a non-empty output folder.
        #[arg(long)]
        force: bool,
        /// Items per task and split whose text trains the tokenizer.
        #[arg(long, default_value_t = 200)]
        tokenizer_items: usize,
    },
    /// Render a contact sheet (a few items per task with question, options, answer, rationale).
    Preview {
        #[arg(long)]
        split: Split,
        /// Output PNG.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2)]
        per_task: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "all")]
        tasks: String,
        #[arg(long, default_value_t = amvl_data::DEFAULT_IMAGE_SIZE)]
        image_size: u32,
    },
    /// Validate a JSONL dataset (a data.jsonl file or its folder): fields, answers, image paths and images.
    Check {
        path: PathBuf,
        /// Skip items with missing or undecodable images (and list them) instead of failing.
        #[arg(long)]
        skip_bad: bool,
    },
    /// Read BLINK parquet files from a local folder; print a summary, optionally convert to JSONL.
    Blink {
        /// Folder with one sub-folder per sub-task holding `val-*.parquet` / `test-*.parquet`.
        dir: PathBuf,
        /// val or test (test answers are hidden: items are unscorable).
        #[arg(long, default_value = "val")]
        split: BlinkSplit,
        /// Also write the items as JSONL + PNGs to this folder.
        #[arg(long)]
        to_jsonl: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
}

pub fn run(cmd: DataCommand) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Export {
            set,
            split,
            per_task,
            train_items,
            eval_items,
            mapping,
            options,
            nodes,
            maps,
            max_hops,
            ood_hops,
            holdout,
            out,
            seed,
            tasks,
            image_size,
            force,
            tokenizer_items,
        } => {
            if set != "suite" {
                let export = LatentTaskExport {
                    task: set.parse::<LatentTask>()?,
                    seed,
                    train_items,
                    eval_items,
                    image_size,
                    hops: HopsConfig {
                        mapping,
                        options,
                        nodes,
                        maps,
                        max_hops,
                        ood_hops,
                        holdout_percent: holdout,
                    },
                    out,
                    force,
                };
                for (split, n) in export_latent_task(&export)
                    .with_context(|| format!("exporting {set} to {}", export.out.display()))?
                {
                    println!("{split}: {n} items in {}", export.out.join(split.name()).display());
                }
                return Ok(());
            }
            let (Some(split), Some(per_task)) = (split, per_task) else {
                anyhow::bail!("--set suite needs --split and --per-task");
            };
            let tasks = Task::parse_list(&tasks)?;
            let opts = ExportOptions {
                seed,
                split,
                tasks,
                per_task,
                image_size,
                out,
                force,
                tokenizer_items_per_task: tokenizer_items,
            };
            let summary =
                export_suite(&opts).with_context(|| format!("exporting {split} to {}", opts.out.display()))?;
            print!("{summary}");
        }
        DataCommand::Preview {
            split,
            out,
            per_task,
            seed,
            tasks,
            image_size,
        } => {
            let tasks = Task::parse_list(&tasks)?;
            let n = write_suite_preview(seed, split, &tasks, per_task, image_size, &out)?;
            println!("wrote a contact sheet of {n} items to {}", out.display());
        }
        DataCommand::Check { path, skip_bad } => {
            let ds = JsonlDataset::open(
                &path,
                JsonlOptions {
                    skip_bad,
                    check_images: true,
                },
            )?;
            println!("{}: {}", ds.file().display(), ds.summary());
        }
        DataCommand::Blink {
            dir,
            split,
            to_jsonl,
            force,
        } => {
            let ds = BlinkDataset::open(&dir, split)?;
            println!("{}", ds.describe());
            println!("sub-tasks: {}", ds.sub_tasks().join(", "));
            if split == BlinkSplit::Test {
                println!("test answers are hidden: these items can be run but not scored");
            }
            if let Some(out) = to_jsonl {
                amvl_data::export::prepare_out_dir(&out, force)?;
                let n = write_jsonl(&out, (0..ds.len()).map(|i| ds.get(i)))?;
                println!("wrote {n} items to {}", out.display());
            }
        }
    }
    Ok(())
}
