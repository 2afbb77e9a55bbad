//! A `data.jsonl` file (its images checked at open) and every item read back.

use amvl_data::{ItemSource, JsonlDataset, JsonlOptions};
use std::path::Path;

use super::{png, put};
use crate::target::{Target, TargetKind};

pub struct JsonlTarget;

impl Target for JsonlTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Jsonl
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let lines = [
            r#"{"id":"a1","task":"counting","images":["a.png"],"question":"How many circles?","options":["1","2","3","4"],"answer":"B","rationale":"two circles","probes":{"count":2}}"#,
            r#"{"id":"a2","task":"spatial","images":["a.png","b.png"],"question":"Left or right?","options":["left","right"],"answer":"right"}"#,
            r#"{"id":"a3","task":"t","images":["./a.png"],"question":"q","options":["x","y","z"],"answer":null}"#,
        ];
        vec![
            lines.join("\n").into_bytes(),
            format!("{}\r\n\r\n{}\n", lines[1], lines[0]).into_bytes(),
            lines[0].as_bytes().to_vec(),
        ]
    }

    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        let long = format!(
            r#"{{"id":"x","question":"{}"}}"#,
            "q".repeat(amvl_data::limits::MAX_JSONL_LINE_BYTES)
        );
        let many = format!(
            r#"{{"id":"m","task":"t","images":[{}],"question":"q","options":["a","b"],"answer":"A"}}"#,
            vec![r#""a.png""#; 10_000].join(",")
        );
        vec![
            ("line-over-limit".into(), long.into_bytes()),
            ("ten-thousand-images".into(), many.into_bytes()),
            (
                "escaping-path".into(),
                br#"{"id":"e","task":"t","images":["/etc/passwd"],"question":"q","options":["a","b"],"answer":"A"}"#
                    .to_vec(),
            ),
            (
                "deep-nesting".into(),
                format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            ),
            ("not-utf8".into(), vec![0xff, 0xfe, b'{', b'}']),
        ]
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        put(scratch, "a.png", &png(8, 8, 3))?;
        put(scratch, "b.png", &png(5, 9, 4))?;
        put(scratch, "data.jsonl", bytes)?;
        let data = JsonlDataset::open(scratch, JsonlOptions::default()).map_err(|e| e.to_string())?;
        for i in 0..data.len() {
            data.item(i).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
