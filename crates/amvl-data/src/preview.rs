//! Contact sheets: a few items per task, images with their question, options, answer and
//! rationale, drawn with the embedded 8×8 font, so a person can look at the data.

use std::path::Path;

use image::imageops::FilterType;
use image::{Rgb, RgbImage};

use crate::error::DataError;
use crate::image_io::save_png;
use crate::item::{Item, LETTERS};
use crate::raster::blit;
use crate::raster::font::{TEXT_CELL, draw_text, wrap};
use crate::suite::SuiteDataset;
use crate::task::{Split, Task};

/// Layout of a contact sheet.
#[derive(Clone, Copy, Debug)]
pub struct SheetLayout {
    /// Side of each image thumbnail, px.
    pub thumb: u32,
    /// Image slots per row.
    pub slots: u32,
    /// Characters per text line.
    pub cols: usize,
}

impl Default for SheetLayout {
    fn default() -> Self {
        Self {
            thumb: 96,
            slots: 4,
            cols: 64,
        }
    }
}

const PAD: u32 = 6;
const LINE: u32 = TEXT_CELL + 2;

fn thumbnail(img: &RgbImage, side: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let k = side as f32 / w.max(h).max(1) as f32;
    let (nw, nh) = (
        ((w as f32 * k).round() as u32).max(1),
        ((h as f32 * k).round() as u32).max(1),
    );
    let filter = if k >= 1.0 {
        FilterType::Nearest
    } else {
        FilterType::Triangle
    };
    image::imageops::resize(img, nw, nh, filter)
}

fn item_lines(item: &Item, cols: usize) -> Vec<(String, [u8; 3])> {
    let mut lines = vec![(format!("[{}] {}", item.task, item.id), [0, 0, 160])];
    for l in wrap(&item.question, cols) {
        lines.push((l, [0, 0, 0]));
    }
    for (k, o) in item.options.iter().enumerate() {
        let right = item.answer == Some(k);
        for l in wrap(&format!("({}) {o}", LETTERS[k]), cols) {
            lines.push((l, if right { [0, 130, 0] } else { [60, 60, 60] }));
        }
    }
    let ans = item
        .answer_letter()
        .map(|c| format!("answer: ({c})"))
        .unwrap_or_else(|| "answer: hidden".into());
    lines.push((ans, [0, 130, 0]));
    if let Some(r) = &item.rationale {
        for l in wrap(&format!("why: {r}"), cols) {
            lines.push((l, [120, 60, 0]));
        }
    }
    lines
}

/// Renders items as a contact sheet, one row per item.
pub fn contact_sheet(items: &[Item], layout: SheetLayout) -> RgbImage {
    let img_w = layout.slots * (layout.thumb + PAD) + PAD;
    let width = img_w + layout.cols as u32 * TEXT_CELL + PAD;
    let rows: Vec<(Vec<(String, [u8; 3])>, u32)> = items
        .iter()
        .map(|it| {
            let lines = item_lines(it, layout.cols);
            let h = (lines.len() as u32 * LINE).max(layout.thumb) + 2 * PAD;
            (lines, h)
        })
        .collect();
    let height = rows.iter().map(|r| r.1).sum::<u32>().max(1);
    let mut sheet = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let mut y = 0u32;
    for (k, (item, (lines, h))) in items.iter().zip(rows).enumerate() {
        if k % 2 == 1 {
            for yy in y..y + h {
                for xx in 0..width {
                    sheet.put_pixel(xx, yy, Rgb([244, 244, 250]));
                }
            }
        }
        for (s, img) in item.images.iter().take(layout.slots as usize).enumerate() {
            let t = thumbnail(img, layout.thumb);
            blit(
                &mut sheet,
                &t,
                i64::from(PAD + s as u32 * (layout.thumb + PAD)),
                i64::from(y + PAD),
            );
            draw_text(
                &mut sheet,
                i64::from(PAD + s as u32 * (layout.thumb + PAD)),
                i64::from(y + PAD + t.height() + 1),
                &format!("{}", s + 1),
                [150, 150, 150],
            );
        }
        for (n, (text, color)) in lines.iter().enumerate() {
            draw_text(
                &mut sheet,
                i64::from(img_w),
                i64::from(y + PAD + n as u32 * LINE),
                text,
                *color,
            );
        }
        y += h;
    }
    sheet
}

/// The first `per_task` items of each task of a suite split, grouped by task.
pub fn suite_preview_items(seed: u64, split: Split, tasks: &[Task], per_task: usize, image_size: u32) -> Vec<Item> {
    let ds = SuiteDataset::new(seed, split, tasks.to_vec(), per_task, image_size);
    let n = ds.tasks().len();
    let mut items = Vec::with_capacity(ds.len());
    for t in 0..n {
        for k in 0..per_task {
            items.push(ds.get(k * n + t));
        }
    }
    items
}

/// Writes a contact sheet PNG of a suite split.
pub fn write_suite_preview(
    seed: u64,
    split: Split,
    tasks: &[Task],
    per_task: usize,
    image_size: u32,
    out: &Path,
) -> Result<usize, DataError> {
    let items = suite_preview_items(seed, split, tasks, per_task, image_size);
    let sheet = contact_sheet(&items, SheetLayout::default());
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    }
    save_png(&sheet, out, "preview")?;
    Ok(items.len())
}
