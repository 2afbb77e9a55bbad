//! Two bitmap fonts, both embedded (no font files, no network):
//! a 3×5 "mark" font for letters and digits drawn inside task images, and the public-domain
//! 8×8 font of the `font8x8` crate for the text of contact sheets.

use image::{Rgb, RgbImage};

/// 3×5 glyphs, one `u8` per row, bit 2 = leftmost pixel.
fn mark_glyph(c: char) -> Option<[u8; 5]> {
    Some(match c.to_ascii_uppercase() {
        'A' => [0b010, 0b101, 0b111, 0b101, 0b101],
        'B' => [0b110, 0b101, 0b110, 0b101, 0b110],
        'C' => [0b011, 0b100, 0b100, 0b100, 0b011],
        'D' => [0b110, 0b101, 0b101, 0b101, 0b110],
        'E' => [0b111, 0b100, 0b110, 0b100, 0b111],
        'F' => [0b111, 0b100, 0b110, 0b100, 0b100],
        'G' => [0b011, 0b100, 0b101, 0b101, 0b011],
        'H' => [0b101, 0b101, 0b111, 0b101, 0b101],
        'R' => [0b110, 0b101, 0b110, 0b101, 0b101],
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b110, 0b001, 0b010, 0b100, 0b111],
        '3' => [0b110, 0b001, 0b010, 0b001, 0b110],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b110, 0b001, 0b110],
        '6' => [0b011, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b110],
        '?' => [0b110, 0b001, 0b010, 0b000, 0b010],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        ' ' => [0; 5],
        _ => return None,
    })
}

/// Width in pixels of `text` in the mark font at `scale` (4 px per glyph incl. spacing).
pub fn mark_text_width(text: &str, scale: u32) -> u32 {
    (text.chars().count() as u32 * 4).saturating_sub(1) * scale
}

fn put(img: &mut RgbImage, x: i64, y: i64, rgb: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, Rgb(rgb));
    }
}

/// Draws `text` in the 3×5 mark font with its top-left at `(x, y)`.
pub fn draw_mark_text(img: &mut RgbImage, x: i64, y: i64, text: &str, scale: u32, rgb: [u8; 3]) {
    let s = i64::from(scale.max(1));
    let mut cx = x;
    for ch in text.chars() {
        if let Some(rows) = mark_glyph(ch) {
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..3 {
                    if bits & (0b100 >> rx) != 0 {
                        for dy in 0..s {
                            for dx in 0..s {
                                put(img, cx + rx * s + dx, y + ry as i64 * s + dy, rgb);
                            }
                        }
                    }
                }
            }
        }
        cx += 4 * s;
    }
}

/// Width of one 8×8 glyph cell at scale 1.
pub const TEXT_CELL: u32 = 8;

/// Draws `text` with the 8×8 font (ASCII; other characters as `?`), top-left at `(x, y)`.
pub fn draw_text(img: &mut RgbImage, x: i64, y: i64, text: &str, rgb: [u8; 3]) {
    let mut cx = x;
    for ch in text.chars() {
        let code = if ch.is_ascii() { ch as usize } else { '?' as usize };
        let glyph = font8x8::legacy::BASIC_LEGACY[code];
        for (ry, row) in glyph.iter().enumerate() {
            for rx in 0..8 {
                if row & (1 << rx) != 0 {
                    put(img, cx + rx, y + ry as i64, rgb);
                }
            }
        }
        cx += i64::from(TEXT_CELL);
    }
}

/// Greedy word wrap to at most `cols` characters a line.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > cols {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let head: String = word.chars().take(cols).collect();
            word = word.chars().skip(cols).collect();
            lines.push(head);
        }
        if cur.is_empty() {
            cur = word;
        } else if cur.chars().count() + 1 + word.chars().count() <= cols {
            cur.push(' ');
            cur.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut cur, word));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_text() {
        let l = wrap("aaa bbb ccc dddddddddd", 7);
        assert_eq!(l, vec!["aaa bbb", "ccc", "ddddddd", "ddd"]);
    }

    #[test]
    fn marks_draw_pixels() {
        let mut img = RgbImage::new(8, 8);
        draw_mark_text(&mut img, 0, 0, "A", 1, [255, 0, 0]);
        assert_eq!(img.get_pixel(1, 0).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
    }
}
