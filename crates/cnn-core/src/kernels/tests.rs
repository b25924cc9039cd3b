//! Checks the kernel list asks for that no module's own tests covered:
//! `bindings.rs` found them missing (a listed check that never calls its
//! kernel, or calls it on one thread only). Each names the kernels it
//! checks; their list entries point here.

use crate::batchnorm::{batch_norm_inference, BatchNormParams};
use crate::eltwise::{add, bias_add, relu, scale};
use crate::gemm::{gemm_with, GemmParams, KernelKind};
use crate::softmax::{
    categorical_cross_entropy_backward, softmax, softmax_backward, sparse_categorical_cross_entropy_backward, sparse_softmax_cross_entropy_backward,
};
use crate::testutil::*;
use rand::Rng;

/// Runs `f` on one and on two threads and asserts identical bits.
#[track_caller]
fn same_bits_on_one_and_two_threads(case: &str, f: impl Fn() -> Vec<f32> + Send + Sync) {
    let one = with_threads(1, &f);
    let two = with_threads(2, &f);
    assert_bits_eq(&two, &one, &format!("{case}: 2 threads vs 1"));
}

#[test]
fn relu_add_bias_add_scale_one_and_two_threads_are_bit_identical() {
    let mut r = rng(60);
    let n = 100_003;
    let (a, b) = (rand_vec(&mut r, n), rand_vec(&mut r, n));
    let run = |f: &(dyn Fn(&mut [f32]) + Sync)| {
        let mut y = vec![f32::NAN; n];
        f(&mut y);
        y
    };
    same_bits_on_one_and_two_threads("relu", || run(&|y| relu(&a, y).unwrap()));
    same_bits_on_one_and_two_threads("add", || run(&|y| add(&a, &b, y).unwrap()));
    same_bits_on_one_and_two_threads("scale", || run(&|y| scale(&a, -0.3, y).unwrap()));
    // 9091 rows of 11 channels (100,001 elements): the bias repeats across chunk boundaries.
    let (rows, c) = (9091, 11);
    let bias = rand_vec(&mut r, c);
    same_bits_on_one_and_two_threads("biasAdd", || {
        let mut y = vec![f32::NAN; rows * c];
        bias_add(rows, c, &a[..rows * c], &bias, &mut y).unwrap();
        y
    });
}

/// Probabilities: positive rows that sum to 1.
fn probs(r: &mut rand::rngs::SmallRng, rows: usize, classes: usize) -> Vec<f32> {
    let mut p: Vec<f32> = (0..rows * classes).map(|_| r.random_range(0.05f32..1.0)).collect();
    for row in p.chunks_mut(classes) {
        let s: f32 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= s);
    }
    p
}

#[test]
fn softmax_and_loss_gradients_one_and_two_threads_are_bit_identical() {
    let (rows, classes) = (3000, 10);
    let mut r = rng(61);
    let x = rand_vec(&mut r, rows * classes);
    let dy = rand_vec(&mut r, rows * classes);
    let p = probs(&mut r, rows, classes);
    let labels: Vec<f32> = (0..rows).map(|_| r.random_range(0..classes) as f32).collect();
    let mut targets = vec![0.0; rows * classes];
    for (i, &l) in labels.iter().enumerate() {
        targets[i * classes + l as usize] = 1.0;
    }
    let out = || vec![f32::NAN; rows * classes];
    same_bits_on_one_and_two_threads("softmax", || {
        let mut y = out();
        softmax(rows, classes, &x, &mut y).unwrap();
        y
    });
    same_bits_on_one_and_two_threads("softmaxBackward", || {
        let mut dx = out();
        softmax_backward(rows, classes, &p, &dy, &mut dx).unwrap();
        dx
    });
    same_bits_on_one_and_two_threads("sparseSoftmaxCrossEntropyBackward", || {
        let mut d = out();
        sparse_softmax_cross_entropy_backward(rows, classes, &p, &labels, &mut d).unwrap();
        d
    });
    same_bits_on_one_and_two_threads("categoricalCrossEntropyBackward", || {
        let mut d = out();
        categorical_cross_entropy_backward(rows, classes, &p, &targets, &mut d).unwrap();
        d
    });
    same_bits_on_one_and_two_threads("sparseCategoricalCrossEntropyBackward", || {
        let mut d = out();
        sparse_categorical_cross_entropy_backward(rows, classes, &p, &labels, &mut d).unwrap();
        d
    });
}

#[test]
fn softmax_backward_by_hand() {
    // dx = y * (dy - sum(y * dy)) per row.
    // Row 0: y [1/4, 3/4], dy [1, 0], sum 1/4: [3/16, -3/16].
    // Row 1: y [1/2, 1/2], dy [2, 4], sum 3:   [-1/2, 1/2].
    let mut dx = [9.0; 4];
    softmax_backward(2, 2, &[0.25, 0.75, 0.5, 0.5], &[1.0, 0.0, 2.0, 4.0], &mut dx).unwrap();
    assert_eq!(dx, [0.1875, -0.1875, -0.5, 0.5]);
}

#[test]
fn categorical_and_sparse_categorical_cross_entropy_backward_by_hand() {
    // Keras renormalises the probabilities: L = -log(p_t / s), so
    // dL/dp_t = 1/s - 1/p_t and dL/dp_j = 1/s elsewhere, over rows = 2.
    // Row 0: p [1/4, 3/4], target 1: [1, 1 - 4/3] / 2 = [1/2, -1/6].
    // Row 1: p [1/2, 1/2], target 0: [1 - 2, 1] / 2 = [-1/2, 1/2].
    let p = [0.25, 0.75, 0.5, 0.5];
    let want = [0.5, -1.0 / 6.0, -0.5, 0.5];
    let mut d = [9.0; 4];
    categorical_cross_entropy_backward(2, 2, &p, &[0.0, 1.0, 1.0, 0.0], &mut d).unwrap();
    assert_close(&d, &want, 1e-6, 1e-7, "categoricalCrossEntropyBackward");
    let mut d = [9.0; 4];
    sparse_categorical_cross_entropy_backward(2, 2, &p, &[1.0, 0.0], &mut d).unwrap();
    assert_close(&d, &want, 1e-6, 1e-7, "sparseCategoricalCrossEntropyBackward");
}

#[test]
fn batch_norm_inference_one_and_two_threads_are_bit_identical() {
    let (rows, c) = (8192, 5);
    let p = BatchNormParams::new(rows, c);
    let mut r = rng(62);
    let x = rand_vec(&mut r, rows * c);
    let (gamma, beta, mean) = (rand_vec(&mut r, c), rand_vec(&mut r, c), rand_vec(&mut r, c));
    let var: Vec<f32> = rand_vec(&mut r, c).iter().map(|v| v.abs() + 0.1).collect();
    same_bits_on_one_and_two_threads("batchNormInference", || {
        let mut y = vec![f32::NAN; rows * c];
        batch_norm_inference(&p, &x, &gamma, &beta, &mean, &var, &mut y).unwrap();
        y
    });
}

#[test]
fn scalar_gemm_with_one_and_two_threads_and_by_hand() {
    // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[4,5],[10,11]] on the scalar micro-kernel.
    let mut c = [9.0; 4];
    gemm_with(&GemmParams::new(2, 2, 3), &[1., 2., 3., 4., 5., 6.], &[1., 0., 0., 1., 1., 1.], None, &mut c, KernelKind::Scalar).unwrap();
    assert_eq!(c, [4., 5., 10., 11.]);
    let p = GemmParams::new(257, 131, 190);
    let mut r = rng(63);
    let (a, b) = (rand_vec(&mut r, p.m * p.k), rand_vec(&mut r, p.k * p.n));
    same_bits_on_one_and_two_threads("matMulScalar 257x131x190", || {
        let mut c = vec![0.0; p.m * p.n];
        gemm_with(&p, &a, &b, None, &mut c, KernelKind::Scalar).unwrap();
        c
    });
}
