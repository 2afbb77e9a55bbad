//! multi_view: two views of the same objects standing on a ground plane; how did the camera
//! move from image 1 to image 2 (left, right, forward, backward)? Views are rendered by a
//! pinhole projection. OOD shift: the size of the camera motion (smaller, subtler moves), with
//! more objects and new colours for sky and ground.

use image::RgbImage;
use rand::Rng as _;

use super::common::{any_color, any_shape, place_at};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, PALETTE, Shape};
use crate::task::Setting;

/// A camera motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    Left,
    Right,
    Forward,
    Backward,
}

impl Motion {
    pub const ALL: [Motion; 4] = [Motion::Left, Motion::Right, Motion::Forward, Motion::Backward];

    pub fn text(self) -> &'static str {
        match self {
            Motion::Left => "moved left",
            Motion::Right => "moved right",
            Motion::Forward => "moved forward",
            Motion::Backward => "moved backward",
        }
    }
}

/// An object in the world: `x` across, `z` ahead of the first camera, `size` its radius.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorldObj {
    pub shape: Shape,
    pub color: usize,
    pub x: f32,
    pub z: f32,
    pub size: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub objects: Vec<WorldObj>,
    /// Camera positions `(x, z)` for view 1 and view 2.
    pub cameras: [(f32, f32); 2],
    pub sky: [u8; 3],
    pub ground: [u8; 3],
    pub options: Vec<Motion>,
    pub answer: usize,
}

pub struct Gen;

const HORIZON: f32 = 0.4;
const FOCAL: f32 = 0.9;

/// Projection of an object into a view: screen centre `(x, y)` and radius; `None` if behind.
pub fn project(o: &WorldObj, cam: (f32, f32)) -> Option<(f32, f32, f32)> {
    let depth = o.z - cam.1;
    if depth <= 0.3 {
        return None;
    }
    let x = 0.5 + FOCAL * (o.x - cam.0) / depth;
    let base = HORIZON + 0.9 / depth;
    let r = FOCAL * o.size / depth;
    Some((x, base - r, r))
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 4;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "camera displacement (world units)",
        id: (0.5, 0.9),
        ood: (0.2, 0.4),
        summary: "smaller camera moves (0.2-0.4 vs 0.5-0.9), 5-7 instead of 3-5 objects, new sky/ground colours",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let mut options = Motion::ALL.to_vec();
        let correct = options[rng.random_range(0..4)];
        options.retain(|m| *m != correct);
        let options = place_at(rng, correct, options, answer);
        let (sky, ground) = match setting {
            Setting::Id => ([175, 210, 245], [140, 180, 110]),
            Setting::Ood => ([245, 200, 170], [170, 150, 130]),
        };
        loop {
            let (m, n) = match setting {
                Setting::Id => (rng.random_range(0.5..=0.9f32), rng.random_range(3..=5)),
                Setting::Ood => (rng.random_range(0.2..=0.4f32), rng.random_range(5..=7)),
            };
            let objects: Vec<WorldObj> = (0..n)
                .map(|_| WorldObj {
                    shape: any_shape(rng),
                    color: any_color(rng, 7),
                    x: rng.random_range(-1.4..1.4),
                    z: rng.random_range(2.5..6.0),
                    size: rng.random_range(0.18..0.3),
                })
                .collect();
            let c2 = match correct {
                Motion::Left => (-m, 0.0),
                Motion::Right => (m, 0.0),
                Motion::Forward => (0.0, m),
                Motion::Backward => (0.0, -m),
            };
            let cameras = [(0.0, 0.0), c2];
            // Every object must be on screen in both views.
            let visible = objects.iter().all(|o| {
                cameras
                    .iter()
                    .all(|c| project(o, *c).is_some_and(|(x, y, r)| x - r > 0.02 && x + r < 0.98 && y + r < 0.99))
            });
            if visible {
                return Scene {
                    objects,
                    cameras,
                    sky,
                    ground,
                    options,
                    answer,
                };
            }
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        s.cameras
            .iter()
            .map(|cam| {
                let mut c = Canvas::new(size, size, Background::Plain(s.sky));
                let g = s.ground;
                c.fill_where((0.0, HORIZON, 1.0, 1.0), g, |_, y| y >= HORIZON);
                let mut order: Vec<&WorldObj> = s.objects.iter().collect();
                order.sort_by(|a, b| b.z.total_cmp(&a.z));
                for o in order {
                    if let Some((x, y, r)) = project(o, *cam) {
                        c.shape(o.shape, x, y, r, 0.0, PALETTE[o.color].rgb);
                    }
                }
                c.into_image()
            })
            .collect()
    }

    fn describe(s: &Scene) -> Described {
        let m = s.options[s.answer];
        let cue = match m {
            Motion::Left => "objects shift right with the same size, near ones more",
            Motion::Right => "objects shift left with the same size, near ones more",
            Motion::Forward => "objects grow and spread outwards",
            Motion::Backward => "objects shrink and gather towards the centre",
        };
        Described {
            question: "How did the camera move between image 1 and image 2?".into(),
            options: s.options.iter().map(|m| m.text().to_string()).collect(),
            answer: s.answer,
            rationale: format!("{cue} ; the camera {}", m.text()),
        }
    }

    fn oracle(s: &Scene) -> usize {
        // Compare the projections of every object in the two views.
        let (mut dx, mut dscale, mut n) = (0.0f32, 0.0f32, 0.0f32);
        for o in &s.objects {
            if let (Some(a), Some(b)) = (project(o, s.cameras[0]), project(o, s.cameras[1])) {
                dx += b.0 - a.0;
                dscale += (b.2 / a.2).ln();
                n += 1.0;
            }
        }
        if n == 0.0 {
            return usize::MAX;
        }
        let (dx, dscale) = (dx / n, dscale / n);
        let m = if dscale.abs() > 0.02 {
            if dscale > 0.0 {
                Motion::Forward
            } else {
                Motion::Backward
            }
        } else if dx > 0.0 {
            Motion::Left
        } else {
            Motion::Right
        };
        s.options.iter().position(|o| *o == m).unwrap_or(usize::MAX)
    }

    fn shift_value(s: &Scene) -> f32 {
        let (a, b) = (s.cameras[0], s.cameras[1]);
        ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
    }
}
