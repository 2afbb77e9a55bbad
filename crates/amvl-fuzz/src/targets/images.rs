//! PNG and JPEG bytes through the image reader every dataset uses.

use amvl_data::image_io::decode_image;
use std::io::Cursor;
use std::path::Path;

use crate::target::{Target, TargetKind};

pub struct ImageTarget {
    format: image::ImageFormat,
}

impl ImageTarget {
    pub fn png() -> Self {
        Self {
            format: image::ImageFormat::Png,
        }
    }
    pub fn jpeg() -> Self {
        Self {
            format: image::ImageFormat::Jpeg,
        }
    }
}

fn encode(width: u32, height: u32, seed: u8, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x as u8).wrapping_mul(seed), (y as u8).wrapping_add(seed), seed])
    });
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), format).expect("encodes");
    bytes
}

/// A small PNG.
pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    encode(width, height, seed, image::ImageFormat::Png)
}

/// A valid PNG whose header declares `width` × `height` (its CRC fixed to match).
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(4, 4, 1);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// A valid JPEG whose start-of-frame declares `width` × `height`.
pub fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = encode(8, 8, 3, image::ImageFormat::Jpeg);
    if let Some(sof) = bytes.windows(2).position(|w| w == [0xFF, 0xC0]) {
        bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    }
    bytes
}

impl Target for ImageTarget {
    fn kind(&self) -> TargetKind {
        match self.format {
            image::ImageFormat::Png => TargetKind::Png,
            _ => TargetKind::Jpeg,
        }
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        [(8, 8, 1), (32, 24, 7), (3, 40, 200), (64, 64, 90)]
            .into_iter()
            .map(|(w, h, s)| encode(w, h, s, self.format))
            .collect()
    }

    fn hostile(&self) -> Vec<(String, Vec<u8>)> {
        match self.format {
            image::ImageFormat::Png => vec![
                ("png-100000x100000".into(), png_declaring(100_000, 100_000)),
                ("png-1x2^31".into(), png_declaring(1, 1 << 31)),
                ("png-16384x16384".into(), png_declaring(16_384, 16_384)),
                ("png-header-only".into(), png(4, 4, 1)[..33].to_vec()),
            ],
            _ => vec![
                ("jpeg-65535x65535".into(), jpeg_declaring(65_535, 65_535)),
                ("jpeg-0x0".into(), jpeg_declaring(0, 0)),
                ("jpeg-soi-only".into(), vec![0xFF, 0xD8, 0xFF]),
            ],
        }
    }

    fn run(&self, bytes: &[u8], _scratch: &Path) -> Result<(), String> {
        decode_image(bytes, Path::new("case"), "fuzz")
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
