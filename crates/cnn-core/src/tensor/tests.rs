//! Hand-checked cases of the generic kernels on small `arange` inputs, and
//! SIMD vs scalar reference on random data (the copy kernels test
//! themselves in copy.rs).
use super::*;
use crate::testutil::*;

fn arange(n: usize) -> Vec<f32> {
    (0..n).map(|v| v as f32).collect()
}

#[test]
fn sum_over_each_axis_of_an_arange_2x3x4() {
    let x = arange(24);
    let mut y = vec![0.0; 8];
    reduce(ReduceOp::from_code(0).unwrap(), &[2, 3, 4], &[1], &x, &mut y).unwrap();
    // y[a, c] = sum_b x[a, b, c] = 3*(12a + c) + 4*(0+1+2)
    let want: Vec<f32> = (0..2).flat_map(|a| (0..4).map(move |c| (3 * (12 * a + c) + 12) as f32)).collect();
    assert_eq!(y, want);
    let mut all = vec![0.0; 1];
    reduce(ReduceOp::from_code(0).unwrap(), &[2, 3, 4], &[0, 1, 2], &x, &mut all).unwrap();
    assert_eq!(all, vec![276.0]);
    let mut y02 = vec![0.0; 3];
    reduce(ReduceOp::from_code(0).unwrap(), &[2, 3, 4], &[0, 2], &x, &mut y02).unwrap();
    let mut r02 = vec![0.0; 3];
    reduce_ref(ReduceOp::from_code(0).unwrap(), &[2, 3, 4], &[0, 2], &x, &mut r02).unwrap();
    assert_eq!(y02, r02);
    assert_eq!(y02, vec![60.0, 92.0, 124.0]);
}

#[test]
fn argmax_takes_the_first_maximum() {
    let x = [1.0, 3.0, 3.0, 0.0, 5.0, 5.0];
    let mut y = vec![0.0; 2];
    reduce(ReduceOp::from_code(5).unwrap(), &[2, 3], &[1], &x, &mut y).unwrap();
    assert_eq!(y, vec![1.0, 1.0]);
}

#[test]
fn binary_broadcast_3x1x5_by_1x4x1_matches_reference() {
    let mut r = rng(1);
    let a = rand_vec(&mut r, 15);
    let b = rand_vec(&mut r, 4);
    let shapes = Broadcast::from_words(&[3, 3, 1, 5, 1, 4, 1, 3, 4, 5]).unwrap();
    for code in 0..8 {
        let op = BinaryOp::from_code(code).unwrap();
        let mut y = vec![0.0; 60];
        let mut z = vec![0.0; 60];
        binary(op, &shapes, &a, &b, &mut y).unwrap();
        binary_ref(op, &shapes, &a, &b, &mut z).unwrap();
        assert_bits_eq(&y, &z, &format!("binary op {code}"));
    }
}

#[test]
fn unary_simd_matches_reference_on_odd_lengths() {
    let mut r = rng(2);
    for n in [0usize, 1, 3, 4, 5, 17] {
        let x = rand_vec(&mut r, n);
        for code in 0..30 {
            let op = UnaryOp::from_code(code, 0.3, 0.7).unwrap();
            let mut y = vec![0.0; n];
            let mut z = vec![0.0; n];
            unary(op, &x, &mut y).unwrap();
            unary_ref(op, &x, &mut z).unwrap();
            assert_close(&y, &z, 1e-6, 1e-6, &format!("unary op {code} n={n}"));
        }
    }
}
