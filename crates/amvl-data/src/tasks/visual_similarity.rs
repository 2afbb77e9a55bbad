//! visual_similarity: image 1 shows a reference object; images 2–4 show candidates. Which is
//! most similar? The right one keeps shape and colour (with a small change of size, position and
//! turn); the others change the shape or the colour. OOD shift: pixel noise and
//! striped/checkered backgrounds behind the objects.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_color, any_shape, background, place_at};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, PALETTE};
use crate::task::Setting;

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub backgrounds: Vec<Background>,
    pub reference: Obj,
    pub candidates: Vec<Obj>,
    pub noise: u8,
    pub noise_seed: u64,
    pub answer: usize,
}

pub struct Gen;

/// Dissimilarity used by the oracle: shape and colour changes dominate size and turn.
pub fn distance(a: &Obj, b: &Obj) -> f32 {
    let shape = if a.shape == b.shape { 0.0 } else { 2.0 };
    let color = if a.color == b.color { 0.0 } else { 2.0 };
    shape + color + (a.r - b.r).abs() / a.r + 0.1 * (a.rot - b.rot).abs()
}

fn jittered(rng: &mut Rng, o: &Obj) -> Obj {
    Obj {
        r: o.r * rng.random_range(0.85..1.15),
        x: o.x + rng.random_range(-0.08..0.08),
        y: o.y + rng.random_range(-0.08..0.08),
        rot: o.rot + rng.random_range(-0.3..0.3),
        ..*o
    }
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 3;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "pixel noise amplitude (0-255)",
        id: (0.0, 0.0),
        ood: (10.0, 24.0),
        summary: "pixel noise and striped/checkered backgrounds that ID never shows",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let reference = Obj {
            shape: any_shape(rng),
            color: any_color(rng, 7),
            x: rng.random_range(0.4..0.6),
            y: rng.random_range(0.4..0.6),
            r: rng.random_range(0.2..0.3),
            rot: rng.random_range(0.0..0.8),
        };
        let correct = jittered(rng, &reference);
        let mut distractors = Vec::new();
        for k in 0..2 {
            let mut d = jittered(rng, &reference);
            // One distractor changes the shape, the other the colour (or both).
            let change_shape = k == 0 || rng.random_bool(0.3);
            let change_color = k == 1 || rng.random_bool(0.3);
            if change_shape {
                while d.shape == reference.shape {
                    d.shape = any_shape(rng);
                }
            }
            if change_color {
                while d.color == reference.color {
                    d.color = any_color(rng, 7);
                }
            }
            distractors.push(d);
        }
        let candidates = place_at(rng, correct, distractors, answer);
        let noise = match setting {
            Setting::Id => 0,
            Setting::Ood => rng.random_range(10..=24u8),
        };
        let backgrounds = (0..4).map(|_| background(rng, setting)).collect();
        Scene {
            backgrounds,
            reference,
            candidates,
            noise,
            noise_seed: rng.random(),
            answer,
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        use rand::SeedableRng;
        let mut r = Rng::seed_from_u64(s.noise_seed);
        std::iter::once(&s.reference)
            .chain(s.candidates.iter())
            .zip(&s.backgrounds)
            .map(|(o, bg)| {
                let mut c = Canvas::new(size, size, *bg);
                o.draw(&mut c);
                c.noise(&mut r, s.noise);
                c.into_image()
            })
            .collect()
    }

    fn describe(s: &Scene) -> Described {
        let mut parts = vec![format!("reference {}", s.reference.name())];
        for (k, c) in s.candidates.iter().enumerate() {
            let what = if k == s.answer {
                "same shape and colour".to_string()
            } else {
                let mut diffs = Vec::new();
                if c.shape != s.reference.shape {
                    diffs.push(format!("shape {}", c.shape.name()));
                }
                if c.color != s.reference.color {
                    diffs.push(format!("colour {}", PALETTE[c.color].name));
                }
                format!("different {}", diffs.join(" and "))
            };
            parts.push(format!("image {} {what}", k + 2));
        }
        parts.push(format!("closest image {}", s.answer + 2));
        Described {
            question: "Which of images 2 to 4 is most similar to image 1?".into(),
            options: (0..s.candidates.len()).map(|k| format!("image {}", k + 2)).collect(),
            answer: s.answer,
            rationale: parts.join(" ; "),
        }
    }

    fn oracle(s: &Scene) -> usize {
        s.candidates
            .iter()
            .enumerate()
            .min_by(|a, b| distance(&s.reference, a.1).total_cmp(&distance(&s.reference, b.1)))
            .map(|(k, _)| k)
            .unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        f32::from(s.noise)
    }
}
