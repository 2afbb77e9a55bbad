//! jigsaw: image 1 has a square hole; images 2–4 are candidate patches cut from the same
//! picture. Which one fills the hole? The background blends four corner colours, so every
//! place has its own colour, and objects cross the hole's edges. OOD shift: the hole size,
//! with pixel noise.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_color, any_shape, corners_background, place_at, region_name};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas};
use crate::task::Setting;

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub background: Background,
    pub objects: Vec<Obj>,
    /// Side of the (square) hole and of every patch, normalised.
    pub hole_size: f32,
    /// Top-left corner of the hole.
    pub hole: (f32, f32),
    /// Top-left corners of the places each candidate patch was cut from.
    pub sources: Vec<(f32, f32)>,
    pub noise: u8,
    pub noise_seed: u64,
    pub answer: usize,
}

pub struct Gen;

/// Pixel rectangle of a normalised square `(x, y, side)` at `size` px (never empty).
fn px_rect(size: u32, (x, y): (f32, f32), side: f32) -> (u32, u32, u32) {
    let s = size as f32;
    let side_px = ((side * s).round() as u32).max(1);
    let x0 = ((x * s).round() as u32).min(size - side_px);
    let y0 = ((y * s).round() as u32).min(size - side_px);
    (x0, y0, side_px)
}

fn picture(s: &Scene, size: u32) -> RgbImage {
    let mut c = Canvas::new(size, size, s.background);
    for o in &s.objects {
        o.draw(&mut c);
    }
    if s.noise > 0 {
        use rand::SeedableRng;
        let mut r = Rng::seed_from_u64(s.noise_seed);
        c.noise(&mut r, s.noise);
    }
    c.into_image()
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 3;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "hole size (fraction of the image side)",
        id: (0.25, 0.32),
        ood: (0.38, 0.45),
        summary: "larger holes and patches (0.38-0.45 vs 0.25-0.32 of the side), pixel noise",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let (hole_size, noise) = match setting {
            Setting::Id => (rng.random_range(0.25..=0.32f32), 0u8),
            Setting::Ood => (rng.random_range(0.38..=0.45f32), rng.random_range(8..=16u8)),
        };
        let background = corners_background(rng);
        let hole = (
            rng.random_range(0.0..=1.0 - hole_size),
            rng.random_range(0.0..=1.0 - hole_size),
        );
        let mut objects = Vec::new();
        // One object straddling the hole, so its edges continue into the patch.
        let (hx, hy) = (
            hole.0 + hole_size * rng.random_range(0.2..0.8),
            hole.1 + hole_size * rng.random_range(0.2..0.8),
        );
        objects.push(Obj {
            shape: any_shape(rng),
            color: any_color(rng, 7),
            x: hx,
            y: hy,
            r: rng.random_range(0.1..0.16),
            rot: rng.random_range(0.0..1.5),
        });
        for _ in 0..rng.random_range(3..=6) {
            objects.push(Obj {
                shape: any_shape(rng),
                // Never black: the hole is black.
                color: any_color(rng, 7),
                x: rng.random_range(0.05..0.95),
                y: rng.random_range(0.05..0.95),
                r: rng.random_range(0.07..0.14),
                rot: rng.random_range(0.0..1.5),
            });
        }
        // Distractor sources: far enough from the hole (and each other) to look different.
        let min_gap = hole_size * 0.6;
        let mut distractors: Vec<(f32, f32)> = Vec::new();
        while distractors.len() < 2 {
            let p = (
                rng.random_range(0.0..=1.0 - hole_size),
                rng.random_range(0.0..=1.0 - hole_size),
            );
            let far = |q: &(f32, f32)| (p.0 - q.0).abs().max((p.1 - q.1).abs()) >= min_gap;
            if far(&hole) && distractors.iter().all(far) {
                distractors.push(p);
            }
        }
        let sources = place_at(rng, hole, distractors, answer);
        Scene {
            background,
            objects,
            hole_size,
            hole,
            sources,
            noise,
            noise_seed: rng.random(),
            answer,
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let full = picture(s, size);
        let mut holed = full.clone();
        let (hx, hy, side) = px_rect(size, s.hole, s.hole_size);
        for y in hy..hy + side {
            for x in hx..hx + side {
                holed.put_pixel(x, y, image::Rgb([0, 0, 0]));
            }
        }
        let mut out = vec![holed];
        for src in &s.sources {
            let (x0, y0, side) = px_rect(size, *src, s.hole_size);
            out.push(image::imageops::crop_imm(&full, x0, y0, side, side).to_image());
        }
        out
    }

    fn describe(s: &Scene) -> Described {
        let n = s.sources.len();
        let mut parts = vec![format!(
            "hole at the {}",
            region_name(s.hole.0 + s.hole_size / 2.0, s.hole.1 + s.hole_size / 2.0)
        )];
        for (k, src) in s.sources.iter().enumerate() {
            if k != s.answer {
                parts.push(format!(
                    "image {} comes from the {}",
                    k + 2,
                    region_name(src.0 + s.hole_size / 2.0, src.1 + s.hole_size / 2.0)
                ));
            }
        }
        parts.push(format!(
            "image {} continues the colours and edges around the hole",
            s.answer + 2
        ));
        Described {
            question: "Which patch fills the black hole in image 1?".into(),
            options: (0..n).map(|k| format!("image {}", k + 2)).collect(),
            answer: s.answer,
            rationale: parts.join(" ; "),
        }
    }

    fn oracle(s: &Scene) -> usize {
        // The right patch is the one cut from the hole's own place.
        s.sources
            .iter()
            .enumerate()
            .min_by(|a, b| {
                let d = |p: &(f32, f32)| (p.0 - s.hole.0).abs() + (p.1 - s.hole.1).abs();
                d(a.1).total_cmp(&d(b.1))
            })
            .map(|(k, _)| k)
            .unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        s.hole_size
    }
}
