use super::*;
use crate::shape::{Padding, Pool2dArgs};
use crate::testutil::*;
use rand::Rng;

fn geom(n: usize, h: usize, w: usize, c: usize, pool: [usize; 2], stride: [usize; 2], padding: Padding) -> Pool2d {
    Pool2d::new("test", &Pool2dArgs { n, h, w, c, pool, stride, padding }).unwrap()
}

fn arange(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

fn describe(p: &Pool2d) -> String {
    format!(
        "x=[{},{},{},{}] pool=[{},{}] s=[{},{}] pad=[{},{},{},{}]",
        p.n, p.y.input, p.x.input, p.c, p.y.kernel, p.x.kernel, p.y.stride, p.x.stride, p.y.pad_before, p.y.pad_after, p.x.pad_before, p.x.pad_after
    )
}

// --- Small cases checked by eye -------------------------------------------

#[test]
fn max_pool_x_1x4x4x1_arange_pool2_s2_valid_gives_5_7_13_15() {
    let p = geom(1, 4, 4, 1, [2, 2], [2, 2], Padding::Valid);
    let mut y = vec![0.0; 4];
    max_pool2d(&p, &arange(16), &mut y).unwrap();
    assert_eq!(y, vec![5., 7., 13., 15.]);
    max_pool2d_ref(&p, &arange(16), &mut y).unwrap();
    assert_eq!(y, vec![5., 7., 13., 15.]);
}

#[test]
fn avg_pool_x_1x3x3x1_pool2_s1_same_divides_by_real_cells() {
    // x = 1..9; windows reach one padded row/column at the bottom/right.
    let p = geom(1, 3, 3, 1, [2, 2], [1, 1], Padding::Same);
    let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    let mut y = vec![0.0; 9];
    avg_pool2d(&p, &x, &mut y).unwrap();
    assert_eq!(y, vec![3., 4., 4.5, 6., 7., 7.5, 7.5, 8.5, 9.]);
}

#[test]
fn max_pool_same_padding_never_wins_over_negative_values() {
    let p = geom(1, 3, 3, 1, [2, 2], [1, 1], Padding::Same);
    let x: Vec<f32> = (1..=9).map(|v| -(v as f32)).collect();
    let mut y = vec![0.0; 9];
    max_pool2d(&p, &x, &mut y).unwrap();
    assert_eq!(y, vec![-1., -2., -3., -4., -5., -6., -7., -8., -9.]);
}

#[test]
fn max_pool_backward_ties_go_to_first_cell_row_major() {
    // All four cells equal: the whole gradient goes to (0, 0); c = 5 puts
    // lanes 0..4 in the SIMD path and lane 4 in the scalar tail.
    let p = geom(1, 2, 2, 5, [2, 2], [2, 2], Padding::Valid);
    let x = vec![1.0; 20];
    let dy = vec![3.0; 5];
    let mut dx = vec![9.0; 20];
    max_pool2d_backward(&p, &x, &dy, &mut dx).unwrap();
    let mut expected = vec![0.0; 20];
    expected[..5].fill(3.0);
    assert_eq!(dx, expected);
}

#[test]
fn max_pool_backward_overlapping_windows_accumulate() {
    // x = [0, 5, 0], pool 1x2 stride 1: both windows pick the middle.
    let p = geom(1, 1, 3, 1, [1, 2], [1, 1], Padding::Valid);
    let mut dx = vec![0.0; 3];
    max_pool2d_backward(&p, &[0., 5., 0.], &[2., 7.], &mut dx).unwrap();
    assert_eq!(dx, vec![0., 9., 0.]);
}

#[test]
fn avg_pool_backward_x_1x1x3x1_pool1x2_s1_same_by_hand() {
    // Windows [0,1], [1,2], [2] (the last has one real cell).
    let p = geom(1, 1, 3, 1, [1, 2], [1, 1], Padding::Same);
    let mut dx = vec![0.0; 3];
    avg_pool2d_backward(&p, &[2., 4., 6.], &mut dx).unwrap();
    assert_eq!(dx, vec![1., 3., 8.]);
}

// --- SIMD vs scalar reference over many geometries -------------------------

fn compare_all(p: &Pool2d, seed: u64) {
    let mut r = rng(seed);
    let case = describe(p);
    let x = rand_vec(&mut r, p.input_len());
    let dy = rand_vec(&mut r, p.output_len());
    let (mut y1, mut y2) = (vec![0.0; p.output_len()], vec![0.0; p.output_len()]);
    max_pool2d(p, &x, &mut y1).unwrap();
    max_pool2d_ref(p, &x, &mut y2).unwrap();
    assert_bits_eq(&y1, &y2, &format!("maxPool2d {case}"));
    avg_pool2d(p, &x, &mut y1).unwrap();
    avg_pool2d_ref(p, &x, &mut y2).unwrap();
    assert_bits_eq(&y1, &y2, &format!("avgPool2d {case}"));
    let (mut d1, mut d2) = (vec![7.0; p.input_len()], vec![-7.0; p.input_len()]);
    max_pool2d_backward(p, &x, &dy, &mut d1).unwrap();
    max_pool2d_backward_ref(p, &x, &dy, &mut d2).unwrap();
    assert_bits_eq(&d1, &d2, &format!("maxPool2dBackward {case}"));
    avg_pool2d_backward(p, &dy, &mut d1).unwrap();
    avg_pool2d_backward_ref(p, &dy, &mut d2).unwrap();
    assert_bits_eq(&d1, &d2, &format!("avgPool2dBackward {case}"));
}

#[test]
fn simd_matches_reference_for_pool_1_to_3_stride_1_to_3_every_padding_odd_channels() {
    let mut r = rng(11);
    let mut seed = 0;
    for (ph, pw) in [(1, 1), (2, 2), (3, 3), (2, 3), (3, 1)] {
        for (sh, sw) in [(1, 1), (2, 2), (3, 3), (1, 2), (3, 1)] {
            for c in [1, 3, 4, 5, 7, 8] {
                for mode in 0..3 {
                    let n = if seed % 2 == 0 { 1 } else { 2 };
                    let (h, w) = (r.random_range(ph..=9), r.random_range(pw..=9));
                    let padding = match mode {
                        0 => Padding::Valid,
                        1 => Padding::Same,
                        _ => Padding::Explicit([r.random_range(0..ph), r.random_range(0..ph), r.random_range(0..pw), r.random_range(0..pw)]),
                    };
                    seed += 1;
                    compare_all(&geom(n, h, w, c, [ph, pw], [sh, sw], padding), seed);
                }
            }
        }
    }
}

#[test]
fn simd_matches_reference_on_a_problem_split_into_many_row_bands() {
    // 74 input rows in bands of 8: bands straddle the image boundary at row
    // 37, and 3x3 windows with stride 2 straddle band boundaries.
    let p = geom(2, 37, 40, 16, [3, 3], [2, 2], Padding::Same);
    compare_all(&p, 5);
    // Disjoint windows (the vector one-hot path), cut by band boundaries.
    compare_all(&geom(2, 37, 40, 16, [2, 2], [2, 2], Padding::Same), 6);
    compare_all(&geom(3, 29, 31, 12, [3, 3], [3, 3], Padding::Valid), 7);
    compare_all(&geom(2, 64, 64, 32, [2, 2], [2, 2], Padding::Valid), 8);
}

// --- Backward against finite differences ----------------------------------

fn check_backward_fd(p: &Pool2d, seed: u64) {
    let mut r = rng(seed);
    let case = describe(p);
    // Distinct values 0.01 apart: no max changes hands within the FD step.
    let x = distinct_vec(&mut r, p.input_len(), 0.01);
    let rr = rand_vec(&mut r, p.output_len());
    let mut dx = vec![0.0; p.input_len()];

    max_pool2d_backward(p, &x, &rr, &mut dx).unwrap();
    let num = numeric_grad(&x, 1e-3, |xp| {
        let mut y = vec![0.0; p.output_len()];
        max_pool2d(p, xp, &mut y).unwrap();
        dot_f64(&y, &rr)
    });
    assert_grad_close(&dx, &num, 1e-3, 1e-4, &format!("maxPool2dBackward {case}"));

    avg_pool2d_backward(p, &rr, &mut dx).unwrap();
    let num = numeric_grad(&x, 1e-3, |xp| {
        let mut y = vec![0.0; p.output_len()];
        avg_pool2d(p, xp, &mut y).unwrap();
        dot_f64(&y, &rr)
    });
    assert_grad_close(&dx, &num, 1e-3, 1e-4, &format!("avgPool2dBackward {case}"));
}

#[test]
fn backward_matches_finite_differences_valid_same_explicit_overlapping() {
    let cases = [
        geom(1, 5, 5, 3, [3, 3], [1, 1], Padding::Valid),
        geom(2, 4, 5, 5, [2, 2], [2, 2], Padding::Same),
        geom(1, 5, 4, 7, [3, 2], [2, 1], Padding::Same),
        geom(1, 4, 4, 1, [3, 3], [3, 2], Padding::Explicit([2, 1, 0, 2])),
        geom(2, 3, 3, 4, [2, 3], [1, 3], Padding::Explicit([1, 0, 1, 1])),
    ];
    for (i, p) in cases.iter().enumerate() {
        check_backward_fd(p, 40 + i as u64);
    }
}

// --- Threads and errors ----------------------------------------------------

#[test]
fn one_and_two_threads_are_bit_identical_x_2x37x40x16_pool3_s2_same() {
    let p = geom(2, 37, 40, 16, [3, 3], [2, 2], Padding::Same);
    let mut r = rng(9);
    let x = rand_vec(&mut r, p.input_len());
    let dy = rand_vec(&mut r, p.output_len());
    let run = || {
        let mut y = vec![0.0; p.output_len()];
        let mut out = Vec::new();
        max_pool2d(&p, &x, &mut y).unwrap();
        out.extend_from_slice(&y);
        avg_pool2d(&p, &x, &mut y).unwrap();
        out.extend_from_slice(&y);
        let mut dx = vec![0.0; p.input_len()];
        max_pool2d_backward(&p, &x, &dy, &mut dx).unwrap();
        out.extend_from_slice(&dx);
        avg_pool2d_backward(&p, &dy, &mut dx).unwrap();
        out.extend_from_slice(&dx);
        out
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "2x37x40x16 pool 3 s 2 same");
}

#[test]
fn wrong_lengths_are_errors_naming_the_op_and_buffer() {
    let p = geom(1, 4, 4, 1, [2, 2], [2, 2], Padding::Valid);
    let e = max_pool2d(&p, &[0.0; 15], &mut [0.0; 4]).unwrap_err();
    assert_eq!(e.to_string(), "maxPool2d: x has 15 elements, expected 16");
    let e = avg_pool2d_backward(&p, &[0.0; 4], &mut [0.0; 3]).unwrap_err();
    assert_eq!(e.to_string(), "avgPool2dBackward: dx has 3 elements, expected 16");
    let e = max_pool2d_backward(&p, &[0.0; 16], &[0.0; 5], &mut [0.0; 16]).unwrap_err();
    assert_eq!(e.to_string(), "maxPool2dBackward: dy has 5 elements, expected 4");
}

#[test]
fn explicit_padding_as_large_as_the_pool_is_an_error() {
    let p = geom(1, 4, 4, 1, [2, 2], [1, 1], Padding::Explicit([0, 0, 2, 0]));
    let e = avg_pool2d(&p, &[0.0; 16], &mut vec![0.0; p.output_len()]).unwrap_err();
    assert_eq!(e.to_string(), "avgPool2d: width: padding (2, 0) must be smaller than the pool size 2 so every window holds a real cell");
}

/// 2x2 stride-2 pooling that tiles the input exactly: the backward stores
/// every dx element without zeroing it first, so stale values (NaN here)
/// must all be overwritten, at 1 and 2 threads alike; an odd size or a
/// channel tail still zeroes first.
#[test]
fn max_pool_backward_exact_tiling_overwrites_every_element() {
    for (n, h, w, c, padding) in [(3, 32, 32, 32, Padding::Valid), (2, 16, 18, 8, Padding::Same), (1, 15, 16, 4, Padding::Valid), (2, 8, 8, 6, Padding::Valid)]
    {
        let p = geom(n, h, w, c, [2, 2], [2, 2], padding);
        let mut r = rng(h as u64 * 7 + c as u64);
        let x = rand_vec(&mut r, p.input_len());
        let dy = rand_vec(&mut r, p.output_len());
        let mut expected = vec![0.0; p.input_len()];
        max_pool2d_backward_ref(&p, &x, &dy, &mut expected).unwrap();
        let run = || {
            let mut dx = vec![f32::NAN; p.input_len()];
            max_pool2d_backward(&p, &x, &dy, &mut dx).unwrap();
            dx
        };
        let case = describe(&p);
        assert_bits_eq(&with_threads(1, run), &expected, &format!("1 thread {case}"));
        assert_bits_eq(&with_threads(2, run), &expected, &format!("2 threads {case}"));
    }
}

/// The 2x2 straight-line backward (switch 14) keeps the scalar rule on
/// ties (the first maximal cell row-major gets the gradient) and on NaNs
/// (never greater), and equals the general path when that has no NaN.
#[test]
fn max_pool_2x2_backward_ties_and_nans_follow_the_scalar_rule() {
    let p = geom(1, 4, 4, 4, [2, 2], [2, 2], Padding::Valid);
    // Quantised values: many ties inside each window; a few NaNs.
    let mut r = rng(3);
    let mut x: Vec<f32> = (0..p.input_len()).map(|_| (r.random_range(0..3) as f32) - 1.0).collect();
    let dy: Vec<f32> = (0..p.output_len()).map(|i| i as f32 + 1.0).collect();
    let mut expected = vec![0.0; p.input_len()];
    max_pool2d_backward_ref(&p, &x, &dy, &mut expected).unwrap();
    let mut dx = vec![f32::NAN; p.input_len()];
    max_pool2d_backward(&p, &x, &dy, &mut dx).unwrap();
    assert_bits_eq(&dx, &expected, "ties");
    let mut general = p;
    general.tuning = crate::tuning::Tuning::DEFAULT.with_switch(14, 1);
    max_pool2d_backward(&general, &x, &dy, &mut dx).unwrap();
    assert_bits_eq(&dx, &expected, "ties, general path");
    for i in [1, 6, 20, 33] {
        x[i] = f32::NAN;
    }
    max_pool2d_backward_ref(&p, &x, &dy, &mut expected).unwrap();
    max_pool2d_backward(&p, &x, &dy, &mut dx).unwrap();
    assert_bits_eq(&dx, &expected, "NaNs");
}

/// The 2x2 straight-line forward (switch 24) gives the reference's bits and
/// the general path's, with ties, NaNs (first cell or later) and signed
/// zeros, at 1 and 2 threads, on tiling shapes with channels in fours.
#[test]
fn max_pool_2x2_forward_matches_reference_and_general_path_with_ties_and_nans() {
    for (n, h, w, c) in [(1, 4, 4, 4), (3, 32, 32, 32), (2, 6, 10, 8), (1, 2, 2, 12)] {
        let p = geom(n, h, w, c, [2, 2], [2, 2], Padding::Valid);
        let mut r = rng((h * w + c) as u64);
        let mut x: Vec<f32> = (0..p.input_len()).map(|_| [-1.0, -0.0, 0.0, 1.0][r.random_range(0..4)]).collect();
        for _ in 0..x.len() / 7 {
            let i = r.random_range(0..x.len());
            x[i] = f32::NAN;
        }
        let mut expected = vec![0.0; p.output_len()];
        max_pool2d_ref(&p, &x, &mut expected).unwrap();
        let run = |p: &Pool2d| {
            let mut y = vec![7.0; p.output_len()];
            max_pool2d(p, &x, &mut y).unwrap();
            y
        };
        let case = describe(&p);
        assert_bits_eq(&with_threads(1, || run(&p)), &expected, &format!("1 thread {case}"));
        assert_bits_eq(&with_threads(2, || run(&p)), &expected, &format!("2 threads {case}"));
        let mut general = p;
        general.tuning = crate::tuning::Tuning::DEFAULT.with_switch(24, 1);
        assert_bits_eq(&run(&general), &expected, &format!("general path {case}"));
    }
}

// --- The max pool fused with the ReLU and bias gradient of its producer --

/// `maxPool2dReluBiasGrad` against the scalar references
/// (`max_pool2d_backward_ref`, `relu_backward_ref`, `bias_grad_ref`) and
/// bit for bit against the unfused `maxPool2dBackward` then `reluBiasGrad`,
/// at 1 and 2 threads: the fast path (2x2 tilings whose row pairs divide
/// the 4096-pixel chunk: 32 and 4 wide, several chunks, ties, zeros and
/// NaNs) and the fallback (odd widths, 3x3 overlapping windows, SAME
/// padding, channel tails).
#[test]
fn max_pool_relu_bias_grad_matches_references_and_unfused_kernels() {
    let cases = [
        geom(9, 32, 32, 32, [2, 2], [2, 2], Padding::Valid),
        geom(64, 4, 4, 64, [2, 2], [2, 2], Padding::Valid),
        geom(3, 8, 16, 20, [2, 2], [2, 2], Padding::Valid),
        geom(2, 6, 6, 8, [2, 2], [2, 2], Padding::Valid),
        geom(2, 7, 5, 6, [3, 3], [2, 2], Padding::Same),
        geom(1, 4, 4, 3, [2, 2], [2, 2], Padding::Valid),
    ];
    let mut r = rng(77);
    for p in &cases {
        let case = describe(p);
        // A ReLU's output: quantised (ties), a quarter zeros, a few NaNs.
        let mut x: Vec<f32> = (0..p.input_len()).map(|_| (r.random_range(-2..6) as f32).max(0.0) * 0.5).collect();
        for i in (0..x.len()).step_by(997) {
            x[i] = f32::NAN;
        }
        let dy = rand_vec(&mut r, p.output_len());
        let c = p.c;
        let (mut pooled, mut dx_ref, mut db_ref) = (vec![0.0; p.input_len()], vec![0.0; p.input_len()], vec![0.0; c]);
        max_pool2d_backward_ref(p, &x, &dy, &mut pooled).unwrap();
        crate::eltwise::relu_backward_ref(&x, &pooled, &mut dx_ref).unwrap();
        crate::conv::reference::bias_grad_ref(&dx_ref, c, &mut db_ref);
        let (mut dx_unfused, mut db_unfused) = (vec![0.0; p.input_len()], vec![0.0; c]);
        max_pool2d_backward(p, &x, &dy, &mut pooled).unwrap();
        crate::conv::relu_bias_grad(&x, &pooled, c, &mut dx_unfused, &mut db_unfused).unwrap();
        let run = || {
            let (mut dx, mut db) = (vec![f32::NAN; p.input_len()], vec![f32::NAN; c]);
            max_pool2d_relu_bias_grad(p, &x, &dy, &mut dx, &mut db).unwrap();
            (dx, db)
        };
        let one = with_threads(1, run);
        assert_bits_eq(&one.0, &dx_ref, &format!("{case} dx vs reference"));
        let pixels = (p.input_len() / c) as f32;
        assert_close(&one.1, &db_ref, 1e-5, 1e-5 * pixels.sqrt(), &format!("{case} db vs reference"));
        assert_bits_eq(&one.0, &dx_unfused, &format!("{case} dx vs unfused"));
        assert_bits_eq(&one.1, &db_unfused, &format!("{case} db vs unfused"));
        let two = with_threads(2, run);
        assert_bits_eq(&two.0, &one.0, &format!("{case} dx, 2 threads"));
        assert_bits_eq(&two.1, &one.1, &format!("{case} db, 2 threads"));
    }
    let p = geom(1, 4, 4, 4, [2, 2], [2, 2], Padding::Valid);
    let e = max_pool2d_relu_bias_grad(&p, &[0.0; 64], &[0.0; 16], &mut [0.0; 64], &mut [0.0; 3]).unwrap_err();
    assert_eq!(e.to_string(), "maxPool2dReluBiasGrad: bias gradient has 3 elements, expected 4");
    let e = max_pool2d_relu_bias_grad(&p, &[0.0; 64], &[0.0; 15], &mut [0.0; 64], &mut [0.0; 4]).unwrap_err();
    assert!(e.to_string().starts_with("maxPool2dReluBiasGrad: dy"), "{e}");
}

/// Finite differences: for `L(z, b) = sum r * maxPool(relu(z + b))` (`z`
/// per pixel, `b` per channel), the fused kernel's `dx` from the pool input
/// `x = relu(z + b)` is dL/dz and its `db` is dL/db (fast path and fallback).
#[test]
fn max_pool_relu_bias_grad_matches_finite_differences() {
    for (i, p) in [geom(2, 4, 4, 8, [2, 2], [2, 2], Padding::Valid), geom(1, 5, 5, 3, [3, 3], [2, 2], Padding::Same)].iter().enumerate() {
        let mut r = rng(90 + i as u64);
        let c = p.c;
        let z = distinct_vec(&mut r, p.input_len(), 0.01);
        let b: Vec<f32> = rand_vec(&mut r, c).iter().map(|v| v * 0.001).collect();
        let rr = rand_vec(&mut r, p.output_len());
        let forward = |z: &[f32], b: &[f32]| -> Vec<f32> { z.iter().enumerate().map(|(i, v)| (v + b[i % c]).max(0.0)).collect() };
        let loss = |z: &[f32], b: &[f32]| -> f64 {
            let mut y = vec![0.0; p.output_len()];
            max_pool2d(p, &forward(z, b), &mut y).unwrap();
            dot_f64(&y, &rr)
        };
        let (mut dx, mut db) = (vec![0.0; p.input_len()], vec![0.0; c]);
        max_pool2d_relu_bias_grad(p, &forward(&z, &b), &rr, &mut dx, &mut db).unwrap();
        let case = describe(p);
        assert_grad_close(&dx, &numeric_grad(&z, 1e-3, |z| loss(z, &b)), 1e-3, 1e-4, &format!("maxPool2dReluBiasGrad dx {case}"));
        assert_grad_close(&db, &numeric_grad(&b, 1e-4, |b| loss(&z, b)), 1e-3, 1e-3, &format!("maxPool2dReluBiasGrad db {case}"));
    }
}
