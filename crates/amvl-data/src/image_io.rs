//! Image IO shared by the readers and writers: resolving image paths inside a dataset folder,
//! reading and decoding images (from files or in-memory bytes) and writing PNGs, with errors that
//! name the image and where it was referenced.

use std::fs;
use std::io::Cursor;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use image::RgbImage;

use crate::error::DataError;
use crate::limits::{MAX_IMAGE_DECODE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE};

/// Why an image could not be read, decoded, found or written.
#[derive(Debug, thiserror::Error)]
pub enum ImageProblem {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// The bytes are not an image of a supported format.
    #[error("cannot decode: {0}")]
    Decode(image::ImageError),
    /// The PNG could not be written.
    #[error("cannot write: {0}")]
    Write(image::ImageError),
    /// A path that is absolute or leaves the dataset folder.
    #[error("image path leaves the dataset folder (absolute paths and `..` are refused)")]
    Escapes,
    /// Neither bytes nor a file at the given path.
    #[error("missing (no bytes in the parquet file and no file at this path)")]
    Missing,
    /// Dimensions over [`MAX_IMAGE_SIDE`] or [`MAX_IMAGE_PIXELS`] (read from the header).
    #[error(
        "{width}×{height} pixels is over the limit (sides ≤ {MAX_IMAGE_SIDE}, at most {MAX_IMAGE_PIXELS} pixels: \
         amvl_data::limits)"
    )]
    TooLarge { width: u32, height: u32 },
}

/// Where one image's bytes are.
#[derive(Clone, Debug)]
pub enum ImageRef {
    /// An image file.
    File(PathBuf),
    /// Encoded bytes held in memory; `name` says where they came from (`file.parquet row 3 image_2`).
    Bytes { data: Arc<[u8]>, name: PathBuf },
}

impl ImageRef {
    /// Decodes the image as RGB; `origin` (e.g. `data.jsonl:3`) is named in errors.
    pub fn load(&self, origin: &str) -> Result<RgbImage, DataError> {
        match self {
            ImageRef::File(path) => load_image(path, origin),
            ImageRef::Bytes { data, name } => decode_image(data, name, origin),
        }
    }
}

fn image_error(path: &Path, origin: &str, problem: ImageProblem) -> DataError {
    DataError::Image {
        path: path.to_path_buf(),
        origin: origin.to_string(),
        problem,
    }
}

/// Resolves an image path relative to `root`, refusing empty and absolute paths and `..`.
pub fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return None;
    }
    let inside = p
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    inside.then(|| root.join(p))
}

/// Loads an image file as RGB, with an error naming the path and `origin`.
pub fn load_image(path: &Path, origin: &str) -> Result<RgbImage, DataError> {
    let bytes = fs::read(path).map_err(|e| image_error(path, origin, ImageProblem::Read(e)))?;
    decode_image(&bytes, path, origin)
}

/// Decodes encoded image bytes as RGB; `name` labels them in errors.
/// Its dimensions are checked against the limits before any pixel is decoded.
pub fn decode_image(bytes: &[u8], name: &Path, origin: &str) -> Result<RgbImage, DataError> {
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| image_error(name, origin, ImageProblem::Read(e)))
    };
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|e| image_error(name, origin, ImageProblem::Decode(e)))?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(image_error(name, origin, ImageProblem::TooLarge { width, height }));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_DECODE_BYTES);
    let mut reader = reader()?;
    reader.limits(limits);
    reader
        .decode()
        .map(|i| i.to_rgb8())
        .map_err(|e| image_error(name, origin, ImageProblem::Decode(e)))
}

/// Checks that encoded bytes have a readable image header, without decoding the pixels.
pub fn check_image_header(bytes: &[u8], name: &Path, origin: &str) -> Result<(), DataError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| image_error(name, origin, ImageProblem::Read(e)))?;
    reader
        .into_dimensions()
        .map(|_| ())
        .map_err(|e| image_error(name, origin, ImageProblem::Decode(e)))
}

/// Writes `img` as a PNG at `path`; `origin` (an item id, `preview`) is named in errors.
pub fn save_png(img: &RgbImage, path: &Path, origin: &str) -> Result<(), DataError> {
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| image_error(path, origin, ImageProblem::Write(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_stays_inside_the_root() {
        let root = Path::new("/data");
        assert_eq!(safe_join(root, "img/a.png"), Some(PathBuf::from("/data/img/a.png")));
        assert_eq!(safe_join(root, "./a.png"), Some(PathBuf::from("/data/./a.png")));
        for bad in ["", "/etc/passwd", "../x.png", "img/../../x.png", "\\x.png"] {
            assert_eq!(safe_join(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_bytes_name_the_image() {
        let name = Path::new("f.parquet row 0 image_1");
        let e = check_image_header(b"garbage", name, "f.parquet row 0").unwrap_err();
        assert!(
            matches!(
                &e,
                DataError::Image {
                    problem: ImageProblem::Decode(_),
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("image_1"), "{e}");
    }
}
