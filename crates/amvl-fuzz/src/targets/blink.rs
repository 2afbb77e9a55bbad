//! A BLINK parquet file (one sub-task's `val` split), opened and every item decoded.

use amvl_data::{BlinkDataset, BlinkSplit, ItemSource};
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, BinaryArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Fields};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

use super::{png, put};
use crate::target::{Target, TargetKind};

pub struct BlinkTarget;

/// (idx, question, choices, answer, images)
type Row = (
    &'static str,
    &'static str,
    Vec<&'static str>,
    &'static str,
    [Option<Vec<u8>>; 4],
);

fn image_column(rows: &[Row], k: usize) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]);
    let bytes: BinaryArray = rows.iter().map(|r| r.4[k].as_deref()).collect();
    let paths: StringArray = rows
        .iter()
        .map(|r| r.4[k].as_ref().map(|_| format!("{}_{k}.png", r.0)))
        .collect();
    let nulls = NullBuffer::from(rows.iter().map(|r| r.4[k].is_some()).collect::<Vec<_>>());
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(bytes), Arc::new(paths)],
        Some(nulls),
    ))
}

/// A parquet file in BLINK's layout.
fn parquet(rows: &[Row], compression: Compression) -> Vec<u8> {
    let mut choices = ListBuilder::new(StringBuilder::new());
    for row in rows {
        for c in &row.2 {
            choices.values().append_value(c);
        }
        choices.append(true);
    }
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        (
            "idx",
            Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
        ),
        (
            "question",
            Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
        ),
        ("sub_task", Arc::new(StringArray::from(vec!["Counting"; rows.len()]))),
        ("choices", Arc::new(choices.finish())),
        (
            "answer",
            Arc::new(StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        ),
    ];
    for (k, name) in ["image_1", "image_2", "image_3", "image_4"].iter().enumerate() {
        columns.push((name, image_column(rows, k)));
    }
    let batch = RecordBatch::try_from_iter(columns).expect("a batch");
    let props = WriterProperties::builder().set_compression(compression).build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).expect("a writer");
    writer.write(&batch).expect("written");
    writer.close().expect("closed");
    bytes
}

impl Target for BlinkTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Blink
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let rows: Vec<Row> = vec![
            (
                "val_Counting_1",
                "How many?",
                vec!["1", "2", "3", "4"],
                "(C)",
                [Some(png(10, 8, 50)), None, None, None],
            ),
            (
                "val_Counting_2",
                "Which?",
                vec!["a", "b"],
                "(A)",
                [Some(png(4, 4, 60)), Some(png(3, 5, 7)), None, None],
            ),
        ];
        vec![
            parquet(&rows, Compression::SNAPPY),
            parquet(&rows[..1], Compression::UNCOMPRESSED),
        ]
    }

    fn run(&self, bytes: &[u8], scratch: &Path) -> Result<(), String> {
        put(scratch, "Counting/val-00000-of-00001.parquet", bytes)?;
        let data = BlinkDataset::open(scratch, BlinkSplit::Val).map_err(|e| e.to_string())?;
        for i in 0..data.len() {
            data.item(i).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
