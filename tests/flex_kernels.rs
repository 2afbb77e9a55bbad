//! The kernels this workspace patches into `flex` (vendor/burn-flex/PATCHED.md), checked through
//! Burn's tensor API against f64 references: the vectorised `exp` and `sigmoid` on owned, shared
//! and strided tensors, with their special values, and matmul outputs written without zeroing
//! (every output element set, in each of the batched paths).

use amvl::burn::prelude::*;
use amvl::burn::tensor::activation::sigmoid;

fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// Inputs over exp's whole normal range and beyond, with -inf, +inf and the range's ends.
fn inputs() -> Vec<f32> {
    let mut xs: Vec<f32> = (0..4096).map(|i| -100.0 + i as f32 * (200.0 / 4095.0)).collect();
    xs.extend((0..4000).map(|i| -8.0 + i as f32 * 0.004));
    xs.extend([f32::NEG_INFINITY, f32::INFINITY, -87.336_55, 88.722_83, 0.0, -0.0]);
    xs.resize(8192, 1.0);
    xs
}

fn ulps(a: f32, b: f32) -> i64 {
    (a.to_bits() as i64 - b.to_bits() as i64).abs()
}

/// glibc on an x86-64 CPU with FMA: its `expf` is the fused variant the kernel reproduces.
fn c_library_uses_fma() -> bool {
    #[cfg(all(target_arch = "x86_64", target_env = "gnu"))]
    {
        std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(all(target_arch = "x86_64", target_env = "gnu")))]
    {
        false
    }
}

/// Within 2 ulp of the exact value; on a CPU with FMA, equal bit for bit to the C library's
/// `expf` (the patched kernel computes glibc's method with its fused multiply-adds).
fn check_exp(got: &[f32], xs: &[f32]) {
    let fma = c_library_uses_fma();
    for (g, x) in got.iter().zip(xs) {
        if fma {
            let libm = std::hint::black_box(*x).exp();
            assert_eq!(
                g.to_bits(),
                libm.to_bits(),
                "exp({x}) = {g}, the C library gives {libm}"
            );
        }
        let exact = (*x as f64).exp();
        if exact < f32::MIN_POSITIVE as f64 {
            assert!(*g == 0.0 || (*g as f64 - exact).abs() < 1e-37, "exp({x}) = {g}");
        } else if exact > f32::MAX as f64 {
            assert_eq!(*g, f32::INFINITY, "exp({x})");
        } else {
            assert!(ulps(*g, exact as f32) <= 2, "exp({x}) = {g}, exact {exact}");
        }
    }
}

fn check_sigmoid(got: &[f32], xs: &[f32]) {
    let fma = c_library_uses_fma();
    for (g, x) in got.iter().zip(xs) {
        if fma {
            // burn-flex's own formula on the C library's exp.
            let want = if *x >= 0.0 {
                1.0 / (1.0 + std::hint::black_box(-*x).exp())
            } else {
                let e = std::hint::black_box(*x).exp();
                e / (1.0 + e)
            };
            assert_eq!(g.to_bits(), want.to_bits(), "sigmoid({x}) = {g}, expected {want}");
        }
        let exact = 1.0 / (1.0 + (-(*x as f64)).exp());
        // Below f32's smallest normal number the result may be flushed to 0.
        assert!(
            (*g as f64 - exact).abs() <= 4.0 * f32::EPSILON as f64 * exact + f32::MIN_POSITIVE as f64,
            "sigmoid({x}) = {g}, exact {exact}"
        );
    }
}

#[test]
fn exp_and_sigmoid_are_accurate_on_owned_shared_and_strided_tensors() {
    let device = Device::flex();
    let xs = inputs();
    let t = Tensor::<1>::from_floats(xs.as_slice(), &device).reshape([64, 128]);
    check_exp(&host(t.clone().exp()), &xs);
    check_sigmoid(&host(sigmoid(t.clone())), &xs);
    let kept = t.clone();
    check_exp(&host(t.clone().exp()), &xs);
    check_sigmoid(&host(sigmoid(t.clone())), &xs);
    drop(kept);
    let transposed = t.clone().transpose();
    let xs_t = host(transposed.clone());
    check_exp(&host(transposed.clone().exp()), &xs_t);
    check_sigmoid(&host(sigmoid(transposed)), &xs_t);
    let offset = t.slice([1..64, 0..128]);
    check_exp(&host(offset.clone().exp()), &xs[128..]);
    check_sigmoid(&host(sigmoid(offset)), &xs[128..]);
    let special = host(
        Tensor::<1>::from_floats([f32::NEG_INFINITY, f32::NAN, 0.0], &device)
            .exp()
            .reshape([1, 3]),
    );
    assert_eq!(special[0], 0.0);
    assert!(special[1].is_nan());
    assert_eq!(special[2], 1.0);
}

/// `[.., m, k] · [.., k, n]` in f64 from the host copies.
fn reference(a: &[f32], b: &[f32], batch: usize, m: usize, k: usize, n: usize, b_batched: bool) -> Vec<f64> {
    let mut out = vec![0.0; batch * m * n];
    for s in 0..batch {
        let bs = if b_batched { s } else { 0 };
        for i in 0..m {
            for j in 0..n {
                out[(s * m + i) * n + j] = (0..k)
                    .map(|l| a[(s * m + i) * k + l] as f64 * b[(bs * k + l) * n + j] as f64)
                    .sum();
            }
        }
    }
    out
}

#[test]
fn matmul_sets_every_output_in_each_batched_path() {
    let device = Device::flex();
    // (batch, m, k, n): one small matrix, many small ones (parallel over the batch), a few
    // large ones (parallel inside gemm), a broadcast right-hand side, and k = 0.
    for (batch, m, k, n, b_batched) in [
        (1, 3, 5, 7, true),
        (8, 64, 96, 80, true),
        (2, 200, 200, 200, true),
        (6, 33, 17, 9, false),
        (3, 4, 0, 5, true),
    ] {
        let a: Vec<f32> = (0..batch * m * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0)
            .collect();
        let bn = if b_batched { batch } else { 1 };
        let b: Vec<f32> = (0..bn * k * n).map(|i| ((i * 53 % 89) as f32 - 44.0) / 22.0).collect();
        let ta = Tensor::<3>::from_data(TensorData::new(a.clone(), [batch, m, k]), &device);
        let tb = Tensor::<3>::from_data(TensorData::new(b.clone(), [bn, k, n]), &device);
        // A fresh allocation that reuses freed, non-zero memory must still come out right.
        drop(Tensor::<1>::from_floats(
            vec![7.0f32; batch * m * n].as_slice(),
            &device,
        ));
        let got = ta.matmul(tb).into_data().try_to_vec::<f32>().unwrap();
        let want = reference(&a, &b, batch, m, k, n, b_batched);
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (*g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()),
                "[{batch}, {m}, {k}] x [{k}, {n}] element {i}: {g} vs {w}"
            );
        }
    }
    let a: Tensor<2> = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &device).reshape([2, 3]);
    let b: Tensor<2> = Tensor::<1>::from_floats([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &device).reshape([3, 2]);
    assert_eq!(host(a.matmul(b)), [4.0, 5.0, 10.0, 11.0]);
}

/// Every one of the 2^32 f32 inputs through the tensor `exp`, against the C library's `expf`
/// (about two minutes; `cargo test --test flex_kernels -- --ignored`).
#[test]
#[ignore]
fn exp_equals_the_c_library_for_every_f32() {
    if !c_library_uses_fma() {
        return;
    }
    let device = Device::flex();
    let chunk = 1u64 << 24;
    let mut differ = 0u64;
    for start in (0..1u64 << 32).step_by(chunk as usize) {
        let xs: Vec<f32> = (start..start + chunk).map(|b| f32::from_bits(b as u32)).collect();
        let got = Tensor::<1>::from_floats(xs.as_slice(), &device)
            .exp()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (g, x) in got.iter().zip(&xs) {
            let want = std::hint::black_box(*x).exp();
            if g.to_bits() != want.to_bits() && !(g.is_nan() && want.is_nan()) {
                differ += 1;
            }
        }
    }
    assert_eq!(differ, 0, "{differ} inputs differ from the C library");
}
