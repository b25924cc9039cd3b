//! Helpers shared by the tensor kernel tests, and tests of the helpers of
//! `tensor/mod.rs` (odometer, NaN-propagating max / min, nonzero lanes).

use super::*;

pub(crate) fn arange(n: usize) -> Vec<f32> {
    (0..n).map(|v| v as f32).collect()
}

/// Bit-for-bit equality, except that any two NaNs are equal (their sign and
/// payload are not part of any op's contract). Names the first difference.
#[track_caller]
pub(crate) fn assert_same(actual: &[f32], expected: &[f32], case: &str) {
    assert_eq!(actual.len(), expected.len(), "{case}: length differs");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(a.to_bits() == e.to_bits() || (a.is_nan() && e.is_nan()), "{case}: at {i} got {a:e}, expected {e:e}");
    }
}

/// `|actual - expected| <= atol + rtol * |expected|` element-wise, where
/// equal values (infinities, zeros of either sign) and two NaNs also pass.
#[track_caller]
pub(crate) fn assert_near(actual: &[f32], expected: &[f32], rtol: f32, atol: f32, case: &str) {
    assert_eq!(actual.len(), expected.len(), "{case}: length differs");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let ok = a == e || (a.is_nan() && e.is_nan()) || (a - e).abs() <= atol + rtol * e.abs();
        assert!(ok, "{case}: at {i} got {a:e}, expected {e:e} (diff {:e})", (a - e).abs());
    }
}

/// Values that exercise the edge cases of every op: signed zeros,
/// infinities, NaN, halfway points of rounding, the ReLU6 and step kinks.
pub(crate) const SPECIALS: [f32; 17] =
    [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 6.0, 7.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1e-30, -1e30, 88.5];

#[test]
fn odometer_walks_row_major_with_zero_and_negative_strides() {
    // dims [2, 3]; stride sets: contiguous, broadcast-first-dim, reversed.
    let dims = [2, 3];
    let (s1, s2): ([isize; 2], [isize; 2]) = ([3, 1], [0, -1]);
    let mut odo = Odometer::new(&dims, [&s1, &s2], [0, 2], 0);
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(odo.off);
        odo.step();
    }
    assert_eq!(seen, [[0, 2], [1, 1], [2, 0], [3, 2], [4, 1], [5, 0]]);
    // After the last index it wraps to the start.
    assert_eq!(odo.off, [0, 2]);
    // Starting mid-way gives the same offsets as walking there.
    let odo = Odometer::new(&dims, [&s1, &s2], [0, 2], 4);
    assert_eq!(odo.off, [4, 1]);
}

#[test]
fn max_and_min_propagate_nan_from_either_side_in_scalar_and_lanes() {
    let nan = f32::NAN;
    let pairs = [
        (1.0, 2.0),
        (2.0, 1.0),
        (nan, 1.0),
        (1.0, nan),
        (nan, nan),
        (f32::NEG_INFINITY, nan),
        (nan, f32::NEG_INFINITY),
        (3.0, f32::NEG_INFINITY),
        (f32::INFINITY, 3.0),
    ];
    for (a, b) in pairs {
        let want_max = if a.is_nan() || b.is_nan() { nan } else { a.max(b) };
        let want_min = if a.is_nan() || b.is_nan() { nan } else { a.min(b) };
        let case = format!("a={a} b={b}");
        assert_same(&[max_nan(a, b)], &[want_max], &format!("max_nan {case}"));
        assert_same(&[min_nan(a, b)], &[want_min], &format!("min_nan {case}"));
        let (va, vb) = (F32x4::splat(a), F32x4::splat(b));
        assert_same(&vmax_nan(va, vb).to_array(), &[want_max; 4], &format!("vmax_nan {case}"));
        assert_same(&vmin_nan(va, vb).to_array(), &[want_min; 4], &format!("vmin_nan {case}"));
    }
}

#[test]
fn nonzero_lanes_count_nan_and_infinities_as_nonzero() {
    for v in SPECIALS {
        let want = if v != 0.0 { 1.0 } else { 0.0 };
        assert_eq!(vnonzero(F32x4::splat(v)).to_array(), [want; 4], "x={v}");
    }
}

#[test]
fn integer_index_accepts_integers_and_names_the_position_of_others() {
    assert_eq!(integer_index("gather", "index", 0, 3.0).unwrap(), 3);
    assert_eq!(integer_index("gather", "index", 0, -0.0).unwrap(), 0);
    assert_eq!(integer_index("gather", "index", 0, -2.0).unwrap(), -2);
    assert_eq!(integer_index("gather", "index", 4, 2.5).unwrap_err().to_string(), "gather: index at position 4 is 2.5, expected an integer");
    assert!(integer_index("gather", "index", 0, f32::NAN).is_err());
    assert!(integer_index("gather", "index", 0, f32::INFINITY).is_err());
}
