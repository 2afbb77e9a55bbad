//! Vectorised `exp` and `sigmoid` for f32 slices.
//!
//! `exp_f32` has no branches and no calls, so a loop over it compiles to SIMD code; the loops
//! below run inside `macerator::with_simd` trampolines, which compile them for the best
//! instruction set of the CPU found at run time (AVX-512 and AVX2 on x86-64).

use macerator::Simd;

/// 2^(i/32) rounded to f64, each less `i << 47` (so that adding `k << 47` scales it by 2^(k/32)).
const TABLE: [u64; 32] = [
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
];
/// 32 / ln 2.
const INV_LN2_N: f64 = f64::from_bits(0x3ff71547652b82fe) * 32.0;
/// 1.5 · 2^52: adding and subtracting it rounds to an integer.
const SHIFT: f64 = f64::from_bits(0x4338000000000000);
const C0: f64 = f64::from_bits(0x3fac6af84b912394) / 32.0 / 32.0 / 32.0;
const C1: f64 = f64::from_bits(0x3fcebfce50fac4f3) / 32.0 / 32.0;
const C2: f64 = f64::from_bits(0x3fe62e42ff0c52d6) / 32.0;
/// Above it e^x overflows f32; below the next, it rounds to 0.
const OVERFLOW: f32 = 88.722_83;
const UNDERFLOW: f32 = -103.972_08;

/// e^x in f64 arithmetic: x·32/ln 2 = k + r with |r| ≤ 1/2, 2^(k/32) from the table and the
/// exponent bits, 2^(r/32) from a cubic, then rounded to f32 — the method of glibc's `expf`, with
/// its fused multiply-adds, so that the result equals glibc's (FMA variant) bit for bit: checked for
/// every one of the 2^32 f32 inputs. No branches or calls, so loops over it vectorise.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let xd = x as f64;
    let z = INV_LN2_N * xd;
    let kd = z + SHIFT;
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = INV_LN2_N.mul_add(xd, -kd);
    let s = f64::from_bits(TABLE[(ki & 31) as usize].wrapping_add(ki << 47));
    let p = C0.mul_add(r, C1);
    let q = C2.mul_add(r, 1.0);
    let y = (p.mul_add(r * r, q) * s) as f32;
    let y = if x > OVERFLOW { f32::INFINITY } else { y };
    let y = if x < UNDERFLOW { 0.0 } else { y };
    if x.is_nan() { x } else { y }
}

/// 1 / (1 + e^-x) for x ≥ 0 and e^x / (1 + e^x) below, as `burn-flex` computes it, without
/// branches.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let positive = 1.0 / (1.0 + e);
    let negative = e / (1.0 + e);
    if x >= 0.0 { positive } else { negative }
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

    #[test]
    #[cfg(all(target_arch = "x86_64", target_env = "gnu"))]
    fn exp_equals_the_c_library_over_a_sweep() {
        if !std::is_x86_feature_detected!("fma") {
            return;
        }
        let mut x = -110.0f32;
        while x <= 90.0 {
            let libm = std::hint::black_box(x).exp();
            assert_eq!(exp_f32(x).to_bits(), libm.to_bits(), "{x}");
            x += 0.000_731;
        }
    }

    #[test]
    fn exp_special_values() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-1000.0), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(100.0), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(OVERFLOW).is_finite());
        assert!(exp_f32(UNDERFLOW) > 0.0);
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
