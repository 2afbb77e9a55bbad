//! iq_test (RAVEN/PGM style): image 1 is a 2×3 grid of panels; the first row shows a rule, the
//! second row has two panels and a `?`. Each panel holds `count` copies of one shape in one
//! colour. Rules per attribute: count — constant, progression (±1), arithmetic (third = first +
//! second) or distribute-three; shape and colour — constant or distribute-three. Image 2 shows
//! four candidate panels numbered 1–4. OOD shift: the largest count in the item (counts up to
//! 4 in ID, at least one count of 5–7 in OOD).

use image::RgbImage;
use rand::Rng as _;
use rand::seq::SliceRandom;

use super::common::place_at;
use super::{Described, Generator, Rng, ShiftSpec};
use crate::raster::{Background, Canvas, PALETTE, SHAPES};
use crate::task::Setting;

/// One panel: how many objects, which shape (index into `SHAPES`), which colour (palette index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Panel {
    pub count: u8,
    pub shape: u8,
    pub color: u8,
}

/// The rule an attribute follows along each row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Constant,
    Progression(i8),
    Arithmetic,
    DistributeThree,
}

impl Rule {
    fn text(self) -> String {
        match self {
            Rule::Constant => "constant".into(),
            Rule::Progression(d) if d > 0 => format!("progression plus {d}"),
            Rule::Progression(d) => format!("progression minus {}", -d),
            Rule::Arithmetic => "arithmetic first plus second".into(),
            Rule::DistributeThree => "distribute three".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Row 1: three panels.
    pub row1: [Panel; 3],
    /// Row 2: the first two panels (the third is asked for).
    pub row2: [Panel; 2],
    pub candidates: Vec<Panel>,
    /// The rules the generator used (count, shape, colour), for the rationale.
    pub rules: [Rule; 3],
    pub answer: usize,
}

pub struct Gen;

const N_COLORS: u8 = 6;

/// Values of row 2's third panel consistent with a rule inferred from row 1 alone.
/// Every rule consistent with row 1 is tried; `None` if they disagree or none fits.
pub fn infer(row1: [i32; 3], row2: [i32; 2], numeric: bool) -> Option<i32> {
    let [a, b, c] = row1;
    let mut preds = Vec::new();
    if a == b && b == c {
        preds.push(row2[1]);
    }
    if numeric && b - a == c - b && b != a {
        preds.push(row2[1] + (b - a));
    }
    if numeric && c == a + b {
        preds.push(row2[0] + row2[1]);
    }
    if a != b && b != c && a != c {
        let set = [a, b, c];
        if row2[0] != row2[1]
            && set.contains(&row2[0])
            && set.contains(&row2[1])
            && let Some(v) = set.iter().find(|v| **v != row2[0] && **v != row2[1])
        {
            preds.push(*v);
        }
    }
    let first = *preds.first()?;
    preds.iter().all(|p| *p == first).then_some(first)
}

/// The panel the rules predict for the `?`, from the scene's panels alone.
pub fn predict(s: &Scene) -> Option<Panel> {
    let attr = |f: fn(&Panel) -> u8, numeric: bool| {
        infer(
            [f(&s.row1[0]) as i32, f(&s.row1[1]) as i32, f(&s.row1[2]) as i32],
            [f(&s.row2[0]) as i32, f(&s.row2[1]) as i32],
            numeric,
        )
    };
    let count = attr(|p| p.count, true)?;
    let shape = attr(|p| p.shape, false)?;
    let color = attr(|p| p.color, false)?;
    Some(Panel {
        count: u8::try_from(count).ok()?,
        shape: u8::try_from(shape).ok()?,
        color: u8::try_from(color).ok()?,
    })
}

/// Draws two rows of values for one attribute under a rule; `None` if out of range.
fn rows_for(rng: &mut Rng, rule: Rule, lo: i32, hi: i32) -> Option<([i32; 3], [i32; 3])> {
    let r = |rng: &mut Rng| rng.random_range(lo..=hi);
    let (r1, r2) = match rule {
        Rule::Constant => {
            let (x, y) = (r(rng), r(rng));
            ([x; 3], [y; 3])
        }
        Rule::Progression(d) => {
            let d = i32::from(d);
            let (x, y) = (r(rng), r(rng));
            ([x, x + d, x + 2 * d], [y, y + d, y + 2 * d])
        }
        Rule::Arithmetic => {
            let (x1, x2, y1, y2) = (r(rng), r(rng), r(rng), r(rng));
            ([x1, x2, x1 + x2], [y1, y2, y1 + y2])
        }
        Rule::DistributeThree => {
            let mut vals: Vec<i32> = (lo..=hi).collect();
            vals.shuffle(rng);
            if vals.len() < 3 {
                return None;
            }
            let set = [vals[0], vals[1], vals[2]];
            let shift = rng.random_range(1..=2);
            (
                [set[0], set[1], set[2]],
                [set[shift % 3], set[(shift + 1) % 3], set[(shift + 2) % 3]],
            )
        }
    };
    let ok = r1.iter().chain(r2.iter()).all(|v| (lo..=hi).contains(v));
    ok.then_some((r1, r2))
}

fn count_rule(rng: &mut Rng) -> Rule {
    match rng.random_range(0..5) {
        0 => Rule::Constant,
        1 => Rule::Progression(1),
        2 => Rule::Progression(-1),
        3 => Rule::Arithmetic,
        _ => Rule::DistributeThree,
    }
}

fn cat_rule(rng: &mut Rng) -> Rule {
    if rng.random_bool(0.5) {
        Rule::Constant
    } else {
        Rule::DistributeThree
    }
}

impl Generator for Gen {
    type Scene = Scene;
    const N_OPTIONS: usize = 4;
    const SHIFT: ShiftSpec = ShiftSpec {
        parameter: "largest object count in any panel",
        id: (1.0, 4.0),
        ood: (5.0, 7.0),
        summary: "panels with 5-7 objects (ID never exceeds 4), so count rules run over unseen values",
    };

    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
        let max_count = match setting {
            Setting::Id => 4,
            Setting::Ood => 7,
        };
        loop {
            let rules = [count_rule(rng), cat_rule(rng), cat_rule(rng)];
            let Some((c1, c2)) = rows_for(rng, rules[0], 1, max_count) else {
                continue;
            };
            let Some((s1, s2)) = rows_for(rng, rules[1], 0, SHAPES.len() as i32 - 1) else {
                continue;
            };
            let Some((k1, k2)) = rows_for(rng, rules[2], 0, i32::from(N_COLORS) - 1) else {
                continue;
            };
            let panel = |c: i32, s: i32, k: i32| Panel {
                count: c as u8,
                shape: s as u8,
                color: k as u8,
            };
            let row1 = [
                panel(c1[0], s1[0], k1[0]),
                panel(c1[1], s1[1], k1[1]),
                panel(c1[2], s1[2], k1[2]),
            ];
            let row2 = [panel(c2[0], s2[0], k2[0]), panel(c2[1], s2[1], k2[1])];
            let correct = panel(c2[2], s2[2], k2[2]);
            let largest = c1.iter().chain(c2.iter()).copied().max().unwrap_or(1);
            if setting == Setting::Ood && largest < 5 {
                continue;
            }
            // Distractors: change one or two attributes of the right panel.
            let mut distractors: Vec<Panel> = Vec::new();
            let mut guard = 0;
            while distractors.len() < 3 && guard < 100 {
                guard += 1;
                let mut d = correct;
                match rng.random_range(0..4) {
                    0 => d.count = rng.random_range(1..=max_count) as u8,
                    1 => d.shape = rng.random_range(0..SHAPES.len()) as u8,
                    2 => d.color = rng.random_range(0..N_COLORS),
                    _ => {
                        d.count = rng.random_range(1..=max_count) as u8;
                        d.shape = rng.random_range(0..SHAPES.len()) as u8;
                    }
                }
                if setting == Setting::Id && d.count > 4 {
                    continue;
                }
                if d != correct && !distractors.contains(&d) {
                    distractors.push(d);
                }
            }
            if distractors.len() < 3 {
                continue;
            }
            let candidates = place_at(rng, correct, distractors, answer);
            let scene = Scene {
                row1,
                row2,
                candidates,
                rules,
                answer,
            };
            // Keep only items whose row 1 determines the answer without ambiguity.
            if predict(&scene) == Some(correct) {
                return scene;
            }
        }
    }

    fn render(s: &Scene, size: u32) -> Vec<RgbImage> {
        let bg = Background::Plain([250, 250, 250]);
        // Image 1: 2 rows × 3 columns.
        let mut grid = Canvas::new(size, size, bg);
        let (pw, ph) = (1.0 / 3.0, 0.5);
        let panels: Vec<Option<&Panel>> = s
            .row1
            .iter()
            .map(Some)
            .chain(s.row2.iter().map(Some))
            .chain([None])
            .collect();
        for (k, p) in panels.iter().enumerate() {
            let (x0, y0) = ((k % 3) as f32 * pw, (k / 3) as f32 * ph);
            grid.rect_outline(x0, y0, x0 + pw, y0 + ph, 1, [120, 120, 120]);
            match p {
                Some(p) => draw_panel(&mut grid, p, (x0, y0, pw, ph)),
                None => {
                    let scale = super::common::mark_scale(size) + 1;
                    let w = crate::raster::font::mark_text_width("?", scale) as f32;
                    let px = ((x0 + pw / 2.0) * size as f32 - w / 2.0) as i64;
                    let py = ((y0 + ph / 2.0) * size as f32) as i64 - 5 * scale as i64 / 2;
                    grid.mark_text(px, py, "?", scale, [0, 0, 0]);
                }
            }
        }
        // Image 2: candidates in a 2×2 grid, numbered.
        let mut cands = Canvas::new(size, size, bg);
        let scale = super::common::mark_scale(size);
        for (k, p) in s.candidates.iter().enumerate() {
            let (x0, y0) = ((k % 2) as f32 * 0.5, (k / 2) as f32 * 0.5);
            cands.rect_outline(x0, y0, x0 + 0.5, y0 + 0.5, 1, [120, 120, 120]);
            let label_h = (5 * scale + 3) as f32 / size as f32;
            draw_panel(&mut cands, p, (x0, y0 + label_h, 0.5, 0.5 - label_h));
            cands.mark_text(
                (x0 * size as f32) as i64 + 2,
                (y0 * size as f32) as i64 + 2,
                &(k + 1).to_string(),
                scale,
                [0, 0, 0],
            );
        }
        vec![grid.into_image(), cands.into_image()]
    }

    fn describe(s: &Scene) -> Described {
        let c = s.candidates[s.answer];
        let name = |p: &Panel| {
            format!(
                "{} {} {}",
                p.count,
                PALETTE[p.color as usize].name,
                SHAPES[p.shape as usize].name()
            )
        };
        Described {
            question: "Image 1 shows two rows of panels that follow the same rules; which panel of image 2 replaces the question mark?".into(),
            options: (0..s.candidates.len()).map(|k| format!("panel {}", k + 1)).collect(),
            answer: s.answer,
            rationale: format!(
                "count {} ; shape {} ; colour {} ; row 2 ends with {} ; panel {}",
                s.rules[0].text(),
                s.rules[1].text(),
                s.rules[2].text(),
                name(&c),
                s.answer + 1
            ),
        }
    }

    fn oracle(s: &Scene) -> usize {
        match predict(s) {
            Some(p) => s.candidates.iter().position(|c| *c == p).unwrap_or(usize::MAX),
            None => usize::MAX,
        }
    }

    fn shift_value(s: &Scene) -> f32 {
        s.row1
            .iter()
            .chain(s.row2.iter())
            .chain(s.candidates.get(s.answer))
            .map(|p| p.count)
            .max()
            .unwrap_or(0) as f32
    }
}

/// Object positions (in a unit cell) for `n` objects.
fn layout(n: u8) -> Vec<(f32, f32)> {
    match n {
        0 => vec![],
        1 => vec![(0.5, 0.5)],
        2 => vec![(0.27, 0.5), (0.73, 0.5)],
        3 => vec![(0.5, 0.27), (0.27, 0.73), (0.73, 0.73)],
        4 => vec![(0.27, 0.27), (0.73, 0.27), (0.27, 0.73), (0.73, 0.73)],
        _ => (0..n as usize)
            .map(|k| (((k % 3) as f32 + 0.5) / 3.0, ((k / 3) as f32 + 0.5) / 3.0))
            .collect(),
    }
}

fn draw_panel(c: &mut Canvas, p: &Panel, (x0, y0, w, h): (f32, f32, f32, f32)) {
    let pos = layout(p.count);
    let per_row = if p.count <= 4 { 2.0 } else { 3.0 };
    let r = (w.min(h) / per_row) * 0.36;
    for (u, v) in pos {
        let (x, y) = (x0 + u * w, y0 + v * h);
        c.shape(SHAPES[p.shape as usize], x, y, r, 0.0, PALETTE[p.color as usize].rgb);
    }
}
