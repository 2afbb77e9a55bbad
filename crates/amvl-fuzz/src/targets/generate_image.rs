//! `cargo xtask generate --image FILE`: the file read as an image and batched for the model.

use amvl_data::{AmvlBatcher, Item};
use burn::prelude::*;
use std::path::Path;

use super::{micro_config, put};
use crate::target::{Target, TargetKind};

pub struct GenerateImageTarget {
    batcher: AmvlBatcher,
}

impl GenerateImageTarget {
    pub fn new() -> Result<Self, String> {
        let texts = ["How many circles are there?", "one two three four"];
        let tok = amvl_data::AmvlTokenizer::train_on_texts(texts).map_err(|e| e.to_string())?;
        Ok(Self {
            batcher: amvl_train::session::batcher(&micro_config(), tok),
        })
    }
}

impl Target for GenerateImageTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::GenerateImage
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let odd = [super::png(1, 3000, 9), super::png(3000, 1, 5)];
        (super::ImageTarget::png().seeds().into_iter())
            .chain(super::ImageTarget::jpeg().seeds())
            .chain(odd)
            .collect()
    }

    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            ("bomb".into(), super::png_declaring(200_000, 200_000)),
            ("empty".into(), Vec::new()),
        ]
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        let path = put(scratch, "image", bytes)?;
        let image = amvl_data::load_image(&path, "--image").map_err(|e| e.to_string())?;
        let item = Item {
            id: "cli".into(),
            task: "cli".into(),
            images: vec![image],
            question: "How many circles are there?".into(),
            options: vec!["one".into(), "two".into()],
            answer: None,
            rationale: None,
            probes: Default::default(),
        };
        self.batcher
            .batch(vec![item], &Device::flex())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
