//! The named input limits: a decompression bomb, an endless JSONL line and too many images are
//! each refused with an error that names the file, the line or the image and the limit.

use amvl_data::image_io::decode_image;
use amvl_data::limits::{MAX_IMAGE_PIXELS, MAX_IMAGES_PER_ITEM, MAX_JSONL_LINE_BYTES};
use amvl_data::{DataError, ImageProblem, JsonlDataset, JsonlOptions};
use amvl_fuzz::targets::{jpeg_declaring, png_declaring};
use std::io::Cursor;
use std::path::Path;

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([10, 200, 30]));
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

fn too_large(result: Result<image::RgbImage, DataError>) -> (u32, u32) {
    match result {
        Err(DataError::Image {
            problem: ImageProblem::TooLarge { width, height },
            ..
        }) => (width, height),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    let name = Path::new("bomb.png");
    assert_eq!(
        decode_image(&png_declaring(4, 4), name, "test").unwrap().dimensions(),
        (4, 4)
    );
    assert_eq!(
        too_large(decode_image(&png_declaring(100_000, 100_000), name, "t")),
        (100_000, 100_000)
    );
    assert_eq!(
        too_large(decode_image(&png_declaring(1, 1 << 30), name, "t")),
        (1, 1 << 30)
    );
    let (w, h) = too_large(decode_image(
        &jpeg_declaring(65_000, 65_000),
        Path::new("bomb.jpg"),
        "t",
    ));
    assert!(u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS);
    let err = decode_image(&png_declaring(100_000, 100_000), name, "data.jsonl:3")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bomb.png") && err.contains("data.jsonl:3") && err.contains("limit"),
        "{err}"
    );
}

fn write_jsonl(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join("a.png"), encoded(image::ImageFormat::Png)).unwrap();
    std::fs::write(dir.join("data.jsonl"), lines.join("\n")).unwrap();
}

fn line(id: usize, images: usize, question: &str) -> String {
    let images: Vec<&str> = vec!["a.png"; images];
    serde_json::json!({"id": id.to_string(), "task": "t", "images": images, "question": question,
        "options": ["x", "y"], "answer": "A"})
    .to_string()
}

#[test]
fn a_line_over_the_length_limit_is_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let long = "q".repeat(MAX_JSONL_LINE_BYTES + 10);
    write_jsonl(dir.path(), &[line(1, 1, "fine"), line(2, 1, &long)]);
    let err = JsonlDataset::open(dir.path(), JsonlOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.jsonl:2") && err.contains(&MAX_JSONL_LINE_BYTES.to_string()),
        "{err}"
    );

    let just_under = "q".repeat(MAX_JSONL_LINE_BYTES - 200);
    write_jsonl(dir.path(), &[line(1, 1, &just_under)]);
    assert_eq!(
        JsonlDataset::open(dir.path(), JsonlOptions::default()).unwrap().len(),
        1
    );
}

#[test]
fn too_many_images_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(
        dir.path(),
        &[
            line(1, MAX_IMAGES_PER_ITEM, "ok"),
            line(2, MAX_IMAGES_PER_ITEM + 1, "no"),
        ],
    );
    let err = JsonlDataset::open(dir.path(), JsonlOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.jsonl:2") && err.contains("images") && err.contains("17 images"),
        "{err}"
    );
}
