//! Vectorised `exp` and `sigmoid` for f32 slices.
//!
//! `exp_f32` has no branches and no calls, so a loop over it compiles to SIMD code; the loops
//! below run inside `macerator::with_simd` trampolines, which compile them for the best
//! instruction set of the CPU found at run time (AVX-512 and AVX2 on x86-64).

use macerator::Simd;

const LOG2_E: f32 = core::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// ln of the smallest normal f32: below it the result is flushed to 0.
const LO: f32 = -87.336_55;
/// ln of the largest finite f32: above it the result is +inf.
const HI: f32 = 88.722_83;
/// 1.5 · 2^23: adding and subtracting it rounds an f32 of magnitude < 2^22 to an integer.
const ROUND: f32 = 12_582_912.0;

/// e^x: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r from Cephes' degree-6 polynomial, 2^n from the
/// exponent bits in two halves (each a normal number). Within 2 ulp of the correctly rounded
/// value where the result is normal; results that would be subnormal are 0; exp(+inf) = +inf,
/// exp(-inf) = 0, exp(NaN) = NaN.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let xc = x.clamp(LO, HI);
    let n = (xc * LOG2_E + ROUND) - ROUND;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let y = p * r * r + r + 1.0;
    let ni = n as i32;
    let half = ni >> 1;
    let s1 = f32::from_bits(((half + 127) as u32) << 23);
    let s2 = f32::from_bits(((ni - half + 127) as u32) << 23);
    let y = y * s1 * s2;
    let y = if x < LO { 0.0 } else { y };
    let y = if x > HI { f32::INFINITY } else { y };
    if x.is_nan() { x } else { y }
}

/// 1 / (1 + e^-x), from e^-|x| so that it neither overflows nor loses precision for x < 0.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let s = 1.0 / (1.0 + e);
    if x >= 0.0 { s } else { e * s }
}

/// `x[i] = e^x[i]`.
#[macerator::with_simd]
pub fn exp_inplace_f32<S: Simd>(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = exp_f32(*v);
    }
}

/// `x[i] = sigmoid(x[i])`.
#[macerator::with_simd]
pub fn sigmoid_inplace_f32<S: Simd>(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = sigmoid_f32(*v);
    }
}

/// `e^x[i]` for each element, in a new vector.
#[macerator::with_simd]
pub fn exp_to_vec_f32<S: Simd>(x: &[f32]) -> alloc::vec::Vec<f32> {
    // A plain loop, not `collect`: `collect` does not inline here and would run without the
    // trampoline's instruction set.
    let mut out = alloc::vec::Vec::with_capacity(x.len());
    for (o, &v) in out.spare_capacity_mut().iter_mut().zip(x) {
        o.write(exp_f32(v));
    }
    // SAFETY: the loop initialised all `x.len()` elements.
    unsafe { out.set_len(x.len()) };
    out
}

/// `sigmoid(x[i])` for each element, in a new vector.
#[macerator::with_simd]
pub fn sigmoid_to_vec_f32<S: Simd>(x: &[f32]) -> alloc::vec::Vec<f32> {
    // A plain loop, not `collect`: `collect` does not inline here and would run without the
    // trampoline's instruction set.
    let mut out = alloc::vec::Vec::with_capacity(x.len());
    for (o, &v) in out.spare_capacity_mut().iter_mut().zip(x) {
        o.write(sigmoid_f32(v));
    }
    // SAFETY: the loop initialised all `x.len()` elements.
    unsafe { out.set_len(x.len()) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite f32 of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_is_within_two_ulp_over_the_normal_range() {
        let mut worst = 0;
        let mut x = LO;
        while x <= HI {
            let exact = (x as f64).exp() as f32;
            worst = worst.max(ulps(exp_f32(x), exact));
            x += 0.000_731;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp_special_values() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-1000.0), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(100.0), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(HI).is_finite());
        assert!(exp_f32(LO) >= f32::MIN_POSITIVE);
    }

    #[test]
    fn slices_match_the_scalar_function() {
        let mut xs: Vec<f32> = (0..1003).map(|i| (i as f32 - 500.0) * 0.173).collect();
        xs.push(f32::NEG_INFINITY);
        let mut e = xs.clone();
        exp_inplace_f32(&mut e);
        let mut s = xs.clone();
        sigmoid_inplace_f32(&mut s);
        assert_eq!(exp_to_vec_f32(&xs), e);
        assert_eq!(sigmoid_to_vec_f32(&xs), s);
        for ((x, e), s) in xs.iter().zip(&e).zip(&s) {
            assert_eq!(e.to_bits(), exp_f32(*x).to_bits());
            assert_eq!(s.to_bits(), sigmoid_f32(*x).to_bits());
            let exact = 1.0 / (1.0 + (-(*x as f64)).exp());
            assert!((*s as f64 - exact).abs() <= 4.0 * f32::EPSILON as f64 * exact, "{x}: {s} vs {exact}");
        }
    }
}
