//! Helpers shared by the kernel tests: seeded random data, thread pools of a
//! given size, and comparisons that report where and by how much they fail.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

pub fn rng(seed: u64) -> SmallRng {
    SmallRng::seed_from_u64(seed)
}

/// `n` values uniform in [-1, 1).
pub fn rand_vec(rng: &mut SmallRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Runs `f` on a fresh rayon thread pool of `threads` threads.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Asserts `|actual - expected| <= atol + rtol * |expected|` element-wise and
/// names the first failing index, both values and the case.
#[track_caller]
pub fn assert_close(actual: &[f32], expected: &[f32], rtol: f32, atol: f32, case: &str) {
    assert_eq!(actual.len(), expected.len(), "{case}: length differs");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let ok = (a - e).abs() <= atol + rtol * e.abs() || (a.is_nan() && e.is_nan());
        assert!(ok, "{case}: at {i} got {a}, expected {e} (diff {})", (a - e).abs());
    }
}

/// Asserts bit-for-bit equality, naming the first differing index.
#[track_caller]
pub fn assert_bits_eq(actual: &[f32], expected: &[f32], case: &str) {
    assert_eq!(actual.len(), expected.len(), "{case}: length differs");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(a.to_bits() == e.to_bits(), "{case}: at {i} got {a}, expected {e}");
    }
}

/// A SIMD kernel against its scalar reference when both do the same
/// operations in the same order: bit-for-bit in the strict build; within
/// 1e-5 relative in a fused build (the relaxed wasm, or the native `fused`
/// feature), where the kernel's `mul_add` rounds once and the reference's
/// twice, plus `terms * f32::EPSILON` absolute for a sum of `terms`
/// products of values in [-1, 1] (the rounding differences of each term add
/// up where the sum cancels).
#[track_caller]
pub fn assert_kernel_eq(actual: &[f32], expected: &[f32], terms: usize, case: &str) {
    if crate::simd::FUSED_MUL_ADD {
        assert_close(actual, expected, 1e-5, terms as f32 * f32::EPSILON, case);
    } else {
        assert_bits_eq(actual, expected, case);
    }
}

/// `sum(y * r)` accumulated in f64: the scalar loss whose gradient with
/// respect to `y` is `r`, used to check backward passes.
pub fn dot_f64(y: &[f32], r: &[f32]) -> f64 {
    y.iter().zip(r).map(|(a, b)| *a as f64 * *b as f64).sum()
}

/// Central finite differences of `loss` with respect to every element of
/// `x`, step `h`. Divides by the perturbation actually representable in f32
/// (`(x + h) - (x - h)`), not by `2h`.
pub fn numeric_grad(x: &[f32], h: f32, loss: impl Fn(&[f32]) -> f64) -> Vec<f64> {
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|i| {
            let (hi, lo) = (x[i] + h, x[i] - h);
            xp[i] = hi;
            let up = loss(&xp);
            xp[i] = lo;
            let down = loss(&xp);
            xp[i] = x[i];
            (up - down) / (hi as f64 - lo as f64)
        })
        .collect()
}

/// Asserts an analytic gradient against a numeric one,
/// `|a - n| <= atol + rtol * |n|`, naming the first failing index.
#[track_caller]
pub fn assert_grad_close(analytic: &[f32], numeric: &[f64], rtol: f64, atol: f64, case: &str) {
    assert_eq!(analytic.len(), numeric.len(), "{case}: length differs");
    for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
        let a = *a as f64;
        assert!((a - n).abs() <= atol + rtol * n.abs(), "{case}: gradient at {i} is {a}, finite differences give {n} (diff {})", (a - n).abs());
    }
}

/// The values `0, step, 2*step, ...` shuffled and shifted to be centred on
/// zero: distinct, at least `step` apart, so a max has no near-ties for a
/// finite-difference step below `step / 2`.
pub fn distinct_vec(rng: &mut SmallRng, n: usize, step: f32) -> Vec<f32> {
    let mut v: Vec<f32> = (0..n).map(|i| (i as f32 - n as f32 / 2.0) * step).collect();
    for i in (1..n).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
    v
}
