use super::*;
use crate::testutil::*;
use rand::Rng;

#[test]
fn global_pools_x_1x2x2x2_arange_by_hand() {
    // Channel 0 holds 0, 2, 4, 6; channel 1 holds 1, 3, 5, 7.
    let x: Vec<f32> = (0..8).map(|v| v as f32).collect();
    let mut y = vec![0.0; 2];
    global_avg_pool([1, 2, 2, 2], &x, &mut y).unwrap();
    assert_eq!(y, vec![3., 4.]);
    global_max_pool([1, 2, 2, 2], &x, &mut y).unwrap();
    assert_eq!(y, vec![6., 7.]);
    let mut dx = vec![9.0; 8];
    global_avg_pool_backward([1, 2, 2, 2], &[4., 8.], &mut dx).unwrap();
    assert_eq!(dx, vec![1., 2., 1., 2., 1., 2., 1., 2.]);
    global_max_pool_backward([1, 2, 2, 2], &x, &[4., 8.], &mut dx).unwrap();
    assert_eq!(dx, vec![0., 0., 0., 0., 0., 0., 4., 8.]);
}

#[test]
fn global_max_backward_ties_go_to_first_pixel_for_simd_lanes_and_tail() {
    // c = 5, three pixels all equal: lanes 0..4 (SIMD) and 4 (tail).
    let x = vec![2.0; 15];
    let dy = [1., 2., 3., 4., 5.];
    let mut dx = vec![9.0; 15];
    global_max_pool_backward([1, 1, 3, 5], &x, &dy, &mut dx).unwrap();
    let mut expected = vec![0.0; 15];
    expected[..5].copy_from_slice(&dy);
    assert_eq!(dx, expected);
}

fn compare_all(dims: [usize; 4], seed: u64) {
    let [n, h, w, c] = dims;
    let mut r = rng(seed);
    let case = format!("x={dims:?}");
    let x = rand_vec(&mut r, n * h * w * c);
    let dy = rand_vec(&mut r, n * c);
    let (mut y1, mut y2) = (vec![0.0; n * c], vec![1.0; n * c]);
    global_avg_pool(dims, &x, &mut y1).unwrap();
    global_avg_pool_ref(dims, &x, &mut y2).unwrap();
    assert_bits_eq(&y1, &y2, &format!("globalAvgPool {case}"));
    global_max_pool(dims, &x, &mut y1).unwrap();
    global_max_pool_ref(dims, &x, &mut y2).unwrap();
    assert_bits_eq(&y1, &y2, &format!("globalMaxPool {case}"));
    let (mut d1, mut d2) = (vec![3.0; x.len()], vec![-3.0; x.len()]);
    global_avg_pool_backward(dims, &dy, &mut d1).unwrap();
    global_avg_pool_backward_ref(dims, &dy, &mut d2).unwrap();
    assert_bits_eq(&d1, &d2, &format!("globalAvgPoolBackward {case}"));
    global_max_pool_backward(dims, &x, &dy, &mut d1).unwrap();
    global_max_pool_backward_ref(dims, &x, &dy, &mut d2).unwrap();
    assert_bits_eq(&d1, &d2, &format!("globalMaxPoolBackward {case}"));
}

#[test]
fn simd_matches_reference_batch_1_and_3_odd_channels() {
    let mut r = rng(2);
    let mut seed = 0;
    for c in [1, 3, 4, 5, 7, 9] {
        for n in [1, 3] {
            seed += 1;
            compare_all([n, r.random_range(1..8), r.random_range(1..8), c], seed);
        }
    }
    // Many images: several parallel chunks.
    compare_all([64, 8, 8, 33], 99);
}

#[test]
fn backward_matches_finite_differences() {
    for (i, dims) in [[1, 3, 3, 5], [2, 2, 4, 3], [1, 1, 1, 1]].into_iter().enumerate() {
        let [n, h, w, c] = dims;
        let mut r = rng(20 + i as u64);
        let x = distinct_vec(&mut r, n * h * w * c, 0.01);
        let rr = rand_vec(&mut r, n * c);
        let mut dx = vec![0.0; x.len()];
        global_max_pool_backward(dims, &x, &rr, &mut dx).unwrap();
        let num = numeric_grad(&x, 1e-3, |xp| {
            let mut y = vec![0.0; n * c];
            global_max_pool(dims, xp, &mut y).unwrap();
            dot_f64(&y, &rr)
        });
        assert_grad_close(&dx, &num, 1e-3, 1e-4, &format!("globalMaxPoolBackward x={dims:?}"));
        global_avg_pool_backward(dims, &rr, &mut dx).unwrap();
        let num = numeric_grad(&x, 1e-3, |xp| {
            let mut y = vec![0.0; n * c];
            global_avg_pool(dims, xp, &mut y).unwrap();
            dot_f64(&y, &rr)
        });
        assert_grad_close(&dx, &num, 1e-3, 1e-4, &format!("globalAvgPoolBackward x={dims:?}"));
    }
}

#[test]
fn one_and_two_threads_are_bit_identical_x_64x8x8x32() {
    let dims = [64, 8, 8, 32];
    let mut r = rng(4);
    let x = rand_vec(&mut r, 64 * 8 * 8 * 32);
    let dy = rand_vec(&mut r, 64 * 32);
    let run = || {
        let mut y = vec![0.0; 64 * 32];
        let mut out = Vec::new();
        global_avg_pool(dims, &x, &mut y).unwrap();
        out.extend_from_slice(&y);
        global_max_pool(dims, &x, &mut y).unwrap();
        out.extend_from_slice(&y);
        let mut dx = vec![0.0; x.len()];
        global_max_pool_backward(dims, &x, &dy, &mut dx).unwrap();
        out.extend_from_slice(&dx);
        global_avg_pool_backward(dims, &dy, &mut dx).unwrap();
        out.extend_from_slice(&dx);
        out
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "64x8x8x32");
}

#[test]
fn empty_spatial_size_and_wrong_lengths_are_errors() {
    let e = global_avg_pool([1, 0, 3, 2], &[], &mut [0.0; 2]).unwrap_err();
    assert_eq!(e.to_string(), "globalAvgPool: height, width and channels must be at least 1, got [0, 3] x 2");
    let e = global_max_pool([2, 2, 2, 3], &[0.0; 24], &mut [0.0; 5]).unwrap_err();
    assert_eq!(e.to_string(), "globalMaxPool: y has 5 elements, expected 6");
    let e = global_max_pool_backward([1, 2, 2, 1], &[0.0; 4], &[0.0; 1], &mut [0.0; 3]).unwrap_err();
    assert_eq!(e.to_string(), "globalMaxPoolBackward: dx has 3 elements, expected 4");
}
