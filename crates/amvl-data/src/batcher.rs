//! Items → [`AmvlBatch`]: images resized and normalised into `[batch, images, 3, H, W]` (`images`
//! = the most any item of the batch has, at most `max_images`)
//! with an image mask, token sequences right-padded with masks.
//!
//! Sequences (ids from the tokenizer; `<x>` are special tokens):
//! - question: `<bos> question (A) opt (B) opt …` (image features are prepended by the model);
//! - answer_input: `<answer> L`, answer_target: `L <eos>`, where `L` is the answer letter token;
//!   with `rationale_after_answer`, `<answer> L <rationale> r…` and `L <rationale> r… <eos>`: the
//!   letter is still the first token generated, the explanation after it supervises every token;
//!   with `rationale_before_answer`, `<rationale> r… <answer> L` and `r… <answer> L <eos>`: the
//!   reasoning chain is decoded first and the letter follows `<answer>`;
//! - target (what the posterior sees, `[model] posterior_input`): `answer` → `L`; `rationale` →
//!   `<rationale> rationale…` (the chain without its answer); `rationale_answer` →
//!   `<rationale> rationale… <answer> L`.
//!
//! Items with a hidden answer (BLINK test) get `L` = nothing: answer_input `<answer>`,
//! answer_target `<eos>` with its mask false (nothing is scored), target `<answer>`.

use std::sync::Arc;

use amvl_core::AmvlBatch;
use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use burn::tensor::{Device, TensorData};
use image::imageops::FilterType;
use serde::{Deserialize, Serialize};

use crate::answer::AnswerError;
use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::Item;
use crate::tokenizer::AmvlTokenizer;

pub use amvl_core::TargetMode;

/// How items become batches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatcherConfig {
    /// Images are resized to `image_size × image_size`.
    pub image_size: usize,
    /// Second dimension of the image tensor; an item with more images is an error.
    pub max_images: usize,
    /// Per-channel normalisation: `(v / 255 - mean) / std`.
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// Limits, in tokens, of the question (with `<bos>`), target and answer sequences
    /// (answer_input/answer_target, with `<answer>`/`<eos>`).
    pub max_question_len: usize,
    pub max_target_len: usize,
    pub max_answer_len: usize,
    pub target_mode: TargetMode,
    /// Also decode the item's rationale after the answer letter (an auxiliary, dense target).
    #[serde(default)]
    pub rationale_after_answer: bool,
    /// Decode the rationale first and the letter after it (`<rationale> r… <answer> L`): y is the
    /// reasoning chain with its answer, and generation starts from `<rationale>`.
    #[serde(default)]
    pub rationale_before_answer: bool,
    /// Cut over-long sequences instead of failing (the rationale is cut first, the answer kept).
    pub truncate: bool,
}

impl Default for BatcherConfig {
    fn default() -> Self {
        Self {
            image_size: 64,
            max_images: 4,
            mean: [0.5; 3],
            std: [0.5; 3],
            max_question_len: 128,
            max_target_len: 96,
            max_answer_len: 4,
            target_mode: TargetMode::Answer,
            rationale_after_answer: false,
            rationale_before_answer: false,
            truncate: false,
        }
    }
}

impl BatcherConfig {
    /// The first decoder input after the latent block: `<rationale>` when the rationale is
    /// decoded before the letter, else `<answer>`.
    pub fn answer_start(&self, tokenizer: &AmvlTokenizer) -> u32 {
        if self.rationale_before_answer {
            tokenizer.rationale_id()
        } else {
            tokenizer.answer_id()
        }
    }
}

/// The token sequences of one item (unpadded).
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedItem {
    pub question: Vec<u32>,
    pub target: Vec<u32>,
    pub answer_input: Vec<u32>,
    pub answer_target: Vec<u32>,
    /// Whether each `answer_target` entry is scored.
    pub answer_mask: Vec<bool>,
}

/// Turns items into [`AmvlBatch`]es.
#[derive(Clone, Debug)]
pub struct AmvlBatcher {
    cfg: BatcherConfig,
    tok: Arc<AmvlTokenizer>,
}

impl AmvlBatcher {
    pub fn new(cfg: BatcherConfig, tokenizer: Arc<AmvlTokenizer>) -> Self {
        Self { cfg, tok: tokenizer }
    }

    pub fn config(&self) -> &BatcherConfig {
        &self.cfg
    }

    pub fn tokenizer(&self) -> &AmvlTokenizer {
        &self.tok
    }

    fn limit(&self, item: &Item, what: &'static str, mut v: Vec<u32>, max: usize) -> Result<Vec<u32>, DataError> {
        if v.len() > max {
            if !self.cfg.truncate {
                return Err(DataError::TooLong {
                    item: item.id.clone(),
                    what,
                    len: v.len(),
                    max,
                });
            }
            v.truncate(max);
        }
        Ok(v)
    }

    /// The token sequences of one item, checked against the limits.
    pub fn encode_item(&self, item: &Item) -> Result<EncodedItem, DataError> {
        let t = &self.tok;
        if item.images.is_empty() {
            return Err(DataError::BadItem {
                item: item.id.clone(),
                message: "no image".into(),
            });
        }
        if item.images.len() > self.cfg.max_images {
            return Err(DataError::BadItem {
                item: item.id.clone(),
                message: format!(
                    "{} images, more than max_images = {}",
                    item.images.len(),
                    self.cfg.max_images
                ),
            });
        }
        let mut question = vec![t.bos_id()];
        question.extend(t.encode(&item.prompt())?);
        let question = self.limit(item, "question", question, self.cfg.max_question_len)?;

        let letter: Vec<u32> = match item.answer {
            Some(a) if a < item.options.len() => match t.letter_ids(crate::item::MAX_OPTIONS).get(a) {
                Some(id) => vec![*id],
                None => {
                    return Err(DataError::BadAnswer {
                        origin: format!("item `{}`", item.id),
                        problem: AnswerError::NoLetterToken { index: a },
                    });
                }
            },
            Some(a) => {
                return Err(DataError::BadAnswer {
                    origin: format!("item `{}`", item.id),
                    problem: AnswerError::IndexOutOfRange {
                        index: a,
                        count: item.options.len(),
                    },
                });
            }
            None => vec![],
        };
        let mut answer_input = vec![t.answer_id()];
        answer_input.extend(&letter);
        let mut answer_target = letter.clone();
        if self.cfg.rationale_before_answer && !letter.is_empty() {
            // `<rationale> r… <answer> L` → `r… <answer> L <eos>`; with `truncate` the rationale is
            // cut, never `<answer> L`. An item without a rationale decodes an empty one.
            let mut rationale = match &item.rationale {
                Some(r) => t.encode(r)?,
                None => Vec::new(),
            };
            let room = self.cfg.max_answer_len.saturating_sub(1 + answer_input.len());
            if rationale.len() > room {
                if !self.cfg.truncate {
                    return Err(DataError::TooLong {
                        item: item.id.clone(),
                        what: "rationale with answer",
                        len: 1 + rationale.len() + answer_input.len(),
                        max: self.cfg.max_answer_len,
                    });
                }
                rationale.truncate(room);
            }
            let mut chain = vec![t.rationale_id()];
            chain.extend(&rationale);
            chain.extend(&answer_input);
            answer_target = chain[1..].to_vec();
            answer_input = chain;
        }
        if self.cfg.rationale_after_answer
            && !self.cfg.rationale_before_answer
            && !letter.is_empty()
            && let Some(rationale) = &item.rationale
        {
            let mut explained = vec![t.rationale_id()];
            explained.extend(t.encode(rationale)?);
            // `<answer> L <rationale> r…` must fit; with `truncate` the rationale is cut, never the letter.
            let room = self.cfg.max_answer_len.saturating_sub(answer_input.len());
            if explained.len() > room {
                if !self.cfg.truncate {
                    return Err(DataError::TooLong {
                        item: item.id.clone(),
                        what: "answer with rationale",
                        len: answer_input.len() + explained.len(),
                        max: self.cfg.max_answer_len,
                    });
                }
                explained.truncate(room);
            }
            answer_input.extend(&explained);
            answer_target.extend(&explained);
        }
        answer_target.push(t.eos_id());
        let mut answer_mask = vec![item.answer.is_some(); answer_target.len()];
        if answer_input.len() > self.cfg.max_answer_len {
            if !self.cfg.truncate {
                return Err(DataError::TooLong {
                    item: item.id.clone(),
                    what: "answer",
                    len: answer_input.len(),
                    max: self.cfg.max_answer_len,
                });
            }
            let m = self.cfg.max_answer_len.max(1);
            answer_input.truncate(m);
            answer_target.truncate(m);
            answer_mask.truncate(m);
        }

        let target = match self.cfg.target_mode {
            TargetMode::Answer if letter.is_empty() => vec![t.answer_id()],
            TargetMode::Answer => letter.clone(),
            TargetMode::Rationale | TargetMode::RationaleAnswer => {
                let mut tail = Vec::new();
                if self.cfg.target_mode == TargetMode::RationaleAnswer {
                    tail.push(t.answer_id());
                    tail.extend(&letter);
                }
                let mut rat = vec![t.rationale_id()];
                rat.extend(t.encode(item.rationale.as_deref().unwrap_or(""))?);
                let total = rat.len() + tail.len();
                if total > self.cfg.max_target_len {
                    if !self.cfg.truncate {
                        return Err(DataError::TooLong {
                            item: item.id.clone(),
                            what: "target",
                            len: total,
                            max: self.cfg.max_target_len,
                        });
                    }
                    // Cut the rationale, keep `<answer> L` (with `rationale`, keep `<rationale>`).
                    let keep = self.cfg.max_target_len.saturating_sub(tail.len()).max(1);
                    rat.truncate(keep);
                }
                rat.extend(tail);
                rat
            }
        };
        let target = self.limit(item, "target", target, self.cfg.max_target_len)?;
        Ok(EncodedItem {
            question,
            target,
            answer_input,
            answer_target,
            answer_mask,
        })
    }

    /// Image tensor data for one item: `[slots, 3, S, S]` values and the mask.
    fn image_values(&self, item: &Item, slots: usize, out: &mut Vec<f32>, mask: &mut Vec<bool>) {
        let s = self.cfg.image_size as u32;
        let plane = (s * s) as usize;
        for k in 0..slots {
            match item.images.get(k) {
                Some(img) => {
                    let resized;
                    let img = if img.dimensions() == (s, s) {
                        img
                    } else {
                        resized = image::imageops::resize(img, s, s, FilterType::Triangle);
                        &resized
                    };
                    let start = out.len();
                    out.resize(start + 3 * plane, 0.0);
                    for (i, p) in img.pixels().enumerate() {
                        for c in 0..3 {
                            out[start + c * plane + i] =
                                (f32::from(p.0[c]) / 255.0 - self.cfg.mean[c]) / self.cfg.std[c];
                        }
                    }
                    mask.push(true);
                }
                None => {
                    out.resize(out.len() + 3 * plane, 0.0);
                    mask.push(false);
                }
            }
        }
    }

    /// Batches items on `device`. Errors name the offending item.
    pub fn batch(&self, items: Vec<Item>, device: &Device) -> Result<AmvlBatch, DataError> {
        if items.is_empty() {
            return Err(DataError::Invalid("cannot batch zero items".into()));
        }
        let enc = items
            .iter()
            .map(|i| self.encode_item(i))
            .collect::<Result<Vec<_>, _>>()?;
        let b = items.len();
        // Image slots up to the batch's largest item only: a batch of one-image items carries no
        // masked image tokens, however large `max_images` is.
        let m = items.iter().map(|i| i.images.len()).max().unwrap_or(1).max(1);
        let s = self.cfg.image_size;
        let mut pixels = Vec::with_capacity(b * m * 3 * s * s);
        let mut img_mask = Vec::with_capacity(b * m);
        for it in &items {
            self.image_values(it, m, &mut pixels, &mut img_mask);
        }
        let pad = self.tok.pad_id();
        let padded = |seqs: Vec<&Vec<u32>>| -> (Tensor<2, Int>, Tensor<2, Bool>) {
            let l = seqs.iter().map(|v| v.len()).max().unwrap_or(1).max(1);
            let mut ids = Vec::with_capacity(b * l);
            let mut mask = Vec::with_capacity(b * l);
            for v in seqs {
                for k in 0..l {
                    ids.push(i64::from(*v.get(k).unwrap_or(&pad)));
                    mask.push(k < v.len());
                }
            }
            (
                Tensor::<2, Int>::from_data(TensorData::new(ids, [b, l]), device),
                Tensor::<2, Bool>::from_data(TensorData::new(mask, [b, l]), device),
            )
        };
        let (question, question_mask) = padded(enc.iter().map(|e| &e.question).collect());
        let (target, target_mask) = padded(enc.iter().map(|e| &e.target).collect());
        let (answer_input, _) = padded(enc.iter().map(|e| &e.answer_input).collect());
        let (answer_target, _) = padded(enc.iter().map(|e| &e.answer_target).collect());
        let la = enc.iter().map(|e| e.answer_target.len()).max().unwrap_or(1).max(1);
        let mut amask = Vec::with_capacity(b * la);
        for e in &enc {
            for k in 0..la {
                amask.push(e.answer_mask.get(k).copied().unwrap_or(false));
            }
        }
        Ok(AmvlBatch {
            images: Tensor::<5>::from_data(TensorData::new(pixels, [b, m, 3, s, s]), device),
            image_mask: Tensor::<2, Bool>::from_data(TensorData::new(img_mask, [b, m]), device),
            question,
            question_mask,
            target,
            target_mask,
            answer_input,
            answer_target,
            answer_mask: Tensor::<2, Bool>::from_data(TensorData::new(amask, [b, la]), device),
        })
    }

    /// Encodes every item of a dataset once (loading its images) and returns the first error:
    /// run it before training so that the infallible [`Batcher`] impl never meets a bad item.
    pub fn check<D: ItemSource + ?Sized>(&self, ds: &D) -> Result<usize, DataError> {
        for i in 0..ds.len() {
            let item = ds.item(i)?;
            self.encode_item(&item)?;
        }
        Ok(ds.len())
    }
}

/// Burn's `Batcher` is infallible: a bad item (too long without truncation, too many images)
/// panics here with the error message. Call [`AmvlBatcher::check`] on the dataset first, or use
/// [`FallibleBatcher`], or [`AmvlBatcher::batch`] directly.
impl Batcher<Item, AmvlBatch> for AmvlBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> AmvlBatch {
        match AmvlBatcher::batch(self, items, device) {
            Ok(b) => b,
            Err(e) => panic!("{e} (run AmvlBatcher::check on the dataset before training to catch this up front)"),
        }
    }
}

/// A `Batcher` whose output carries the error instead of panicking.
#[derive(Clone, Debug)]
pub struct FallibleBatcher(pub AmvlBatcher);

impl Batcher<Item, Result<AmvlBatch, DataError>> for FallibleBatcher {
    fn batch(&self, items: Vec<Item>, device: &Device) -> Result<AmvlBatch, DataError> {
        self.0.batch(items, device)
    }
}
