//! A small deterministic rasterizer: filled shapes, lines, outlines, gradients, noise and
//! bitmap text, in normalised coordinates (`0.0..1.0` across the canvas, y down), so a
//! scene renders the same way at 32 px or 256 px.
//!
//! Pixel `(px, py)` is covered when its centre `((px + 0.5) / w, (py + 0.5) / h)` is inside the
//! shape, so the geometry tests an oracle uses (`Shape::contains`) match the pixels drawn.

pub mod font;
pub mod shape;

pub use shape::{SHAPES, Shape};

use image::{Rgb, RgbImage};
use rand::Rng;

/// An RGB colour with a human name (used in questions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Color {
    pub name: &'static str,
    pub rgb: [u8; 3],
}

/// The object colours of the suite, far apart so they stay distinct at 32 px.
pub const PALETTE: [Color; 8] = [
    Color {
        name: "red",
        rgb: [220, 40, 40],
    },
    Color {
        name: "green",
        rgb: [40, 170, 60],
    },
    Color {
        name: "blue",
        rgb: [40, 80, 220],
    },
    Color {
        name: "yellow",
        rgb: [240, 210, 30],
    },
    Color {
        name: "purple",
        rgb: [150, 60, 190],
    },
    Color {
        name: "orange",
        rgb: [250, 140, 20],
    },
    Color {
        name: "cyan",
        rgb: [30, 200, 210],
    },
    Color {
        name: "black",
        rgb: [20, 20, 20],
    },
];

/// Looks a palette colour up by name.
pub fn color(name: &str) -> Color {
    PALETTE.iter().copied().find(|c| c.name == name).unwrap_or(PALETTE[0])
}

/// A background style: the OOD settings use backgrounds the ID settings never show.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Background {
    /// One flat colour.
    Plain([u8; 3]),
    /// A vertical gradient from top to bottom colour.
    Gradient([u8; 3], [u8; 3]),
    /// Diagonal stripes of two colours with the given period (normalised).
    Stripes([u8; 3], [u8; 3], f32),
    /// A checkerboard of two colours with the given cell size (normalised).
    Checker([u8; 3], [u8; 3], f32),
    /// A bilinear blend of four corner colours (top-left, top-right, bottom-left, bottom-right):
    /// every position has its own colour, which makes patches locatable.
    Corners([[u8; 3]; 4]),
}

/// An RGB canvas addressed in normalised coordinates.
pub struct Canvas {
    pub img: RgbImage,
}

impl Canvas {
    /// A `w × h` canvas filled with `bg`.
    pub fn new(w: u32, h: u32, bg: Background) -> Self {
        let mut c = Canvas {
            img: RgbImage::new(w.max(1), h.max(1)),
        };
        c.background(bg);
        c
    }

    pub fn width(&self) -> u32 {
        self.img.width()
    }

    pub fn height(&self) -> u32 {
        self.img.height()
    }

    /// Normalised centre of pixel `(px, py)`.
    #[inline]
    pub fn centre(&self, px: u32, py: u32) -> (f32, f32) {
        (
            (px as f32 + 0.5) / self.img.width() as f32,
            (py as f32 + 0.5) / self.img.height() as f32,
        )
    }

    /// Paints the whole canvas with a background.
    pub fn background(&mut self, bg: Background) {
        let (w, h) = self.img.dimensions();
        for py in 0..h {
            for px in 0..w {
                let (x, y) = self.centre(px, py);
                let c = match bg {
                    Background::Plain(c) => c,
                    Background::Gradient(a, b) => lerp_rgb(a, b, y),
                    Background::Stripes(a, b, period) => {
                        if (((x + y) / period.max(1e-3)).floor() as i64).rem_euclid(2) == 0 {
                            a
                        } else {
                            b
                        }
                    }
                    Background::Corners(k) => lerp_rgb(lerp_rgb(k[0], k[1], x), lerp_rgb(k[2], k[3], x), y),
                    Background::Checker(a, b, cell) => {
                        let cell = cell.max(1e-3);
                        if ((x / cell).floor() as i64 + (y / cell).floor() as i64).rem_euclid(2) == 0 {
                            a
                        } else {
                            b
                        }
                    }
                };
                self.img.put_pixel(px, py, Rgb(c));
            }
        }
    }

    /// Fills every pixel whose centre satisfies `inside` within the normalised bounding box.
    pub fn fill_where(&mut self, bbox: (f32, f32, f32, f32), rgb: [u8; 3], inside: impl Fn(f32, f32) -> bool) {
        let (w, h) = self.img.dimensions();
        let (x0, y0, x1, y1) = bbox;
        let px0 = ((x0 * w as f32).floor().max(0.0)) as u32;
        let py0 = ((y0 * h as f32).floor().max(0.0)) as u32;
        let px1 = ((x1 * w as f32).ceil().max(0.0) as u32).min(w);
        let py1 = ((y1 * h as f32).ceil().max(0.0) as u32).min(h);
        for py in py0..py1 {
            for px in px0..px1 {
                let (x, y) = self.centre(px, py);
                if inside(x, y) {
                    self.img.put_pixel(px, py, Rgb(rgb));
                }
            }
        }
    }

    /// Draws a filled shape centred at `(cx, cy)` with circumradius `r` and rotation `rot` (radians).
    /// At least the centre pixel is painted, so tiny shapes never vanish.
    pub fn shape(&mut self, shape: Shape, cx: f32, cy: f32, r: f32, rot: f32, rgb: [u8; 3]) {
        self.fill_where((cx - r, cy - r, cx + r, cy + r), rgb, |x, y| {
            shape.contains(cx, cy, r, rot, x, y)
        });
        self.dot(cx, cy, rgb);
    }

    /// Paints the single pixel containing the normalised point.
    pub fn dot(&mut self, x: f32, y: f32, rgb: [u8; 3]) {
        let (w, h) = self.img.dimensions();
        let px = (x * w as f32).floor();
        let py = (y * h as f32).floor();
        if px >= 0.0 && py >= 0.0 && (px as u32) < w && (py as u32) < h {
            self.img.put_pixel(px as u32, py as u32, Rgb(rgb));
        }
    }

    /// A filled axis-aligned rectangle.
    pub fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, rgb: [u8; 3]) {
        self.fill_where((x0, y0, x1, y1), rgb, |x, y| x >= x0 && x < x1 && y >= y0 && y < y1);
    }

    /// A rectangle outline `t_px` pixels thick, drawn just inside the box.
    pub fn rect_outline(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, t_px: u32, rgb: [u8; 3]) {
        let (w, h) = self.img.dimensions();
        let px0 = (x0 * w as f32).round().clamp(0.0, w as f32 - 1.0) as i64;
        let py0 = (y0 * h as f32).round().clamp(0.0, h as f32 - 1.0) as i64;
        let px1 = ((x1 * w as f32).round() - 1.0).clamp(0.0, w as f32 - 1.0) as i64;
        let py1 = ((y1 * h as f32).round() - 1.0).clamp(0.0, h as f32 - 1.0) as i64;
        let t = t_px.max(1) as i64;
        for py in py0..=py1 {
            for px in px0..=px1 {
                let edge = px - px0 < t || px1 - px < t || py - py0 < t || py1 - py < t;
                if edge {
                    self.img.put_pixel(px as u32, py as u32, Rgb(rgb));
                }
            }
        }
    }

    /// A line segment of normalised thickness `t`.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, t: f32, rgb: [u8; 3]) {
        let half = (t / 2.0).max(0.5 / self.img.width() as f32);
        let bbox = (
            x0.min(x1) - half,
            y0.min(y1) - half,
            x0.max(x1) + half,
            y0.max(y1) + half,
        );
        self.fill_where(bbox, rgb, |x, y| seg_dist(x, y, x0, y0, x1, y1) <= half);
    }

    /// A point marker: a ring of normalised radius `r` with a contrasting centre dot.
    pub fn marker(&mut self, x: f32, y: f32, r: f32, ring: [u8; 3], centre: [u8; 3]) {
        let px = 1.0 / self.img.width() as f32;
        let r = r.max(2.0 * px);
        let inner = (r - 1.2 * px).max(px * 0.8);
        self.fill_where((x - r, y - r, x + r, y + r), ring, |a, b| {
            let d = ((a - x).powi(2) + (b - y).powi(2)).sqrt();
            d <= r && d >= inner
        });
        self.dot(x, y, centre);
    }

    /// Draws `text` with the built-in 3×5 mark font, `scale` pixels per font pixel,
    /// top-left at pixel `(px, py)`. Unknown characters are skipped.
    pub fn mark_text(&mut self, px: i64, py: i64, text: &str, scale: u32, rgb: [u8; 3]) {
        font::draw_mark_text(&mut self.img, px, py, text, scale, rgb);
    }

    /// Draws a mark letter with a 1-px halo of `halo` so it reads on any background.
    pub fn mark_text_halo(&mut self, px: i64, py: i64, text: &str, scale: u32, rgb: [u8; 3], halo: [u8; 3]) {
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)] {
            font::draw_mark_text(&mut self.img, px + dx, py + dy, text, scale, halo);
        }
        font::draw_mark_text(&mut self.img, px, py, text, scale, rgb);
    }

    /// Adds uniform noise of amplitude `amp` (0..255) to every channel.
    pub fn noise(&mut self, rng: &mut impl Rng, amp: u8) {
        if amp == 0 {
            return;
        }
        let a = i32::from(amp);
        for p in self.img.pixels_mut() {
            for c in p.0.iter_mut() {
                let v = i32::from(*c) + rng.random_range(-a..=a);
                *c = v.clamp(0, 255) as u8;
            }
        }
    }

    /// Multiplies every pixel by a per-position factor (lighting).
    pub fn shade(&mut self, factor: impl Fn(f32, f32) -> f32) {
        let (w, h) = self.img.dimensions();
        for py in 0..h {
            for px in 0..w {
                let (x, y) = self.centre(px, py);
                let f = factor(x, y);
                let p = self.img.get_pixel_mut(px, py);
                for c in p.0.iter_mut() {
                    *c = (f32::from(*c) * f).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
    }

    pub fn into_image(self) -> RgbImage {
        self.img
    }
}

/// Distance from point `(x, y)` to the segment `(x0, y0)–(x1, y1)`.
pub fn seg_dist(x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32) -> f32 {
    let (dx, dy) = (x1 - x0, y1 - y0);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((x - x0) * dx + (y - y0) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (x0 + t * dx, y0 + t * dy);
    ((x - qx).powi(2) + (y - qy).powi(2)).sqrt()
}

/// Linear interpolation between two colours.
pub fn lerp_rgb(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let mut out = [0u8; 3];
    for i in 0..3 {
        out[i] = (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t).round() as u8;
    }
    out
}

/// Grey level `v` in 0..=1 as a colour.
pub fn grey(v: f32) -> [u8; 3] {
    let g = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    [g, g, g]
}

/// Copies `src` into `dst` with its top-left at pixel `(x, y)` (clipped).
pub fn blit(dst: &mut RgbImage, src: &RgbImage, x: i64, y: i64) {
    for (sx, sy, p) in src.enumerate_pixels() {
        let (dx, dy) = (x + i64::from(sx), y + i64::from(sy));
        if dx >= 0 && dy >= 0 && (dx as u32) < dst.width() && (dy as u32) < dst.height() {
            dst.put_pixel(dx as u32, dy as u32, *p);
        }
    }
}

/// The ID backgrounds: light, plain or a soft gradient.
pub fn id_background(rng: &mut impl Rng) -> Background {
    let base = rng.random_range(225..=250u8);
    if rng.random_bool(0.5) {
        Background::Plain([base, base, base])
    } else {
        Background::Gradient([base, base, base], [base - 20, base - 15, base - 10])
    }
}

/// The OOD backgrounds: tinted stripes or checkerboards never seen in ID.
pub fn ood_background(rng: &mut impl Rng) -> Background {
    let a = [
        rng.random_range(170..=215u8),
        rng.random_range(170..=215u8),
        rng.random_range(170..=215u8),
    ];
    let b = [
        a[0].saturating_add(25),
        a[1].saturating_add(20),
        a[2].saturating_add(30),
    ];
    if rng.random_bool(0.5) {
        Background::Stripes(a, b, rng.random_range(0.06..0.14))
    } else {
        Background::Checker(a, b, rng.random_range(0.08..0.16))
    }
}
