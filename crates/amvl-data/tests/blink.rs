//! A BLINK-schema parquet written here loads correctly: answers, hidden answers, missing images.

use std::fs;
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use amvl_data::{AnswerError, BlinkDataset, BlinkSplit, DataError, ImageProblem, ItemSource};
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, BinaryArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Fields};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

fn png(w: u32, h: u32, v: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(w, h, image::Rgb([v, v, v]))
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

struct Row<'a> {
    idx: &'a str,
    question: &'a str,
    choices: &'a [&'a str],
    answer: &'a str,
    images: [Option<Vec<u8>>; 4],
}

fn image_column(rows: &[Row], k: usize) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]);
    let bytes: BinaryArray = rows.iter().map(|r| r.images[k].as_deref()).collect();
    let paths: StringArray = rows
        .iter()
        .map(|r| r.images[k].as_ref().map(|_| format!("{}_{k}.png", r.idx)))
        .collect();
    let nulls = NullBuffer::from(rows.iter().map(|r| r.images[k].is_some()).collect::<Vec<_>>());
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(bytes), Arc::new(paths)],
        Some(nulls),
    ))
}

fn write_blink(path: &Path, sub_task: &str, rows: &[Row]) {
    let mut choices = ListBuilder::new(StringBuilder::new());
    for r in rows {
        for c in r.choices {
            choices.values().append_value(c);
        }
        choices.append(true);
    }
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        (
            "idx",
            Arc::new(StringArray::from(rows.iter().map(|r| r.idx).collect::<Vec<_>>())),
        ),
        (
            "question",
            Arc::new(StringArray::from(rows.iter().map(|r| r.question).collect::<Vec<_>>())),
        ),
        ("sub_task", Arc::new(StringArray::from(vec![sub_task; rows.len()]))),
        ("choices", Arc::new(choices.finish())),
        (
            "answer",
            Arc::new(StringArray::from(rows.iter().map(|r| r.answer).collect::<Vec<_>>())),
        ),
    ];
    let names = ["image_1", "image_2", "image_3", "image_4"];
    for (k, n) in names.iter().enumerate() {
        cols.push((n, image_column(rows, k)));
    }
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut w = ArrowWriter::try_new(fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn blink_folder() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let val_counting = [
        Row {
            idx: "val_Counting_1",
            question: "How many?",
            choices: &["1", "2", "3", "4"],
            answer: "(C)",
            images: [Some(png(10, 8, 50)), None, None, None],
        },
        Row {
            idx: "val_Counting_2",
            question: "How many now?",
            choices: &["5", "6"],
            answer: "(A)",
            images: [Some(png(4, 4, 60)), None, None, None],
        },
    ];
    write_blink(
        &d.path().join("Counting/val-00000-of-00001.parquet"),
        "Counting",
        &val_counting,
    );
    let val_jigsaw = [Row {
        idx: "val_Jigsaw_1",
        question: "Which patch?",
        choices: &["first", "second"],
        answer: "(B)",
        images: [Some(png(6, 6, 1)), Some(png(3, 3, 2)), None, Some(png(3, 3, 4))],
    }];
    write_blink(
        &d.path().join("Jigsaw/val-00000-of-00001.parquet"),
        "Jigsaw",
        &val_jigsaw,
    );
    let test_jigsaw = [Row {
        idx: "test_Jigsaw_1",
        question: "Which?",
        choices: &["a", "b"],
        answer: "hidden",
        images: [Some(png(5, 5, 9)), Some(png(5, 5, 8)), None, None],
    }];
    write_blink(
        &d.path().join("Jigsaw/test-00000-of-00001.parquet"),
        "Jigsaw",
        &test_jigsaw,
    );
    d
}

#[test]
fn val_split_loads_with_answers_and_missing_images() {
    let d = blink_folder();
    let ds = BlinkDataset::open(d.path(), BlinkSplit::Val).unwrap();
    assert_eq!(ds.len(), 3);
    assert_eq!(ds.scorable(), 3);
    assert_eq!(ds.sub_tasks(), vec!["Counting".to_string(), "Jigsaw".to_string()]);
    let a = ds.get(0).unwrap();
    assert_eq!(a.id, "val_Counting_1");
    assert_eq!(a.task, "Counting");
    assert_eq!(a.options, vec!["1", "2", "3", "4"]);
    assert_eq!(a.answer, Some(2));
    assert_eq!(a.images.len(), 1);
    assert_eq!(a.images[0].dimensions(), (10, 8));
    assert_eq!(a.images[0].get_pixel(0, 0).0, [50, 50, 50]);
    assert_eq!(ds.get(1).unwrap().answer, Some(0));
    let j = ds.get(2).unwrap();
    assert_eq!(j.answer, Some(1));
    // image_3 is null: the item has the other three, in order.
    assert_eq!(
        j.images.iter().map(|i| i.get_pixel(0, 0).0[0]).collect::<Vec<_>>(),
        vec![1, 2, 4]
    );
    assert!(ds.describe().contains("3 items"));
    assert_eq!(ds.image_count(2).unwrap(), 3);
    assert!(matches!(ds.image_count(3), Err(DataError::Invalid(_))));
}

#[test]
fn test_split_answers_are_hidden_and_unscorable() {
    let d = blink_folder();
    let ds = BlinkDataset::open(d.path(), BlinkSplit::Test).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds.scorable(), 0);
    let it = ds.item(0).unwrap();
    assert_eq!(it.answer, None);
    assert!(!it.is_scorable());
    assert_eq!(it.images.len(), 2);
}

#[test]
fn bad_blink_input_gives_errors() {
    let d = tempfile::tempdir().unwrap();
    assert!(matches!(
        BlinkDataset::open(d.path(), BlinkSplit::Val),
        Err(DataError::Parquet { .. })
    ));
    // An answer outside the choices.
    let rows = [Row {
        idx: "x",
        question: "q",
        choices: &["a", "b"],
        answer: "(D)",
        images: [Some(png(2, 2, 0)), None, None, None],
    }];
    write_blink(&d.path().join("T/val-0.parquet"), "T", &rows);
    let e = BlinkDataset::open(d.path(), BlinkSplit::Val).unwrap_err();
    let out_of_range = AnswerError::LetterOutOfRange {
        given: "(D)".into(),
        count: 2,
    };
    assert!(
        matches!(&e, DataError::BadAnswer { problem, .. } if *problem == out_of_range),
        "{e}"
    );
    assert!(e.to_string().contains("val-0.parquet row 0"), "{e}");
    // Undecodable image bytes.
    let rows = [Row {
        idx: "y",
        question: "q",
        choices: &["a", "b"],
        answer: "(A)",
        images: [Some(b"garbage".to_vec()), None, None, None],
    }];
    write_blink(&d.path().join("T/val-0.parquet"), "T", &rows);
    let e = BlinkDataset::open(d.path(), BlinkSplit::Val).unwrap_err();
    assert!(
        matches!(
            e,
            DataError::Image {
                problem: ImageProblem::Decode(_),
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("image_1"), "{e}");
    // A file that is not parquet.
    fs::write(d.path().join("T/val-0.parquet"), b"nope").unwrap();
    assert!(matches!(
        BlinkDataset::open(d.path(), BlinkSplit::Val),
        Err(DataError::Parquet { .. })
    ));
}
