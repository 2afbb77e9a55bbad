//! relative_reflectance: a 4×4 mosaic of grey surfaces under a lighting gradient; two patches
//! are marked A and B. Which surface is lighter (albedo, not brightness in the picture), or
//! are they about the same? OOD shift: the lighting strength, and the light comes from a
//! vertical or diagonal direction instead of from the side.

use image::RgbImage;
use rand::Rng as _;

use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, grey};
use crate::task::Setting;

const G: usize = 4;
/// Albedos closer than this count as "about the same".
pub const SAME_TOL: f32 = 0.04;

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Albedo of each cell, row-major, in 0..1.
    pub albedo: Vec<f32>,
    /// Direction the light falls off towards (unit vector).
    pub light_dir: (f32, f32),
    /// Relative drop of illumination across the image.
    pub strength: f32,
    /// Cell indices of A and B.
    pub marked: [usize; 2],
    pub answer: usize,
}

pub struct Gen;

/// Illumination at a point: 1 at the lit side, `1 - strength` at the far side.
pub fn illumination(s: &Scene, x: f32, y: f32) -> f32 {
    let (dx, dy) = s.light_dir;
    let norm = dx.abs() + dy.abs();
    let proj = ((x - 0.5) * dx + (y - 0.5) * dy) / norm.max(1e-6) + 0.5;
    1.0 - s.strength * proj.clamp(0.0, 1.0)
}

fn cell_centre(k: usize) -> (f32, f32) {
    let step = 1.0 / G as f32;
    (((k % G) as f32 + 0.5) * step, ((k / G) as f32 + 0.5) * step)
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 3;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "lighting strength (relative illumination drop)",
        id: (0.2, 0.45),
        ood: (0.5, 0.7),
        summary: "stronger lighting gradient, from above or diagonal instead of from the side",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let (strength, light_dir) = match setting {
            Setting::Id => (
                rng.random_range(0.2..=0.45),
                if rng.random_bool(0.5) { (1.0, 0.0) } else { (-1.0, 0.0) },
            ),
            Setting::Ood => {
                // Rounded on purpose: the suite's items are a function of these values.
                #[allow(clippy::approx_constant)]
                let dirs = [
                    (0.0, 1.0),
                    (0.0, -1.0),
                    (0.7071, 0.7071),
                    (-0.7071, 0.7071),
                    (0.7071, -0.7071),
                    (-0.7071, -0.7071),
                ];
                (rng.random_range(0.5..=0.7), dirs[rng.random_range(0..dirs.len())])
            }
        };
        let mut albedo: Vec<f32> = (0..G * G)
            .map(|_| (rng.random_range(0.25..0.9f32) * 100.0).round() / 100.0)
            .collect();
        let a = rng.random_range(0..G * G);
        let b = loop {
            let b = rng.random_range(0..G * G);
            if b != a {
                break b;
            }
        };
        // answer 0: A lighter, 1: B lighter, 2: the same.
        let lo = (rng.random_range(0.3..0.65f32) * 100.0).round() / 100.0;
        let gap = (rng.random_range(0.12..0.25f32) * 100.0).round() / 100.0;
        let (va, vb) = match answer {
            0 => (lo + gap, lo),
            1 => (lo, lo + gap),
            _ => (lo, lo),
        };
        albedo[a] = va;
        albedo[b] = vb;
        Scene {
            albedo,
            light_dir,
            strength,
            marked: [a, b],
            answer,
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut c = Canvas::new(size, size, Background::Plain([0, 0, 0]));
        let step = 1.0 / G as f32;
        for (k, v) in s.albedo.iter().enumerate() {
            let (x0, y0) = ((k % G) as f32 * step, (k / G) as f32 * step);
            c.rect(x0, y0, x0 + step, y0 + step, grey(*v));
        }
        c.shade(|x, y| illumination(s, x, y));
        let scale = super::common::mark_scale(size);
        for (i, k) in s.marked.iter().enumerate() {
            let (cx, cy) = cell_centre(*k);
            let w = crate::raster::font::mark_text_width("A", scale) as i64;
            let px = (cx * size as f32) as i64 - w / 2;
            let py = (cy * size as f32) as i64 - (5 * scale as i64) / 2;
            c.mark_text_halo(px, py, ["A", "B"][i], scale, [220, 0, 0], [255, 255, 255]);
        }
        vec![c.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let [a, b] = s.marked;
        let (ca, cb) = (cell_centre(a), cell_centre(b));
        let (la, lb) = (illumination(s, ca.0, ca.1), illumination(s, cb.0, cb.1));
        let (sa, sb) = (s.albedo[a], s.albedo[b]);
        let verdict = match s.answer {
            0 => "A is lighter",
            1 => "B is lighter",
            _ => "about the same",
        };
        let light = if la > lb + 0.02 {
            "A is better lit"
        } else if lb > la + 0.02 {
            "B is better lit"
        } else {
            "both equally lit"
        };
        Described {
            question: "Ignoring the lighting, which marked surface is lighter in colour?".into(),
            options: vec!["surface A".into(), "surface B".into(), "about the same".into()],
            answer: s.answer,
            rationale: format!(
                "{light} ; seen brightness A {:.2} B {:.2} ; surface A {sa:.2} B {sb:.2} ; {verdict}",
                sa * la,
                sb * lb
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let (a, b) = (s.albedo[s.marked[0]], s.albedo[s.marked[1]]);
        if (a - b).abs() < SAME_TOL {
            2
        } else if a > b {
            0
        } else {
            1
        }
    }

    fn shift_value(s: &Scene) -> f32 {
        s.strength
    }
}
