//! Byte mutations of a valid input, in the manner of coverage-free mutational fuzzers.

use rand::{RngExt, rngs::StdRng};

/// Numbers that break parsers: limits of integer types, zero, negatives, huge decimals.
const INTERESTING: &[&[u8]] = &[
    b"0",
    b"-1",
    b"255",
    b"65535",
    b"4294967295",
    b"18446744073709551615",
    b"99999999999999999999999",
    b"1e308",
    b"NaN",
    b"null",
    b"\"\"",
    b"[]",
    b"{}",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"\x7f\xff\xff\xff",
];

/// `input` changed by 1 to 8 random edits; `other` is spliced in by some of them.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    let edits = rng.random_range(1..=8);
    for _ in 0..edits {
        edit(&mut bytes, other, rng);
    }
    bytes
}

fn edit(bytes: &mut Vec<u8>, other: &[u8], rng: &mut StdRng) {
    let len = bytes.len();
    let at = |rng: &mut StdRng| if len == 0 { 0 } else { rng.random_range(0..len) };
    match rng.random_range(0..9) {
        0 if len > 0 => {
            let i = at(rng);
            bytes[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = at(rng);
            bytes[i] = rng.random();
        }
        2 => {
            let cut = rng.random_range(0..=len);
            bytes.truncate(cut);
        }
        3 if len > 0 => {
            let start = at(rng);
            let end = (start + rng.random_range(1..=64)).min(len);
            bytes.drain(start..end);
        }
        4 => {
            let i = rng.random_range(0..=len);
            let n = rng.random_range(1..=16);
            let noise: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            bytes.splice(i..i, noise);
        }
        5 if len > 0 => {
            let start = at(rng);
            let end = (start + rng.random_range(1..=256)).min(len);
            let copy = bytes[start..end].to_vec();
            let i = rng.random_range(0..=len);
            bytes.splice(i..i, copy);
        }
        6 => {
            let value = INTERESTING[rng.random_range(0..INTERESTING.len())];
            let i = rng.random_range(0..=len);
            let end = (i + value.len()).min(len);
            bytes.splice(i..end, value.iter().copied());
        }
        7 if !other.is_empty() => {
            let start = rng.random_range(0..other.len());
            let end = (start + rng.random_range(1..=512)).min(other.len());
            let i = rng.random_range(0..=len);
            bytes.splice(i..i, other[start..end].iter().copied());
        }
        _ if len > 0 => {
            let i = at(rng);
            bytes[i] = bytes[i].wrapping_add(rng.random_range(1..=35));
        }
        _ => bytes.push(rng.random()),
    }
}
