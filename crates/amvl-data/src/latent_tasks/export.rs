use std::path::PathBuf;

use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::export::{TOKENIZER_FILE, prepare_out_dir};
use crate::jsonl::write_jsonl;
use crate::task::Split;
use crate::tokenizer::AmvlTokenizer;

use super::{ChannelSet, HopsConfig, HopsSet, LatentTask};

/// What [`export_latent_task`] writes: `out/<split>/data.jsonl` (+ images) for train, test-id and
/// test-ood, and `out/tokenizer.json` trained on all of them — the layout `--data DIR` reads.
#[derive(Clone, Debug)]
pub struct LatentTaskExport {
    pub task: LatentTask,
    pub seed: u64,
    pub train_items: usize,
    pub eval_items: usize,
    pub image_size: u32,
    pub hops: HopsConfig,
    pub out: PathBuf,
    /// Overwrite a non-empty output folder.
    pub force: bool,
}

fn source(e: &LatentTaskExport, split: Split, len: usize) -> Result<Box<dyn ItemSource>, DataError> {
    Ok(match e.task {
        LatentTask::Channel => Box::new(ChannelSet::new(e.seed, split, len, e.image_size)),
        LatentTask::Hops => Box::new(HopsSet::new(e.hops.clone(), e.seed, split, len, e.image_size)?),
    })
}

/// Writes the three splits and the tokenizer; returns the item count per split.
pub fn export_latent_task(e: &LatentTaskExport) -> Result<Vec<(Split, usize)>, DataError> {
    prepare_out_dir(&e.out, e.force)?;
    let splits = [
        (Split::Train, e.train_items),
        (Split::TestId, e.eval_items),
        (Split::TestOod, e.eval_items),
    ];
    let mut texts = Vec::new();
    let mut written = Vec::new();
    for (split, len) in splits {
        let items = source(e, split, len)?;
        for i in 0..len {
            let item = items.item(i)?;
            texts.push(format!("{} {}", item.prompt(), item.rationale.unwrap_or_default()));
        }
        let dir = e.out.join(split.name());
        let n = write_jsonl(&dir, (0..len).map(|i| items.item(i)))?;
        written.push((split, n));
    }
    AmvlTokenizer::train_on_texts(texts)?.save(e.out.join(TOKENIZER_FILE))?;
    Ok(written)
}
