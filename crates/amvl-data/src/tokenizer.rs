//! The tokenizer: a WordLevel model trained on the suite's text (questions, options,
//! rationales) with AMVL's special tokens at ids 0..=9 in `amvl_core::special_tokens::ALL` order,
//! or any Hugging Face `tokenizer.json` (missing special tokens are added at the end).

use std::path::Path;

use amvl_core::special_tokens as sp;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordlevel::{WordLevel, WordLevelTrainer};
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Tokenizer};

use crate::error::DataError;
use crate::item::LETTERS;
use crate::suite::SuiteDataset;
use crate::task::{Split, Task};

/// A `tokenizers::Tokenizer` plus the ids AMVL needs.
#[derive(Clone)]
pub struct AmvlTokenizer {
    inner: Tokenizer,
    /// Ids of `special_tokens::ALL`, in that order.
    specials: Vec<u32>,
    /// Ids of the option letters `A`..`H` as single tokens.
    letters: Vec<u32>,
}

impl std::fmt::Debug for AmvlTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmvlTokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("specials", &self.specials)
            .finish()
    }
}

fn terr(e: impl std::fmt::Display) -> DataError {
    DataError::Tokenizer(e.to_string())
}

/// Text that is always part of the training corpus, so the vocabulary covers every option
/// letter, small number and marker whatever the sample.
fn coverage_text() -> Vec<String> {
    let letters: Vec<String> = LETTERS.iter().map(|l| format!("({l}) {l} point {l}")).collect();
    let numbers: Vec<String> = (0..=100).map(|n| n.to_string()).collect();
    vec![letters.join(" "), numbers.join(" ")]
}

impl AmvlTokenizer {
    /// Trains a WordLevel tokenizer on `texts` (plus the coverage text).
    pub fn train_on_texts<I, S>(texts: I) -> Result<Self, DataError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut corpus: Vec<String> = texts.into_iter().map(|s| s.as_ref().to_string()).collect();
        corpus.extend(coverage_text());
        let model = WordLevel::builder()
            .unk_token(sp::UNKNOWN.to_string())
            .build()
            .map_err(terr)?;
        let mut tok = Tokenizer::new(model);
        tok.with_pre_tokenizer(Some(Whitespace {}));
        let trainer = WordLevelTrainer::builder()
            .show_progress(false)
            .min_frequency(1)
            .vocab_size(100_000)
            .special_tokens(sp::ALL.iter().map(|t| AddedToken::from(t.to_string(), true)).collect())
            .build()
            .map_err(terr)?;
        let mut trainer = TrainerWrapper::WordLevelTrainer(trainer);
        tok.train(&mut trainer, corpus.into_iter()).map_err(terr)?;
        Self::wrap(tok)
    }

    /// Trains on the text of the suite: `per_task` items of every task in each of the four
    /// splits (text only, no image is rendered). A pure function of its arguments.
    pub fn train_on_suite(seed: u64, tasks: &[Task], per_task: usize) -> Result<Self, DataError> {
        let mut texts = Vec::new();
        for split in Split::ALL {
            let ds = SuiteDataset::new(seed, split, tasks.to_vec(), per_task, 32);
            for i in 0..ds.len() {
                texts.push(ds.text(i));
            }
        }
        Self::train_on_texts(texts)
    }

    /// Wraps any tokenizer, adding AMVL's special tokens it lacks and checking that each option
    /// letter is one token.
    pub fn wrap(mut inner: Tokenizer) -> Result<Self, DataError> {
        let missing: Vec<AddedToken> = sp::ALL
            .iter()
            .filter(|t| inner.token_to_id(t).is_none())
            .map(|t| AddedToken::from(t.to_string(), true))
            .collect();
        if !missing.is_empty() {
            inner.add_special_tokens(&missing);
        }
        let specials = sp::ALL
            .iter()
            .map(|t| {
                inner
                    .token_to_id(t)
                    .ok_or_else(|| terr(format!("special token {t} could not be added")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut letters = Vec::with_capacity(LETTERS.len());
        for l in LETTERS {
            let s = l.to_string();
            let id = match inner.token_to_id(&s) {
                Some(id) => id,
                None => {
                    let enc = inner.encode(s.as_str(), false).map_err(terr)?;
                    match enc.get_ids() {
                        [id] => *id,
                        ids => {
                            return Err(terr(format!("option letter `{l}` is not a single token (ids {ids:?})")));
                        }
                    }
                }
            };
            letters.push(id);
        }
        Ok(Self {
            inner,
            specials,
            letters,
        })
    }

    /// Loads a `tokenizer.json` (ours or any Hugging Face one).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let size = std::fs::metadata(path)
            .map_err(|e| terr(format!("{}: {e}", path.display())))?
            .len();
        if size > crate::limits::MAX_TOKENIZER_BYTES {
            return Err(terr(format!(
                "{}: {size} bytes, over the limit of {} (amvl_data::limits::MAX_TOKENIZER_BYTES)",
                path.display(),
                crate::limits::MAX_TOKENIZER_BYTES
            )));
        }
        let t = amvl_core::contain::contain(|| Tokenizer::from_file(path))
            .map_err(|panic| terr(format!("{}: the tokenizer reader failed: {panic}", path.display())))?
            .map_err(|e| terr(format!("{}: {e}", path.display())))?;
        Self::wrap(t)
    }

    /// Reads the bytes of a `tokenizer.json`; `origin` names them in errors.
    pub fn from_json_bytes(bytes: &[u8], origin: &str) -> Result<Self, DataError> {
        let t = amvl_core::contain::contain(|| Tokenizer::from_bytes(bytes))
            .map_err(|panic| terr(format!("{origin}: the tokenizer reader failed: {panic}")))?
            .map_err(|e| terr(format!("{origin}: {e}")))?;
        Self::wrap(t)
    }

    /// Saves as `tokenizer.json` (compact, deterministic).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        self.inner
            .save(path, false)
            .map_err(|e| terr(format!("{}: {e}", path.display())))
    }

    /// Token ids of `text`, without any special token added around it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, DataError> {
        Ok(self.inner.encode(text, false).map_err(terr)?.get_ids().to_vec())
    }

    /// Text of `ids`; special tokens are dropped when `skip_special`.
    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String, DataError> {
        self.inner.decode(ids, skip_special).map_err(terr)
    }

    /// Id of any token (special or not), if the vocabulary has it.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Id of one of `special_tokens::ALL` (always present).
    pub fn special_id(&self, special: &str) -> Result<u32, DataError> {
        sp::ALL
            .iter()
            .position(|t| *t == special)
            .map(|k| self.specials[k])
            .ok_or_else(|| terr(format!("`{special}` is not one of the AMVL special tokens")))
    }

    pub fn pad_id(&self) -> u32 {
        self.specials[0]
    }
    pub fn bos_id(&self) -> u32 {
        self.specials[1]
    }
    pub fn eos_id(&self) -> u32 {
        self.specials[2]
    }
    pub fn unk_id(&self) -> u32 {
        self.specials[3]
    }
    pub fn image_id(&self) -> u32 {
        self.specials[4]
    }
    pub fn latent_id(&self) -> u32 {
        self.specials[5]
    }
    pub fn latent_start_id(&self) -> u32 {
        self.specials[6]
    }
    pub fn latent_end_id(&self) -> u32 {
        self.specials[7]
    }
    pub fn answer_id(&self) -> u32 {
        self.specials[8]
    }
    pub fn rationale_id(&self) -> u32 {
        self.specials[9]
    }

    /// Token ids of the first `n` option letters (`A`, `B`, …), for scoring by letter.
    pub fn letter_ids(&self, n: usize) -> &[u32] {
        &self.letters[..n.min(self.letters.len())]
    }

    /// Token ids of `A`, `B`, `C`, `D`.
    pub fn option_letter_ids(&self) -> [u32; 4] {
        [self.letters[0], self.letters[1], self.letters[2], self.letters[3]]
    }

    /// Vocabulary size including added tokens (the embedding table size).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The wrapped tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }
}
