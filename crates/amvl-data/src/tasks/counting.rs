//! counting: "How many red circles are there?" over a grid-jittered set of shapes.
//! OOD shift: the number of queried objects (1–5 in ID, 6–9 in OOD), with more objects in total
//! and striped/checkered backgrounds.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_color, any_shape, background, grid_cells, jitter_in_cell, numeric_distractors, place_at};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, PALETTE, Shape};
use crate::task::Setting;

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub background: Background,
    pub objects: Vec<Obj>,
    /// The queried kind: shape and palette colour.
    pub query: (Shape, usize),
    /// Option values (counts).
    pub options: Vec<i64>,
    /// The label the generator constructed (index of the right option).
    pub answer: usize,
}

pub struct Gen;

const GRID: usize = 4;
const N_COLORS: usize = 7;

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 4;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "number of queried objects",
        id: (1.0, 5.0),
        ood: (6.0, 9.0),
        summary: "more queried objects than ever seen in training (6-9 vs 1-5), more objects in total, striped/checkered backgrounds",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let (count, others) = match setting {
            Setting::Id => (rng.random_range(1..=5usize), rng.random_range(2..=6usize)),
            Setting::Ood => (rng.random_range(6..=9usize), rng.random_range(3..=6usize)),
        };
        let query = (any_shape(rng), any_color(rng, N_COLORS));
        let (cells, half) = grid_cells(rng, count + others, GRID);
        let mut objects = Vec::with_capacity(cells.len());
        for (k, cell) in cells.into_iter().enumerate() {
            let (shape, color) = if k < count {
                query
            } else {
                // A distractor: never the queried kind, often sharing its shape or colour.
                loop {
                    let s = if rng.random_bool(0.4) { query.0 } else { any_shape(rng) };
                    let c = if rng.random_bool(0.4) {
                        query.1
                    } else {
                        any_color(rng, N_COLORS)
                    };
                    if (s, c) != query {
                        break (s, c);
                    }
                }
            };
            let r = rng.random_range(0.075..0.105);
            let (x, y) = jitter_in_cell(rng, cell, half, r);
            objects.push(Obj {
                shape,
                color,
                x,
                y,
                r,
                rot: 0.0,
            });
        }
        // Shuffle drawing order so the queried objects are not always first.
        use rand::seq::SliceRandom;
        objects.shuffle(rng);
        let distract = numeric_distractors(rng, count as i64, 3, 0, 3);
        let options = place_at(rng, count as i64, distract, answer);
        Scene {
            background: background(rng, setting),
            objects,
            query,
            options,
            answer,
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut c = Canvas::new(size, size, s.background);
        for o in &s.objects {
            o.draw(&mut c);
        }
        vec![c.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let name = format!("{} {}", PALETTE[s.query.1].name, s.query.0.plural());
        let count = s.options[s.answer];
        let others = s.objects.len() as i64 - count;
        Described {
            question: format!("How many {name} are in the image?"),
            options: s.options.iter().map(|v| v.to_string()).collect(),
            answer: s.answer,
            rationale: format!("{name} {count} ; other objects {others} ; answer {count}"),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let mut n = 0i64;
        for o in &s.objects {
            if o.shape == s.query.0 && o.color == s.query.1 {
                n += 1;
            }
        }
        s.options.iter().position(|v| *v == n).unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        s.objects.iter().filter(|o| (o.shape, o.color) == s.query).count() as f32
    }
}
