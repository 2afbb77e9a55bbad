//! visual_correspondence: image 1 marks a reference point; image 2 shows the same picture after
//! a camera change (shift and zoom in ID; plus rotation in OOD) with four candidate points
//! A–D. Which candidate is the reference point? OOD shift: the rotation angle (0 in ID,
//! 20°–45° in OOD) and a wider zoom range.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_color, any_shape, corners_background, labelled_marker, place_at};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas};
use crate::task::Setting;

/// A similarity transform about the image centre: `p' = s · R(θ) · (p − c) + c + t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    pub scale: f32,
    /// Radians, counter-clockwise on screen.
    pub angle: f32,
    pub shift: (f32, f32),
}

impl Similarity {
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (x - 0.5, y - 0.5);
        (
            0.5 + self.scale * (c * dx + s * dy) + self.shift.0,
            0.5 + self.scale * (-s * dx + c * dy) + self.shift.1,
        )
    }

    pub fn invert(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (
            (x - 0.5 - self.shift.0) / self.scale,
            (y - 0.5 - self.shift.1) / self.scale,
        );
        (0.5 + c * dx - s * dy, 0.5 + s * dx + c * dy)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub background: Background,
    pub objects: Vec<Obj>,
    pub transform: Similarity,
    /// The reference point in image 1.
    pub reference: (f32, f32),
    /// Candidate points in image 2, in label order (A–D).
    pub candidates: Vec<(f32, f32)>,
    pub answer: usize,
}

pub struct Gen;

const LABELS: [&str; 4] = ["A", "B", "C", "D"];

fn in_frame(p: (f32, f32), m: f32) -> bool {
    p.0 >= m && p.0 <= 1.0 - m && p.1 >= m && p.1 <= 1.0 - m
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 4;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "rotation between the views (degrees, absolute)",
        id: (0.0, 0.0),
        ood: (20.0, 45.0),
        summary: "the second view is also rotated by 20-45 degrees and zoomed 0.75-1.3x (ID: shift and 0.85-1.15x zoom only)",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        loop {
            let transform = match setting {
                Setting::Id => Similarity {
                    scale: rng.random_range(0.85..1.15),
                    angle: 0.0,
                    shift: (rng.random_range(-0.15..0.15), rng.random_range(-0.15..0.15)),
                },
                Setting::Ood => {
                    let deg: f32 = rng.random_range(20.0..=45.0);
                    let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    Similarity {
                        scale: rng.random_range(0.75..1.3),
                        angle: sign * deg.to_radians(),
                        shift: (rng.random_range(-0.15..0.15), rng.random_range(-0.15..0.15)),
                    }
                }
            };
            let objects: Vec<Obj> = (0..rng.random_range(6..=9))
                .map(|_| Obj {
                    shape: any_shape(rng),
                    color: any_color(rng, 8),
                    x: rng.random_range(0.05..0.95),
                    y: rng.random_range(0.05..0.95),
                    r: rng.random_range(0.06..0.13),
                    rot: rng.random_range(0.0..1.5),
                })
                .collect();
            // The reference point sits on an object so it is distinctive.
            let o = objects[rng.random_range(0..objects.len())];
            let reference = (
                o.x + rng.random_range(-0.3..0.3) * o.r,
                o.y + rng.random_range(-0.3..0.3) * o.r,
            );
            let target = transform.apply(reference);
            if !in_frame(reference, 0.1) || !in_frame(target, 0.1) {
                continue;
            }
            let mut distractors: Vec<(f32, f32)> = Vec::new();
            let mut guard = 0;
            while distractors.len() < 3 && guard < 200 {
                guard += 1;
                // Prefer points on other objects (seen through the transform).
                let p = if rng.random_bool(0.7) {
                    let q = objects[rng.random_range(0..objects.len())];
                    transform.apply((q.x, q.y))
                } else {
                    (rng.random_range(0.1..0.9), rng.random_range(0.1..0.9))
                };
                if in_frame(p, 0.1) && dist(p, target) > 0.2 && distractors.iter().all(|d| dist(*d, p) > 0.15) {
                    distractors.push(p);
                }
            }
            if distractors.len() < 3 {
                continue;
            }
            let candidates = place_at(rng, target, distractors, answer);
            return Scene {
                background: corners_background(rng),
                objects,
                transform,
                reference,
                candidates,
                answer,
            };
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut base = Canvas::new(size, size, s.background);
        for o in &s.objects {
            o.draw(&mut base);
        }
        let base = base.into_image();
        // View 2: inverse-map every pixel into view 1 (nearest neighbour; outside is grey).
        let mut view = Canvas::new(size, size, Background::Plain([128, 128, 128]));
        for py in 0..size {
            for px in 0..size {
                let q = view.centre(px, py);
                let (x, y) = s.transform.invert(q);
                if (0.0..1.0).contains(&x) && (0.0..1.0).contains(&y) {
                    let (sx, sy) = ((x * size as f32) as u32, (y * size as f32) as u32);
                    view.img
                        .put_pixel(px, py, *base.get_pixel(sx.min(size - 1), sy.min(size - 1)));
                }
            }
        }
        let mut first = Canvas { img: base };
        first.marker(s.reference.0, s.reference.1, 0.045, [220, 0, 0], [255, 255, 255]);
        for (k, p) in s.candidates.iter().enumerate() {
            labelled_marker(&mut view, p.0, p.1, LABELS[k], [220, 0, 0]);
        }
        vec![first.into_image(), view.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let t = s.transform;
        let mut moves = vec![format!("zoom {:.2}", t.scale)];
        if t.angle != 0.0 {
            moves.push(format!("rotation {:.0} degrees", t.angle.to_degrees().abs()));
        }
        let target = t.apply(s.reference);
        Described {
            question: "Image 2 shows the scene of image 1 from a moved camera. Which marked point in image 2 is the point marked in image 1?".into(),
            options: LABELS.iter().take(s.candidates.len()).map(|l| format!("point {l}")).collect(),
            answer: s.answer,
            rationale: format!(
                "marked point at the {} of image 1 ; view change: {} ; it lands at the {} of image 2 ; point {}",
                super::common::region_name(s.reference.0, s.reference.1),
                moves.join(" , "),
                super::common::region_name(target.0, target.1),
                LABELS[s.answer]
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let target = s.transform.apply(s.reference);
        s.candidates
            .iter()
            .enumerate()
            .min_by(|a, b| dist(*a.1, target).total_cmp(&dist(*b.1, target)))
            .map(|(k, _)| k)
            .unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        s.transform.angle.to_degrees().abs()
    }
}
