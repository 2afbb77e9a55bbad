//! object_localization: one named object and two candidate boxes (red and blue); which box fits
//! the object? The right box hugs the object; the other is shifted, too big or too small.
//! OOD shift: the object's size (small objects anywhere in the image instead of large central
//! ones), with more distractor objects.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_shape, background, iou};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas};
use crate::task::Setting;

/// A box `(x0, y0, x1, y1)`, normalised.
pub type BoxN = (f32, f32, f32, f32);

/// Box colours, in option order.
pub const BOX_COLORS: [(&str, [u8; 3]); 2] = [("red", [230, 0, 0]), ("blue", [0, 60, 255])];

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub background: Background,
    pub target: Obj,
    pub others: Vec<Obj>,
    /// One box per option (red, blue).
    pub boxes: [BoxN; 2],
    pub answer: usize,
}

pub struct Gen;

/// Object colours that never clash with the box colours (green, yellow, purple, orange, cyan, black).
const OBJ_COLORS: [usize; 6] = [1, 3, 4, 5, 6, 7];

fn clamp_box(b: BoxN) -> BoxN {
    (b.0.max(0.0), b.1.max(0.0), b.2.min(1.0), b.3.min(1.0))
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 2;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "object radius (fraction of the image side)",
        id: (0.16, 0.26),
        ood: (0.07, 0.12),
        summary: "small objects placed anywhere (ID: large, central), 1-3 distractor objects, new backgrounds",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        loop {
            let (r, lo, hi, n_others) = match setting {
                Setting::Id => (rng.random_range(0.16..=0.26f32), 0.35, 0.65, rng.random_range(0..=1)),
                Setting::Ood => (rng.random_range(0.07..=0.12f32), 0.12, 0.88, rng.random_range(1..=3)),
            };
            let pick_color = |rng: &mut Rng| OBJ_COLORS[rng.random_range(0..OBJ_COLORS.len())];
            let target = Obj {
                shape: any_shape(rng),
                color: pick_color(rng),
                x: rng.random_range(lo..hi),
                y: rng.random_range(lo..hi),
                r,
                rot: 0.0,
            };
            let tb = target.bbox();
            let (w, h) = (tb.2 - tb.0, tb.3 - tb.1);
            let j = 0.04 * w.max(h);
            let good = clamp_box((
                tb.0 - rng.random_range(0.0..j),
                tb.1 - rng.random_range(0.0..j),
                tb.2 + rng.random_range(0.0..j),
                tb.3 + rng.random_range(0.0..j),
            ));
            let bad = match rng.random_range(0..3) {
                0 => {
                    // Shifted by 60–100% of the size.
                    let (dx, dy) = (
                        rng.random_range(0.6..1.0) * w * if rng.random_bool(0.5) { 1.0 } else { -1.0 },
                        rng.random_range(-0.5..0.5) * h,
                    );
                    (tb.0 + dx, tb.1 + dy, tb.2 + dx, tb.3 + dy)
                }
                1 => {
                    // Much too big.
                    let g = rng.random_range(0.45..0.8);
                    (tb.0 - g * w, tb.1 - g * h, tb.2 + g * w, tb.3 + g * h)
                }
                _ => {
                    // Much too small, off-centre.
                    let (cx, cy) = (
                        tb.0 + w * rng.random_range(0.25..0.75),
                        tb.1 + h * rng.random_range(0.25..0.75),
                    );
                    let (hw, hh) = (w * 0.22, h * 0.22);
                    (cx - hw, cy - hh, cx + hw, cy + hh)
                }
            };
            let bad = clamp_box(bad);
            if bad.2 - bad.0 < 0.04 || bad.3 - bad.1 < 0.04 || iou(bad, tb) > 0.45 || iou(good, tb) < 0.75 {
                continue;
            }
            let mut others: Vec<Obj> = Vec::new();
            let mut guard = 0;
            while others.len() < n_others && guard < 60 {
                guard += 1;
                let o = Obj {
                    shape: any_shape(rng),
                    color: pick_color(rng),
                    x: rng.random_range(0.1..0.9),
                    y: rng.random_range(0.1..0.9),
                    r: rng.random_range(0.06..0.1),
                    rot: 0.0,
                };
                let ob = o.bbox();
                let clear = [tb, good, bad].iter().all(|b| iou(ob, *b) == 0.0)
                    && others.iter().all(|p| iou(ob, p.bbox()) == 0.0)
                    && (o.shape, o.color) != (target.shape, target.color);
                if clear {
                    others.push(o);
                }
            }
            let boxes = if answer == 0 { [good, bad] } else { [bad, good] };
            return Scene {
                background: background(rng, setting),
                target,
                others,
                boxes,
                answer,
            };
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut c = Canvas::new(size, size, s.background);
        for o in s.others.iter().chain([&s.target]) {
            o.draw(&mut c);
        }
        for (b, (_, rgb)) in s.boxes.iter().zip(BOX_COLORS) {
            c.rect_outline(b.0, b.1, b.2, b.3, 1, rgb);
        }
        vec![c.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let tb = s.target.bbox();
        let other = 1 - s.answer;
        let ob = s.boxes[other];
        let (ow, tw) = (ob.2 - ob.0, tb.2 - tb.0);
        let why = if ow > tw * 1.3 {
            "too big"
        } else if ow < tw * 0.7 {
            "too small"
        } else {
            "shifted off the object"
        };
        Described {
            question: format!("Which box fits the {} best?", s.target.name()),
            options: BOX_COLORS.iter().map(|(n, _)| format!("{n} box")).collect(),
            answer: s.answer,
            rationale: format!(
                "{} at the {} ; {} box hugs it ; {} box is {why}",
                s.target.name(),
                super::common::region_name(s.target.x, s.target.y),
                BOX_COLORS[s.answer].0,
                BOX_COLORS[other].0
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let tb = s.target.bbox();
        if iou(s.boxes[0], tb) >= iou(s.boxes[1], tb) {
            0
        } else {
            1
        }
    }

    fn shift_value(s: &Scene) -> f32 {
        s.target.r
    }
}
