use super::*;
use crate::tensor::tests::{arange, assert_near, assert_same};
use crate::testutil::*;
use rand::Rng;

fn out_len(shape: &[usize], axes: &[usize]) -> usize {
    (0..shape.len()).filter(|k| !axes.contains(k)).map(|k| shape[k]).product()
}

fn run(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::NAN; out_len(shape, axes)];
    reduce(op, shape, axes, x, &mut y).unwrap();
    y
}

fn run_ref(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::NAN; out_len(shape, axes)];
    reduce_ref(op, shape, axes, x, &mut y).unwrap();
    y
}

const ALL_OPS: [ReduceOp; 10] = [
    ReduceOp::Sum,
    ReduceOp::Mean,
    ReduceOp::Max,
    ReduceOp::Min,
    ReduceOp::Prod,
    ReduceOp::ArgMax,
    ReduceOp::ArgMin,
    ReduceOp::Any,
    ReduceOp::All,
    ReduceOp::LogSumExp,
];

/// Compares with the reference: exactly for the selecting ops (max, min,
/// any, all, argmax, argmin), to rounding for the summing ones, whose
/// association differs (lane partial sums, chunk partials).
#[track_caller]
fn assert_matches_ref(op: ReduceOp, shape: &[usize], axes: &[usize], x: &[f32]) {
    let (got, want) = (run(op, shape, axes, x), run_ref(op, shape, axes, x));
    let case = format!("{op:?} shape={shape:?} axes={axes:?}");
    match op {
        ReduceOp::Sum | ReduceOp::Mean | ReduceOp::Prod | ReduceOp::LogSumExp => {
            // |x| <= 1: a sum of n terms is off by at most ~n ulps of 1.
            let n = (x.len() / got.len().max(1)).max(1) as f32;
            assert_near(&got, &want, 1e-5, n * 2e-7, &case)
        }
        // 0 tolerance, but -0 == +0 (the sign of a zero max depends on order).
        _ => assert_near(&got, &want, 0.0, 0.0, &case),
    }
}

// --- By hand on arange(24) as [2, 3, 4] ------------------------------------
// x[a, b, c] = 12a + 4b + c.

#[test]
fn sum_of_arange_2x3x4_over_axis_0() {
    // y[b, c] = x[0, b, c] + x[1, b, c] = 8b + 2c + 12
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[0], &arange(24)), [12., 14., 16., 18., 20., 22., 24., 26., 28., 30., 32., 34.]);
}

#[test]
fn sum_of_arange_2x3x4_over_axis_1() {
    // y[a, c] = sum_b x[a, b, c] = 36a + 3c + 12
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[1], &arange(24)), [12., 15., 18., 21., 48., 51., 54., 57.]);
}

#[test]
fn sum_of_arange_2x3x4_over_the_last_axis() {
    // y[a, b] = 48a + 16b + 6
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[2], &arange(24)), [6., 22., 38., 54., 70., 86.]);
}

#[test]
fn sum_of_arange_2x3x4_over_axes_0_2_and_1_2_and_all() {
    // [0, 2]: y[b] = 32b + 60; [1, 2]: y[a] = 144a + 66; all: 0 + ... + 23.
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[0, 2], &arange(24)), [60., 92., 124.]);
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[1, 2], &arange(24)), [66., 210.]);
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[0, 1], &arange(24)), [60., 66., 72., 78.]);
    assert_eq!(run(ReduceOp::Sum, &[2, 3, 4], &[0, 1, 2], &arange(24)), [276.]);
}

#[test]
fn mean_max_min_prod_of_arange_2x3x4_over_a_middle_axis() {
    let x = arange(24);
    assert_eq!(run(ReduceOp::Mean, &[2, 3, 4], &[1], &x), [4., 5., 6., 7., 16., 17., 18., 19.]);
    assert_eq!(run(ReduceOp::Max, &[2, 3, 4], &[1], &x), [8., 9., 10., 11., 20., 21., 22., 23.]);
    assert_eq!(run(ReduceOp::Min, &[2, 3, 4], &[1], &x), [0., 1., 2., 3., 12., 13., 14., 15.]);
    // [0*4*8, 1*5*9, ...]
    assert_eq!(run(ReduceOp::Prod, &[2, 3, 4], &[1], &x)[..4], [0., 45., 120., 231.]);
    assert_eq!(run(ReduceOp::Mean, &[2, 3, 4], &[0, 1, 2], &x), [11.5]);
}

#[test]
fn argmax_and_argmin_take_the_first_extremum() {
    let x = [1.0, 3.0, 3.0, 0.0, 5.0, 5.0];
    assert_eq!(run(ReduceOp::ArgMax, &[2, 3], &[1], &x), [1.0, 1.0]);
    assert_eq!(run(ReduceOp::ArgMin, &[2, 3], &[1], &x), [0.0, 0.0]);
    // Over axis 0 of [3, 5] (vectorised over the 5 columns; ties in col 0).
    let x = [2., 0., 9., 1., 4., 2., 7., 3., 1., 4., 0., 7., 3., 1., 8.];
    assert_eq!(run(ReduceOp::ArgMax, &[3, 5], &[0], &x), [0., 1., 0., 0., 2.]);
    assert_eq!(run(ReduceOp::ArgMin, &[3, 5], &[0], &x), [2., 0., 1., 0., 0.]);
    assert_eq!(run(ReduceOp::ArgMax, &[2, 3, 4], &[1], &arange(24)), [2.; 8]);
}

#[test]
fn any_all_and_logsumexp_by_hand() {
    let x = [0., 0., 0., 2., 1., -1.];
    assert_eq!(run(ReduceOp::Any, &[3, 2], &[1], &x), [0., 1., 1.]);
    assert_eq!(run(ReduceOp::All, &[3, 2], &[1], &x), [0., 0., 1.]);
    assert_eq!(run(ReduceOp::Any, &[1, 2], &[1], &[0.0, f32::NAN]), [1.0]);
    // log(e^0 + e^ln3) = ln 4; huge values do not overflow; all -inf gives -inf.
    let y = run(ReduceOp::LogSumExp, &[3, 2], &[1], &[0.0, 3f32.ln(), 1000.0, 1000.0, f32::NEG_INFINITY, f32::NEG_INFINITY]);
    assert_near(&y, &[4f32.ln(), 1000.0 + 2f32.ln(), f32::NEG_INFINITY], 1e-6, 0.0, "logsumexp");
    assert_eq!(run(ReduceOp::LogSumExp, &[2], &[0], &[f32::INFINITY, 1.0]), [f32::INFINITY]);
}

#[test]
fn max_and_min_propagate_nan_on_every_layout() {
    let mut x = arange(24);
    x[13] = f32::NAN; // [1, 0, 1]
    let max1 = run(ReduceOp::Max, &[2, 3, 4], &[1], &x);
    assert!(max1[5].is_nan() && !max1[4].is_nan() && !max1[1].is_nan());
    assert!(run(ReduceOp::Min, &[2, 3, 4], &[2], &x)[3].is_nan());
    assert!(run(ReduceOp::Max, &[2, 3, 4], &[0, 1, 2], &x)[0].is_nan());
}

#[test]
fn empty_reductions_give_tf_values() {
    let x: [f32; 0] = [];
    let want = [
        (ReduceOp::Sum, 0.0),
        (ReduceOp::Mean, f32::NAN),
        (ReduceOp::Max, f32::NEG_INFINITY),
        (ReduceOp::Min, f32::INFINITY),
        (ReduceOp::Prod, 1.0),
        (ReduceOp::Any, 0.0),
        (ReduceOp::All, 1.0),
        (ReduceOp::LogSumExp, f32::NEG_INFINITY),
    ];
    for (op, v) in want {
        assert_same(&run(op, &[2, 0, 3], &[1], &x), &[v; 6], &format!("{op:?} over an empty axis"));
        assert_same(&run_ref(op, &[2, 0, 3], &[1], &x), &[v; 6], &format!("ref {op:?} over an empty axis"));
        // An empty output needs nothing.
        assert_eq!(run(op, &[0, 3], &[1], &x), Vec::<f32>::new());
    }
    let err = reduce(ReduceOp::ArgMax, &[2, 0], &[1], &x, &mut [0.0; 2]).unwrap_err().to_string();
    assert_eq!(err, "reduce: argMax of an empty axis: axis 1 of shape [2, 0] has length 0");
}

// --- Against the reference ---------------------------------------------------

#[test]
fn every_op_matches_reference_on_every_axis_set_of_odd_shapes() {
    let mut r = rng(21);
    let shapes: [&[usize]; 8] = [&[], &[1], &[17], &[3, 5], &[4, 1, 5], &[2, 3, 4, 5], &[5, 3, 17], &[3, 1, 4, 1, 3]];
    for shape in shapes {
        let x = rand_vec(&mut r, shape.iter().product());
        let rank = shape.len();
        // Every subset of axes (argmax / argmin: every single axis).
        for mask in 0..(1u32 << rank) {
            let axes: Vec<usize> = (0..rank).filter(|k| mask >> k & 1 == 1).collect();
            for op in ALL_OPS {
                if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) && axes.len() != 1 {
                    continue;
                }
                assert_matches_ref(op, shape, &axes, &x);
            }
        }
    }
}

#[test]
fn lengths_0_1_3_4_5_17_of_the_reduced_and_kept_axes_match_reference() {
    let mut r = rng(22);
    for n in [0, 1, 3, 4, 5, 17] {
        for m in [1, 3, 4, 5, 17] {
            for (shape, axes) in [(vec![m, n], vec![1]), (vec![n, m], vec![0]), (vec![2, n, m], vec![0, 1]), (vec![n, 2, m], vec![0, 2])] {
                let x = rand_vec(&mut r, shape.iter().product());
                for op in ALL_OPS {
                    if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) && (axes.len() != 1 || n == 0) {
                        continue;
                    }
                    assert_matches_ref(op, &shape, &axes, &x);
                }
            }
        }
    }
}

#[test]
fn large_reductions_match_reference_and_one_and_two_threads_are_bit_identical() {
    let mut r = rng(23);
    // Full reductions and few outputs split the reduced elements; many
    // outputs split the outputs; argmax over a long axis 0 of 7 columns.
    let cases: [(&[usize], &[usize]); 8] = [
        (&[200_003], &[0]),
        (&[3, 70_001], &[1]),
        (&[70_001, 3], &[0]),
        (&[100, 30, 40], &[0, 2]),
        (&[100, 30, 40], &[1]),
        (&[3000, 61], &[1]),
        (&[40, 50, 60], &[0, 1, 2]),
        (&[30_001, 7], &[0]),
    ];
    for (shape, axes) in cases {
        let x = rand_vec(&mut r, shape.iter().product());
        for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::LogSumExp, ReduceOp::ArgMin, ReduceOp::All] {
            if matches!(op, ReduceOp::ArgMin) && axes.len() != 1 {
                continue;
            }
            let one = with_threads(1, || run(op, shape, axes, &x));
            let two = with_threads(2, || run(op, shape, axes, &x));
            assert_bits_eq(&two, &one, &format!("{op:?} shape={shape:?} axes={axes:?}"));
            assert_matches_ref(op, shape, axes, &x);
        }
    }
}

#[test]
fn integer_sums_are_exact_whatever_the_layout() {
    // Small integers sum exactly in any order: every path must agree with
    // the reference bit for bit.
    let mut r = rng(24);
    let x: Vec<f32> = (0..6 * 7 * 8 * 9).map(|_| r.random_range(-8..8) as f32).collect();
    for axes in [vec![0], vec![1], vec![3], vec![1, 2], vec![0, 2], vec![0, 3], vec![0, 1, 2, 3]] {
        assert_bits_eq(&run(ReduceOp::Sum, &[6, 7, 8, 9], &axes, &x), &run_ref(ReduceOp::Sum, &[6, 7, 8, 9], &axes, &x), &format!("axes {axes:?}"));
    }
}

#[test]
fn bad_axes_lengths_and_codes_are_errors_naming_reduce() {
    let x = arange(24);
    let err = |op, axes: &[usize], y: &mut [f32]| reduce(op, &[2, 3, 4], axes, &x, y).unwrap_err().to_string();
    assert_eq!(err(ReduceOp::Sum, &[2, 1], &mut [0.0; 2]), "reduce: axes [2, 1] of shape [2, 3, 4] must be sorted, unique and below the rank 3");
    assert_eq!(err(ReduceOp::Sum, &[1, 1], &mut [0.0; 8]), "reduce: axes [1, 1] of shape [2, 3, 4] must be sorted, unique and below the rank 3");
    assert_eq!(err(ReduceOp::Sum, &[3], &mut [0.0; 24]), "reduce: axes [3] of shape [2, 3, 4] must be sorted, unique and below the rank 3");
    assert_eq!(err(ReduceOp::ArgMax, &[0, 1], &mut [0.0; 4]), "reduce: argMax takes exactly one axis, got [0, 1]");
    assert_eq!(err(ReduceOp::Sum, &[1], &mut [0.0; 6]), "reduce: y (sum of shape [2, 3, 4] over axes [1]) has 6 elements, expected 8");
    assert_eq!(reduce(ReduceOp::Sum, &[2, 3], &[1], &x, &mut [0.0; 2]).unwrap_err().to_string(), "reduce: x of shape [2, 3] has 24 elements, expected 6");
    assert_eq!(ReduceOp::from_code(10).unwrap_err().to_string(), "reduce: unknown op code 10");
}
