//! spatial_relation: "Where is the red circle relative to the blue square?" (left of, right of,
//! above, below). OOD shift: the two named objects use colour–shape pairs never used in ID
//! (a pair (shape s, colour c) is "seen" when `(s + c)` is even), on new backgrounds.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, background, place_at};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, SHAPES};
use crate::task::Setting;

/// Where the first object is relative to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    LeftOf,
    RightOf,
    Above,
    Below,
}

impl Relation {
    pub const ALL: [Relation; 4] = [Relation::LeftOf, Relation::RightOf, Relation::Above, Relation::Below];

    pub fn text(self) -> &'static str {
        match self {
            Relation::LeftOf => "left of",
            Relation::RightOf => "right of",
            Relation::Above => "above",
            Relation::Below => "below",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub background: Background,
    /// The object asked about.
    pub a: Obj,
    /// The reference object.
    pub b: Obj,
    /// Unnamed extra objects.
    pub others: Vec<Obj>,
    pub options: Vec<Relation>,
    pub answer: usize,
}

pub struct Gen;

const N_COLORS: usize = 6;

fn shape_index(o: &Obj) -> usize {
    SHAPES.iter().position(|s| *s == o.shape).unwrap_or(0)
}

/// Whether a colour–shape pair belongs to the ID set.
pub fn pair_seen(shape: usize, color: usize) -> bool {
    (shape + color).is_multiple_of(2)
}

fn pick_pair(rng: &mut Rng, seen: bool, avoid: &[(usize, usize)]) -> (usize, usize) {
    loop {
        let s = rng.random_range(0..SHAPES.len());
        let c = rng.random_range(0..N_COLORS);
        if pair_seen(s, c) == seen && !avoid.contains(&(s, c)) {
            return (s, c);
        }
    }
}

fn far_from(objs: &[Obj], x: f32, y: f32, r: f32) -> bool {
    objs.iter()
        .all(|o| ((o.x - x).powi(2) + (o.y - y).powi(2)).sqrt() > o.r + r + 0.03)
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 4;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "named objects with unseen colour-shape pairs (fraction)",
        id: (0.0, 0.0),
        ood: (1.0, 1.0),
        summary: "the two named objects use colour-shape pairs never shown in ID; striped/checkered backgrounds",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let seen = setting == Setting::Id;
        let mut options = Relation::ALL.to_vec();
        let correct = options[rng.random_range(0..4)];
        options.retain(|r| *r != correct);
        let options = place_at(rng, correct, options, answer);
        loop {
            let pa = pick_pair(rng, seen, &[]);
            let pb = pick_pair(rng, seen, &[pa]);
            let (ra, rb) = (rng.random_range(0.08..0.12), rng.random_range(0.08..0.12));
            let main = rng.random_range(0.3..0.55);
            let side = rng.random_range(-0.35..0.35) * main;
            let (dx, dy) = match correct {
                Relation::LeftOf => (-main, side),
                Relation::RightOf => (main, side),
                Relation::Above => (side, -main),
                Relation::Below => (side, main),
            };
            let bx = rng.random_range(0.15..0.85);
            let by = rng.random_range(0.15..0.85);
            let (ax, ay) = (bx + dx, by + dy);
            if !(0.12..=0.88).contains(&ax) || !(0.12..=0.88).contains(&ay) {
                continue;
            }
            let a = Obj {
                shape: SHAPES[pa.0],
                color: pa.1,
                x: ax,
                y: ay,
                r: ra,
                rot: 0.0,
            };
            let b = Obj {
                shape: SHAPES[pb.0],
                color: pb.1,
                x: bx,
                y: by,
                r: rb,
                rot: 0.0,
            };
            let mut others = Vec::new();
            let n_others = rng.random_range(0..=2);
            let mut tries = 0;
            while others.len() < n_others && tries < 50 {
                tries += 1;
                let p = pick_pair(rng, seen, &[pa, pb]);
                let r = rng.random_range(0.06..0.09);
                let (x, y) = (rng.random_range(0.1..0.9), rng.random_range(0.1..0.9));
                let mut placed = vec![a, b];
                placed.extend(others.iter().copied());
                if far_from(&placed, x, y, r) {
                    others.push(Obj {
                        shape: SHAPES[p.0],
                        color: p.1,
                        x,
                        y,
                        r,
                        rot: 0.0,
                    });
                }
            }
            if !far_from(&[b], a.x, a.y, a.r) {
                continue;
            }
            return Scene {
                background: background(rng, setting),
                a,
                b,
                others,
                options,
                answer,
            };
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut c = Canvas::new(size, size, s.background);
        for o in s.others.iter().chain([&s.a, &s.b]) {
            o.draw(&mut c);
        }
        vec![c.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let rel = s.options[s.answer];
        let axis = match rel {
            Relation::LeftOf | Relation::RightOf => "horizontal",
            _ => "vertical",
        };
        Described {
            question: format!("Where is the {} relative to the {}?", s.a.name(), s.b.name()),
            options: s.options.iter().map(|r| r.text().to_string()).collect(),
            answer: s.answer,
            rationale: format!(
                "{} at {} ; {} at {} ; {axis} gap larger ; {} is {} the {}",
                s.a.name(),
                super::common::region_name(s.a.x, s.a.y),
                s.b.name(),
                super::common::region_name(s.b.x, s.b.y),
                s.a.name(),
                rel.text(),
                s.b.name()
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let (dx, dy) = (s.a.x - s.b.x, s.a.y - s.b.y);
        let rel = if dx.abs() > dy.abs() {
            if dx < 0.0 { Relation::LeftOf } else { Relation::RightOf }
        } else if dy < 0.0 {
            Relation::Above
        } else {
            Relation::Below
        };
        s.options.iter().position(|r| *r == rel).unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        let unseen = [&s.a, &s.b]
            .iter()
            .filter(|o| !pair_seen(shape_index(o), o.color))
            .count();
        unseen as f32 / 2.0
    }
}
