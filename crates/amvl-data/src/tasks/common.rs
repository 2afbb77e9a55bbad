//! Helpers shared by the generators: objects, placement, option lists, region names.

use rand::Rng as _;
use rand::seq::SliceRandom;

use super::Rng;
use crate::raster::{Background, Canvas, PALETTE, SHAPES, Shape, id_background, ood_background};
use crate::task::Setting;

/// One drawn object, in normalised coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obj {
    pub shape: Shape,
    /// Index into [`PALETTE`].
    pub color: usize,
    pub x: f32,
    pub y: f32,
    /// Circumradius.
    pub r: f32,
    /// Rotation in radians.
    pub rot: f32,
}

impl Obj {
    pub fn draw(&self, c: &mut Canvas) {
        c.shape(self.shape, self.x, self.y, self.r, self.rot, PALETTE[self.color].rgb);
    }

    pub fn contains(&self, x: f32, y: f32) -> bool {
        self.shape.contains(self.x, self.y, self.r, self.rot, x, y)
    }

    /// "red circle"
    pub fn name(&self) -> String {
        format!("{} {}", PALETTE[self.color].name, self.shape.name())
    }

    /// Axis-aligned bounding box `(x0, y0, x1, y1)` of the shape (exact for `rot == 0`,
    /// the circumscribed square otherwise).
    pub fn bbox(&self) -> (f32, f32, f32, f32) {
        let (x, y, r) = (self.x, self.y, self.r);
        if self.rot != 0.0 {
            return (x - r, y - r, x + r, y + r);
        }
        match self.shape {
            Shape::Circle | Shape::Diamond | Shape::Cross => (x - r, y - r, x + r, y + r),
            Shape::Square => (x - 0.8 * r, y - 0.8 * r, x + 0.8 * r, y + 0.8 * r),
            Shape::Triangle => (x - 0.866 * r, y - 0.85 * r, x + 0.866 * r, y + 0.65 * r),
        }
    }
}

/// Background for a setting: plain/gradient for ID, stripes/checker for OOD.
pub fn background(rng: &mut Rng, setting: Setting) -> Background {
    match setting {
        Setting::Id => id_background(rng),
        Setting::Ood => ood_background(rng),
    }
}

/// A four-corner background with distinct, mid-light colours (every place has its own colour).
pub fn corners_background(rng: &mut Rng) -> Background {
    let mut k = [[0u8; 3]; 4];
    for c in k.iter_mut() {
        for ch in c.iter_mut() {
            *ch = rng.random_range(90..=235);
        }
    }
    Background::Corners(k)
}

/// A random shape.
pub fn any_shape(rng: &mut Rng) -> Shape {
    SHAPES[rng.random_range(0..SHAPES.len())]
}

/// A random colour index among the first `n` palette colours.
pub fn any_color(rng: &mut Rng, n: usize) -> usize {
    rng.random_range(0..n.min(PALETTE.len()))
}

/// `n` cells of a `g × g` grid chosen without repetition, returned as cell centres and the
/// half-size of a cell. Objects of radius below half the cell never overlap.
pub fn grid_cells(rng: &mut Rng, n: usize, g: usize) -> (Vec<(f32, f32)>, f32) {
    let mut cells: Vec<usize> = (0..g * g).collect();
    cells.shuffle(rng);
    let step = 1.0 / g as f32;
    let out = cells
        .into_iter()
        .take(n)
        .map(|c| (((c % g) as f32 + 0.5) * step, ((c / g) as f32 + 0.5) * step))
        .collect();
    (out, step / 2.0)
}

/// Jitters a cell centre so a radius-`r` object stays inside its cell (with a 1% gap).
pub fn jitter_in_cell(rng: &mut Rng, (x, y): (f32, f32), half: f32, r: f32) -> (f32, f32) {
    let room = (half - r - 0.01).max(0.0);
    if room <= 0.0 {
        return (x, y);
    }
    (x + rng.random_range(-room..=room), y + rng.random_range(-room..=room))
}

/// Puts `correct` at index `slot` among the `distractors` (whose order is shuffled).
pub fn place_at<T>(rng: &mut Rng, correct: T, mut distractors: Vec<T>, slot: usize) -> Vec<T> {
    distractors.shuffle(rng);
    let slot = slot.min(distractors.len());
    distractors.insert(slot, correct);
    distractors
}

/// Distinct integers near `correct` (within `spread`, at least `lo`), none equal to it.
pub fn numeric_distractors(rng: &mut Rng, correct: i64, n: usize, lo: i64, spread: i64) -> Vec<i64> {
    let mut pool: Vec<i64> = ((correct - spread).max(lo)..=correct + spread)
        .filter(|v| *v != correct)
        .collect();
    pool.shuffle(rng);
    let mut out: Vec<i64> = pool.into_iter().take(n).collect();
    let mut extra = correct + spread + 1;
    while out.len() < n {
        out.push(extra);
        extra += 1;
    }
    out
}

/// Name of the region of the image a point falls in ("top left", "centre", …).
pub fn region_name(x: f32, y: f32) -> &'static str {
    let col = if x < 1.0 / 3.0 {
        0
    } else if x < 2.0 / 3.0 {
        1
    } else {
        2
    };
    let row = if y < 1.0 / 3.0 {
        0
    } else if y < 2.0 / 3.0 {
        1
    } else {
        2
    };
    [
        ["top left", "top", "top right"],
        ["left", "centre", "right"],
        ["bottom left", "bottom", "bottom right"],
    ][row][col]
}

/// Letter-mark scale for an image of `size` px (the 3×5 font at 1× up to 47 px, 2× above).
pub fn mark_scale(size: u32) -> u32 {
    if size >= 48 { 2 } else { 1 }
}

/// Draws a point marker with a letter next to it (right of the point, or left near the edge).
pub fn labelled_marker(c: &mut Canvas, x: f32, y: f32, label: &str, ring: [u8; 3]) {
    let size = c.width();
    let scale = mark_scale(size);
    c.marker(x, y, 0.045, ring, [255, 255, 255]);
    let px = (x * size as f32) as i64;
    let py = (y * c.height() as f32) as i64;
    let glyph_w = crate::raster::font::mark_text_width(label, scale) as i64;
    let off = (0.06 * size as f32).round() as i64 + 1;
    let lx = if px + off + glyph_w < size as i64 {
        px + off
    } else {
        px - off - glyph_w
    };
    let ly = (py - 5 * scale as i64 / 2).clamp(0, c.height() as i64 - 5 * scale as i64);
    c.mark_text_halo(lx, ly, label, scale, ring, [255, 255, 255]);
}

/// IoU of two boxes `(x0, y0, x1, y1)`.
pub fn iou(a: (f32, f32, f32, f32), b: (f32, f32, f32, f32)) -> f32 {
    let ix = (a.2.min(b.2) - a.0.max(b.0)).max(0.0);
    let iy = (a.3.min(b.3) - a.1.max(b.1)).max(0.0);
    let inter = ix * iy;
    let area = |r: (f32, f32, f32, f32)| (r.2 - r.0).max(0.0) * (r.3 - r.1).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}
