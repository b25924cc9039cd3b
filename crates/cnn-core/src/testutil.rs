//! Helpers shared by the kernel tests: seeded random data, pools of a given
//! size, and comparisons that report where and by how much they fail.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

pub fn rng(seed: u64) -> SmallRng {
    SmallRng::seed_from_u64(seed)
}

/// `n` values uniform in [-1, 1).
pub fn rand_vec(rng: &mut SmallRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Runs `f` on a fresh rayon pool of `threads` threads.
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
