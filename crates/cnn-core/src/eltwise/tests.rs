use super::*;
use crate::testutil::*;

/// Lengths below, at and above one vector, and one long enough to be split
/// over many parallel chunks.
const LENS: [usize; 8] = [0, 1, 3, 4, 5, 7, 37, 100_003];

#[test]
fn relu_and_relu_backward_by_hand() {
    let x = [-2.0, -0.5, 0.0, 0.5, 2.0];
    let mut y = [9.0; 5];
    relu(&x, &mut y).unwrap();
    assert_eq!(y, [0.0, 0.0, 0.0, 0.5, 2.0]);
    let mut dx = [9.0; 5];
    relu_backward(&x, &[1., 2., 3., 4., 5.], &mut dx).unwrap();
    // Zero input passes no gradient (TF: `x > 0`).
    assert_eq!(dx, [0., 0., 0., 4., 5.]);
}

#[test]
fn add_bias_add_scale_axpy_by_hand() {
    let mut y = [0.0; 5];
    add(&[1., 2., 3., 4., 5.], &[10., 20., 30., 40., 50.], &mut y).unwrap();
    assert_eq!(y, [11., 22., 33., 44., 55.]);
    let mut y = [0.0; 6];
    bias_add(2, 3, &[1., 2., 3., 4., 5., 6.], &[10., 20., 30.], &mut y).unwrap();
    assert_eq!(y, [11., 22., 33., 14., 25., 36.]);
    let mut y = [0.0; 5];
    scale(&[1., -2., 3., -4., 5.], 0.5, &mut y).unwrap();
    assert_eq!(y, [0.5, -1., 1.5, -2., 2.5]);
    let mut y = [1., 1., 1., 1., 1.];
    axpy(2.0, &[1., 2., 3., 4., 5.], &mut y).unwrap();
    assert_eq!(y, [3., 5., 7., 9., 11.]);
}

#[test]
fn simd_matches_reference_for_every_length_bit_for_bit() {
    let mut r = rng(1);
    for n in LENS {
        let (a, b) = (rand_vec(&mut r, n), rand_vec(&mut r, n));
        let case = format!("n={n}");
        let (mut y1, mut y2) = (vec![0.0; n], vec![1.0; n]);
        relu(&a, &mut y1).unwrap();
        relu_ref(&a, &mut y2).unwrap();
        assert_bits_eq(&y1, &y2, &format!("relu {case}"));
        relu_backward(&a, &b, &mut y1).unwrap();
        relu_backward_ref(&a, &b, &mut y2).unwrap();
        assert_bits_eq(&y1, &y2, &format!("reluBackward {case}"));
        add(&a, &b, &mut y1).unwrap();
        add_ref(&a, &b, &mut y2).unwrap();
        assert_bits_eq(&y1, &y2, &format!("add {case}"));
        scale(&a, -0.3, &mut y1).unwrap();
        scale_ref(&a, -0.3, &mut y2).unwrap();
        assert_bits_eq(&y1, &y2, &format!("scale {case}"));
        y1.copy_from_slice(&b);
        y2.copy_from_slice(&b);
        axpy(0.7, &a, &mut y1).unwrap();
        axpy_ref(0.7, &a, &mut y2).unwrap();
        assert_kernel_eq(&y1, &y2, 1, &format!("axpy {case}"));
    }
    for (rows, c) in [(1, 1), (3, 5), (2, 7), (9, 4), (5000, 9)] {
        let (x, bias) = (rand_vec(&mut r, rows * c), rand_vec(&mut r, c));
        let (mut y1, mut y2) = (vec![0.0; rows * c], vec![1.0; rows * c]);
        bias_add(rows, c, &x, &bias, &mut y1).unwrap();
        bias_add_ref(rows, c, &x, &bias, &mut y2).unwrap();
        assert_bits_eq(&y1, &y2, &format!("biasAdd rows={rows} c={c}"));
    }
}

#[test]
fn relu_backward_matches_finite_differences_using_input_or_output() {
    let mut r = rng(3);
    // Keep inputs away from the kink at 0 so the FD step cannot cross it.
    let x: Vec<f32> = rand_vec(&mut r, 23).into_iter().map(|v| if v.abs() < 0.05 { v + 0.1 } else { v }).collect();
    let rr = rand_vec(&mut r, 23);
    let num = numeric_grad(&x, 1e-3, |xp| {
        let mut y = vec![0.0; xp.len()];
        relu(xp, &mut y).unwrap();
        dot_f64(&y, &rr)
    });
    let mut dx = vec![0.0; 23];
    relu_backward(&x, &rr, &mut dx).unwrap();
    assert_grad_close(&dx, &num, 1e-3, 1e-4, "reluBackward from input");
    let mut y = vec![0.0; 23];
    relu(&x, &mut y).unwrap();
    relu_backward(&y, &rr, &mut dx).unwrap();
    assert_grad_close(&dx, &num, 1e-3, 1e-4, "reluBackward from output");
}

#[test]
fn one_and_two_threads_are_bit_identical_n_100003() {
    let mut r = rng(5);
    let (a, b) = (rand_vec(&mut r, 100_003), rand_vec(&mut r, 100_003));
    let run = || {
        let mut y = b.clone();
        axpy(0.25, &a, &mut y).unwrap();
        let mut z = vec![0.0; a.len()];
        relu_backward(&a, &y, &mut z).unwrap();
        z
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two, &one, "axpy + reluBackward n=100003");
}

#[test]
fn mismatched_lengths_are_errors_naming_the_op() {
    assert_eq!(relu(&[0.0; 3], &mut [0.0; 2]).unwrap_err().to_string(), "relu: y has 2 elements, expected 3");
    assert_eq!(add(&[0.0; 3], &[0.0; 4], &mut [0.0; 3]).unwrap_err().to_string(), "add: b has 4 elements, expected 3");
    assert_eq!(bias_add(2, 3, &[0.0; 6], &[0.0; 2], &mut [0.0; 6]).unwrap_err().to_string(), "biasAdd: bias has 2 elements, expected 3");
    assert_eq!(axpy(1.0, &[0.0; 3], &mut [0.0; 4]).unwrap_err().to_string(), "axpy: y has 4 elements, expected 3");
    assert_eq!(relu_backward(&[0.0; 3], &[0.0; 3], &mut [0.0; 1]).unwrap_err().to_string(), "reluBackward: dx has 1 elements, expected 3");
}

#[test]
fn softplus_backward_by_hand_matches_reference_and_is_thread_count_independent() {
    // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4.
    let l3 = 3f32.ln();
    let mut dx = [9.0; 3];
    softplus_backward(&[0.0, l3, -l3], &[2.0, 4.0, 8.0], &mut dx).unwrap();
    for (got, want) in dx.iter().zip([1.0, 3.0, 2.0]) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    let mut r = rng(9);
    for n in LENS {
        let (x, dy) = (rand_vec(&mut r, n), rand_vec(&mut r, n));
        let mut want = vec![0.0; n];
        softplus_backward_ref(&x, &dy, &mut want).unwrap();
        let run = || {
            let mut got = vec![0.0; n];
            softplus_backward(&x, &dy, &mut got).unwrap();
            got
        };
        assert_bits_eq(&with_threads(1, run), &want, &format!("softplusBackward n={n}, 1 thread"));
        assert_bits_eq(&with_threads(2, run), &want, &format!("softplusBackward n={n}, 2 threads"));
    }
    assert_eq!(softplus_backward(&[0.0; 3], &[0.0; 2], &mut [0.0; 3]).unwrap_err().to_string(), "softplusBackward: dy has 2 elements, expected 3");
}

#[test]
fn relu6_backward_by_hand_as_tensorflow() {
    // TF's Relu6Grad selects: no gradient at exactly 0 and 6 nor for a NaN
    // input; an in-range NaN or infinite gradient passes, an out-of-range one
    // gives 0 (a multiply by a mask would give NaN).
    let x = [-1.0, 0.0, 0.5, 3.0, 5.999, 6.0, 7.0, f32::NAN, 2.0, -3.0];
    let dy = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, f32::NAN, f32::INFINITY];
    let mut dx = [9.0; 10];
    relu6_backward(&x, &dy, &mut dx).unwrap();
    assert_eq!(&dx[..8], &[0.0, 0.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0]);
    assert!(dx[8].is_nan());
    assert_eq!(dx[9], 0.0);
    assert_eq!(relu6_backward(&[0.0; 3], &[0.0; 2], &mut [0.0; 3]).unwrap_err().to_string(), "relu6Backward: dy has 2 elements, expected 3");
    assert_eq!(relu6_backward(&[0.0; 3], &[0.0; 3], &mut [0.0; 4]).unwrap_err().to_string(), "relu6Backward: dx has 4 elements, expected 3");
}

#[test]
fn relu6_backward_matches_reference_on_one_and_two_threads() {
    let mut r = rng(10);
    for n in LENS {
        // Inputs over [-2, 8): both kinks and the flat parts on each side.
        let x: Vec<f32> = rand_vec(&mut r, n).iter().map(|v| 3.0 + 5.0 * v).collect();
        let dy = rand_vec(&mut r, n);
        let mut want = vec![0.0; n];
        relu6_backward_ref(&x, &dy, &mut want).unwrap();
        let run = || {
            let mut got = vec![0.0; n];
            relu6_backward(&x, &dy, &mut got).unwrap();
            got
        };
        assert_bits_eq(&with_threads(1, run), &want, &format!("relu6Backward n={n}, 1 thread"));
        assert_bits_eq(&with_threads(2, run), &want, &format!("relu6Backward n={n}, 2 threads"));
    }
}

#[test]
fn relu6_backward_matches_finite_differences_of_the_unary_relu6() {
    let mut r = rng(11);
    // Points at least 0.05 from the kinks at 0 and 6, so a step of 1e-2 never crosses one.
    let x: Vec<f32> = (0..200).map(|i| -2.0 + 10.0 * (i as f32 + 0.5) / 200.0).filter(|v| v.abs() > 0.05 && (v - 6.0).abs() > 0.05).collect();
    let g = rand_vec(&mut r, x.len());
    let forward = |x: &[f32]| {
        let mut y = vec![0.0; x.len()];
        crate::tensor::unary(UnaryOp::Relu6, x, &mut y).unwrap();
        dot_f64(&y, &g)
    };
    let mut dx = vec![0.0; x.len()];
    relu6_backward(&x, &g, &mut dx).unwrap();
    assert_grad_close(&dx, &numeric_grad(&x, 1e-2, forward), 1e-3, 1e-4, "relu6Backward vs finite differences");
}
