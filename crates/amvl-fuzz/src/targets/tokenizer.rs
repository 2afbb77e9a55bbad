//! A `tokenizer.json`, loaded and used to encode and decode a question.

use amvl_data::AmvlTokenizer;
use std::path::Path;

use super::put;
use crate::target::{Target, TargetKind};

pub struct TokenizerTarget {
    seed: Vec<u8>,
}

impl TokenizerTarget {
    pub fn new() -> Result<Self, String> {
        let texts = [
            "How many circles are there?",
            "Which shape is left of the red square?",
            "two (B)",
        ];
        let tok = AmvlTokenizer::train_on_texts(texts).map_err(|e| e.to_string())?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("tokenizer.json");
        tok.save(&path).map_err(|e| e.to_string())?;
        Ok(Self {
            seed: std::fs::read(&path).map_err(|e| e.to_string())?,
        })
    }
}

impl Target for TokenizerTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Tokenizer
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        vec![self.seed.clone()]
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        let path = put(scratch, "tokenizer.json", bytes)?;
        let tok = AmvlTokenizer::from_file(&path).map_err(|e| e.to_string())?;
        let ids = tok
            .encode("How many circles? <answer> (B)")
            .map_err(|e| e.to_string())?;
        tok.decode(&ids, true).map_err(|e| e.to_string())?;
        Ok(())
    }
}
