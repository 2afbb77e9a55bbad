//! relative_depth: two points, A and B, marked on objects standing on a ground plane; which is
//! closer to the camera? Cues: objects further away are smaller and stand higher (nearer the
//! horizon), and near objects occlude far ones. OOD shift: the horizon height (camera pitch),
//! and more objects on new ground/sky colours.

use image::RgbImage;
use rand::Rng as _;

use super::common::{Obj, any_color, any_shape, labelled_marker};
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, lerp_rgb};
use crate::task::Setting;

/// An object at depth `z` (1 = nearest, larger = further).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthObj {
    pub obj: Obj,
    pub z: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Normalised y of the horizon.
    pub horizon: f32,
    pub sky: [u8; 3],
    pub ground_near: [u8; 3],
    pub ground_far: [u8; 3],
    pub objects: Vec<DepthObj>,
    /// Marked points, in label order (A, B).
    pub points: [(f32, f32); 2],
    pub answer: usize,
}

pub struct Gen;

/// Screen geometry of an object standing at depth `z`, horizontal position `x`.
fn place(horizon: f32, x: f32, z: f32) -> (f32, f32, f32) {
    let base = horizon + (0.97 - horizon) / z;
    let r = 0.17 / z;
    (x, base - r * 0.85, r)
}

/// Depth of the surface seen at a point: the nearest object containing it, else the ground
/// (whose depth follows from the horizon), else the sky (infinitely far).
pub fn depth_at(s: &Scene, x: f32, y: f32) -> f32 {
    let mut best: Option<f32> = None;
    for o in &s.objects {
        if o.obj.contains(x, y) && best.is_none_or(|b| o.z < b) {
            best = Some(o.z);
        }
    }
    best.unwrap_or_else(|| {
        if y > s.horizon {
            (0.97 - s.horizon) / (y - s.horizon)
        } else {
            f32::INFINITY
        }
    })
}

fn visible_point(rng: &mut Rng, objects: &[DepthObj], k: usize) -> Option<(f32, f32)> {
    let o = objects[k];
    for _ in 0..60 {
        let x = o.obj.x + rng.random_range(-0.6..0.6) * o.obj.r;
        let y = o.obj.y + rng.random_range(-0.6..0.6) * o.obj.r;
        if !(0.06..0.94).contains(&x) || !(0.06..0.94).contains(&y) {
            continue;
        }
        // The point and a small ring around it must be on this object and not hidden.
        let ring = 0.02;
        let ok = [(0.0, 0.0), (ring, 0.0), (-ring, 0.0), (0.0, ring), (0.0, -ring)]
            .iter()
            .all(|(dx, dy)| {
                let (px, py) = (x + dx, y + dy);
                o.obj.contains(px, py)
                    && objects
                        .iter()
                        .enumerate()
                        .all(|(j, q)| j == k || q.z >= o.z || !q.obj.contains(px, py))
            });
        if ok {
            return Some((x, y));
        }
    }
    None
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 2;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "horizon height (normalised y)",
        id: (0.28, 0.42),
        ood: (0.5, 0.62),
        summary: "a lower horizon (another camera pitch), 5-7 instead of 3-5 objects, new sky/ground colours",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        loop {
            let (horizon, n) = match setting {
                Setting::Id => (rng.random_range(0.28..=0.42), rng.random_range(3..=5)),
                Setting::Ood => (rng.random_range(0.5..=0.62), rng.random_range(5..=7)),
            };
            let (sky, near, far) = match setting {
                Setting::Id => ([170, 205, 240], [120, 170, 90], [170, 200, 140]),
                Setting::Ood => ([235, 190, 150], [150, 130, 110], [200, 185, 160]),
            };
            let mut objects = Vec::new();
            for _ in 0..n {
                let z = rng.random_range(1.0..4.0f32);
                let (x, y, r) = place(horizon, rng.random_range(0.12..0.88), z);
                let obj = Obj {
                    shape: any_shape(rng),
                    color: any_color(rng, 7),
                    x,
                    y,
                    r,
                    rot: 0.0,
                };
                objects.push(DepthObj { obj, z });
            }
            // Two objects at clearly different depths.
            let i = rng.random_range(0..n);
            let j = rng.random_range(0..n);
            if i == j || (objects[i].z - objects[j].z).abs() < 0.6 {
                continue;
            }
            let (Some(pi), Some(pj)) = (visible_point(rng, &objects, i), visible_point(rng, &objects, j)) else {
                continue;
            };
            if ((pi.0 - pj.0).powi(2) + (pi.1 - pj.1).powi(2)).sqrt() < 0.15 {
                continue;
            }
            let (near_p, far_p) = if objects[i].z < objects[j].z {
                (pi, pj)
            } else {
                (pj, pi)
            };
            // Label so that the nearer point carries the letter at `answer`.
            let points = if answer == 0 { [near_p, far_p] } else { [far_p, near_p] };
            return Scene {
                horizon,
                sky,
                ground_near: near,
                ground_far: far,
                objects,
                points,
                answer,
            };
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let mut c = Canvas::new(size, size, Background::Plain(s.sky));
        let (h, near, far) = (s.horizon, s.ground_near, s.ground_far);
        c.fill_where((0.0, h, 1.0, 1.0), near, |_, y| y >= h);
        // Ground shading: lighter towards the horizon (aerial perspective).
        let w = c.width();
        for py in 0..c.height() {
            let (_, y) = c.centre(0, py);
            if y >= h {
                let t = ((y - h) / (1.0 - h)).sqrt();
                let col = lerp_rgb(far, near, t);
                for px in 0..w {
                    c.img.put_pixel(px, py, image::Rgb(col));
                }
            }
        }
        let mut order: Vec<&DepthObj> = s.objects.iter().collect();
        order.sort_by(|a, b| b.z.total_cmp(&a.z));
        for o in order {
            o.obj.draw(&mut c);
        }
        for (k, p) in s.points.iter().enumerate() {
            labelled_marker(&mut c, p.0, p.1, ["A", "B"][k], [200, 0, 0]);
        }
        vec![c.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let za = depth_at(s, s.points[0].0, s.points[0].1);
        let zb = depth_at(s, s.points[1].0, s.points[1].1);
        let near = ["A", "B"][s.answer];
        let far = ["A", "B"][1 - s.answer];
        let (zn, zf) = if s.answer == 0 { (za, zb) } else { (zb, za) };
        Described {
            question: "Which marked point is closer to the camera?".into(),
            options: vec!["point A".into(), "point B".into()],
            answer: s.answer,
            rationale: format!(
                "point {near} is on a larger object lower in the image (depth {zn:.1}) ; point {far} is on a smaller, higher object (depth {zf:.1}) ; {near} is closer"
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        let za = depth_at(s, s.points[0].0, s.points[0].1);
        let zb = depth_at(s, s.points[1].0, s.points[1].1);
        if za < zb { 0 } else { 1 }
    }

    fn shift_value(s: &Scene) -> f32 {
        s.horizon
    }
}
