//! A safetensors file read the way Hugging Face weights are, every tensor taken as f32.

use amvl_hf::safetensors_io::Checkpoint;
use burn::prelude::*;
use safetensors::Dtype;
use safetensors::tensor::TensorView;
use std::path::Path;

use super::put;
use crate::target::{Target, TargetKind};

pub struct SafetensorsTarget;

/// A file with the given header text and `data` after it.
fn with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn take(checkpoint: &mut Checkpoint, name: &str, device: &Device) -> Result<(), String> {
    let rank = checkpoint.shape(name).map(<[usize]>::len).unwrap_or(0);
    let result = match rank {
        1 => checkpoint.take_any::<1>(name, device).map(|_| ()),
        2 => checkpoint.take_any::<2>(name, device).map(|_| ()),
        3 => checkpoint.take_any::<3>(name, device).map(|_| ()),
        4 => checkpoint.take_any::<4>(name, device).map(|_| ()),
        _ => {
            checkpoint.discard(name);
            Ok(())
        }
    };
    result.map_err(|e| e.to_string())
}

impl Target for SafetensorsTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Safetensors
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let f32s: Vec<u8> = (0..24).flat_map(|i| (i as f32 * 0.5).to_le_bytes()).collect();
        let bf16s: Vec<u8> = (0..8u16).flat_map(|i| (0x3f80 + i).to_le_bytes()).collect();
        let f16s: Vec<u8> = (0..6u16).flat_map(|i| (0x3c00 + i).to_le_bytes()).collect();
        let views = vec![
            (
                "model.embed.weight",
                TensorView::new(Dtype::F32, vec![4, 6], &f32s).unwrap(),
            ),
            (
                "model.norm.weight",
                TensorView::new(Dtype::BF16, vec![8], &bf16s).unwrap(),
            ),
            (
                "model.proj.weight",
                TensorView::new(Dtype::F16, vec![1, 2, 3], &f16s).unwrap(),
            ),
        ];
        let mut metadata = std::collections::HashMap::new();
        metadata.insert("format".to_string(), "pt".to_string());
        vec![
            safetensors::serialize(views.clone(), Some(metadata)).unwrap(),
            safetensors::serialize(views[..1].to_vec(), None).unwrap(),
        ]
    }

    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        let tensor = |dtype: &str, shape: &str, offsets: &str| {
            format!(r#"{{"w":{{"dtype":"{dtype}","shape":{shape},"data_offsets":{offsets}}}}}"#)
        };
        vec![
            ("header-length-max".into(), u64::MAX.to_le_bytes().to_vec()),
            (
                "header-longer-than-file".into(),
                [1_000_000u64.to_le_bytes().as_slice(), b"{}"].concat(),
            ),
            (
                "terabyte-shape".into(),
                with_header(&tensor("F32", "[1048576,1048576]", "[0,16]"), &[0; 16]),
            ),
            (
                "overflowing-shape".into(),
                with_header(&tensor("F32", "[18446744073709551615,3]", "[0,16]"), &[0; 16]),
            ),
            (
                "offsets-past-the-end".into(),
                with_header(&tensor("F32", "[4]", "[0,1099511627776]"), &[0; 16]),
            ),
            (
                "reversed-offsets".into(),
                with_header(&tensor("F32", "[2]", "[8,0]"), &[0; 16]),
            ),
            (
                "unknown-dtype".into(),
                with_header(&tensor("F128", "[1]", "[0,16]"), &[0; 16]),
            ),
            (
                "size-not-shape".into(),
                with_header(&tensor("U8", "[1,1,1,1,1,1,1,1,2]", "[0,3]"), &[0; 3]),
            ),
        ]
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        let path = put(scratch, "model.safetensors", bytes)?;
        let mut checkpoint = Checkpoint::read_file(&path).map_err(|e| e.to_string())?;
        let device = Device::flex();
        let names: Vec<String> = checkpoint.names().into_iter().map(str::to_string).collect();
        for name in names {
            take(&mut checkpoint, &name, &device)?;
        }
        Ok(())
    }
}
