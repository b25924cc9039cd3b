//! The kernels on the wasm build itself: wasm32 with SIMD128 (the
//! single-threaded flavour's code), in Node, against their scalar
//! references. `cargo test` natively checks the same pairs with the portable
//! fallback of `F32x4`; here `F32x4` is a real `v128`, so this is where a
//! lane-order or load/store bug of the SIMD code would show.
//!
//!   bash scripts/test-wasm.sh
//!
//! (`cargo test --target wasm32-unknown-unknown` on a std built from
//! source, with wasm-bindgen-test-runner as the runner, in Node and then
//! headless Chromium; scripts/test.sh runs it.) Odd sizes, batch 1,
//! strides and every padding mode, so the SIMD edges and tails run.
#![cfg(target_arch = "wasm32")]

use cnn_core::conv::{self, reference::conv2d_ref};
use cnn_core::depthwise::{self, Depthwise2d};
use cnn_core::gemm::{self, Activation, GemmParams};
use cnn_core::optim::{self, Adam};
use cnn_core::pool;
use cnn_core::shape::{Conv2d, Conv2dArgs, Padding, Pool2d, Pool2dArgs};
use cnn_core::simd::HAS_SIMD128;
use cnn_core::softmax;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use wasm_bindgen_test::wasm_bindgen_test;

fn rand_vec(rng: &mut SmallRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Largest |a - b| relative to max(1, |b|); fails with `what` and the index.
fn close(a: &[f32], b: &[f32], tol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let err = (x - y).abs() / y.abs().max(1.0);
        assert!(err <= tol, "{what}: element {i}: simd {x} vs reference {y} (relative error {err:e} > {tol:e})");
    }
}

#[wasm_bindgen_test]
fn built_with_simd128() {
    // Otherwise every test below would compare the portable fallback with itself.
    assert!(HAS_SIMD128, "build with RUSTFLAGS='-C target-feature=+simd128'");
}

#[wasm_bindgen_test]
fn gemm_matches_reference_odd_sizes_transposes_bias_relu() {
    let mut rng = SmallRng::seed_from_u64(1);
    for &(m, n, k) in &[(1, 1, 1), (1, 10, 128), (7, 13, 5), (33, 17, 64), (64, 129, 31)] {
        for &(ta, tb, relu) in &[(false, false, false), (true, false, true), (false, true, false), (true, true, true)] {
            let mut p = GemmParams::new(m, n, k);
            p.trans_a = ta;
            p.trans_b = tb;
            p.act = if relu { Activation::Relu } else { Activation::Linear };
            let (a, b, bias) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, k * n), rand_vec(&mut rng, n));
            let (mut c, mut r) = (vec![0.0; m * n], vec![0.0; m * n]);
            gemm::gemm(&p, &a, &b, Some(&bias), &mut c).unwrap();
            gemm::gemm_ref(&p, &a, &b, Some(&bias), &mut r).unwrap();
            close(&c, &r, 1e-5, &format!("gemm {m}x{n}x{k} transA={ta} transB={tb} relu={relu}"));
        }
    }
}

#[wasm_bindgen_test]
fn conv2d_matches_reference_strides_paddings_batch_1() {
    let mut rng = SmallRng::seed_from_u64(2);
    // (n, h, w, cin, kh, kw, cout, stride): 3x3 stride 1 takes the Winograd
    // path, the others im2col + GEMM; cin 1 and 3 are first layers.
    let cases = [(1, 28, 28, 1, 3, 3, 16, 1), (2, 14, 13, 16, 3, 3, 32, 1), (1, 9, 11, 3, 3, 3, 8, 2), (1, 7, 7, 64, 1, 1, 24, 1), (3, 10, 9, 5, 5, 3, 7, 3)];
    for &(n, h, w, cin, kh, kw, cout, s) in &cases {
        for padding in [Padding::Valid, Padding::Same, Padding::Explicit([1, 0, 2, 1])] {
            let p = Conv2d::new("conv2d", &Conv2dArgs { n, h, w, cin, kh, kw, cout, stride: [s, s], dilation: [1, 1], padding }).unwrap();
            let (x, f, bias) = (rand_vec(&mut rng, p.input_len()), rand_vec(&mut rng, p.filter_len()), rand_vec(&mut rng, cout));
            let (mut y, mut r) = (vec![0.0; p.output_len()], vec![0.0; p.output_len()]);
            conv::conv2d(&p, &x, &f, Some(&bias), Activation::Relu, &mut y).unwrap();
            conv2d_ref(&p, &x, &f, Some(&bias), Activation::Relu, &mut r);
            close(&y, &r, 1e-4, &format!("conv2d {n}x{h}x{w}x{cin} k{kh}x{kw} cout {cout} stride {s} {padding:?}"));

            let dy = rand_vec(&mut rng, p.output_len());
            let (mut dx, mut rdx) = (vec![0.0; p.input_len()], vec![0.0; p.input_len()]);
            conv::conv2d_backward_input(&p, &dy, &f, &mut dx).unwrap();
            conv::reference::conv2d_backward_input_ref(&p, &dy, &f, &mut rdx);
            close(&dx, &rdx, 1e-4, &format!("conv2d input gradient {n}x{h}x{w}x{cin} stride {s} {padding:?}"));
        }
    }
}

/// The training paths of the seed CNN's layers on real SIMD128: the
/// stride-2 input gradient's scatter-add tiles and the filter gradient's
/// pixel-packed patch panels (cin % 8 == 0), and the stride-1 input
/// gradient's vector filter flip (4 x 4 shuffles) before its Winograd
/// convolution.
#[wasm_bindgen_test]
fn conv_backward_training_paths_match_reference() {
    let mut rng = SmallRng::seed_from_u64(3);
    for &(n, h, cin, cout, s) in &[(3, 16, 32, 64, 2), (2, 8, 64, 64, 2), (2, 12, 16, 32, 1), (1, 9, 8, 24, 1)] {
        let p = Conv2d::new("conv2d", &Conv2dArgs { n, h, w: h, cin, kh: 3, kw: 3, cout, stride: [s, s], dilation: [1, 1], padding: Padding::Same }).unwrap();
        let (x, f, dy) = (rand_vec(&mut rng, p.input_len()), rand_vec(&mut rng, p.filter_len()), rand_vec(&mut rng, p.output_len()));
        let (mut dx, mut rdx) = (vec![0.0; p.input_len()], vec![0.0; p.input_len()]);
        conv::conv2d_backward_input(&p, &dy, &f, &mut dx).unwrap();
        conv::reference::conv2d_backward_input_ref(&p, &dy, &f, &mut rdx);
        close(&dx, &rdx, 1e-4, &format!("input gradient {n}x{h}x{h}x{cin}->{cout} stride {s}"));
        let (mut dw, mut rdw) = (vec![0.0; p.filter_len()], vec![0.0; p.filter_len()]);
        conv::conv2d_backward_filter(&p, &x, &dy, &mut dw).unwrap();
        conv::reference::conv2d_backward_filter_ref(&p, &x, &dy, &mut rdw);
        close(&dw, &rdw, 1e-4, &format!("filter gradient {n}x{h}x{h}x{cin}->{cout} stride {s}"));
    }
}

#[wasm_bindgen_test]
fn depthwise_matches_reference() {
    let mut rng = SmallRng::seed_from_u64(3);
    for &(h, w, c, k, s, mult) in &[(9, 11, 7, 3, 1, 1), (14, 14, 32, 3, 2, 1), (5, 6, 3, 5, 1, 2)] {
        for padding in [Padding::Valid, Padding::Same] {
            let p = Depthwise2d::new(
                "depthwiseConv2d",
                &Conv2dArgs { n: 2, h, w, cin: c, kh: k, kw: k, cout: c * mult, stride: [s, s], dilation: [1, 1], padding },
            )
            .unwrap();
            let (x, f, bias) = (rand_vec(&mut rng, p.input_len()), rand_vec(&mut rng, k * k * c * mult), rand_vec(&mut rng, c * mult));
            let (mut y, mut r) = (vec![0.0; p.output_len()], vec![0.0; p.output_len()]);
            depthwise::depthwise_conv2d(&p, &x, &f, Some(&bias), &mut y).unwrap();
            depthwise::depthwise_conv2d_ref(&p, &x, &f, Some(&bias), &mut r).unwrap();
            close(&y, &r, 1e-5, &format!("depthwise {h}x{w}x{c} k{k} stride {s} x{mult} {padding:?}"));
        }
    }
}

#[wasm_bindgen_test]
fn pooling_matches_reference() {
    let mut rng = SmallRng::seed_from_u64(4);
    for &(h, w, c, k, s) in &[(28, 28, 16, 2, 2), (9, 11, 7, 3, 2), (5, 5, 33, 3, 1)] {
        for padding in [Padding::Valid, Padding::Same] {
            let p = Pool2d::new("pool", &Pool2dArgs { n: 2, h, w, c, pool: [k, k], stride: [s, s], padding }).unwrap();
            let x = rand_vec(&mut rng, 2 * h * w * c);
            let (mut y, mut r) = (vec![0.0; p.output_len()], vec![0.0; p.output_len()]);
            pool::max_pool2d(&p, &x, &mut y).unwrap();
            pool::max_pool2d_ref(&p, &x, &mut r).unwrap();
            close(&y, &r, 0.0, &format!("maxPool {h}x{w}x{c} k{k} s{s} {padding:?}"));
            pool::avg_pool2d(&p, &x, &mut y).unwrap();
            pool::avg_pool2d_ref(&p, &x, &mut r).unwrap();
            close(&y, &r, 1e-6, &format!("avgPool {h}x{w}x{c} k{k} s{s} {padding:?}"));
        }
    }
}

#[wasm_bindgen_test]
fn softmax_cross_entropy_and_adam_match_reference() {
    let mut rng = SmallRng::seed_from_u64(5);
    let (rows, classes) = (13, 10);
    let logits: Vec<f32> = rand_vec(&mut rng, rows * classes).iter().map(|v| v * 8.0).collect();
    let labels: Vec<f32> = (0..rows).map(|i| (i * 7 % classes) as f32).collect();
    let (mut p, mut rp) = (vec![0.0; rows * classes], vec![0.0; rows * classes]);
    softmax::softmax(rows, classes, &logits, &mut p).unwrap();
    softmax::softmax_ref(rows, classes, &logits, &mut rp).unwrap();
    close(&p, &rp, 1e-6, "softmax");
    let loss = softmax::sparse_softmax_cross_entropy(rows, classes, &logits, &labels, &mut p).unwrap();
    let rloss = softmax::sparse_softmax_cross_entropy_ref(rows, classes, &logits, &labels, &mut rp).unwrap();
    close(&[loss], &[rloss], 1e-5, "sparse softmax cross-entropy loss");

    let n = 1027; // not a multiple of the 4 lanes
    let grad = rand_vec(&mut rng, n);
    let param0 = rand_vec(&mut rng, n);
    let o = Adam::default();
    let (mut w, mut m, mut v) = (param0.clone(), vec![0.0; n], vec![0.0; n]);
    let (mut rw, mut rm, mut rv) = (param0, vec![0.0; n], vec![0.0; n]);
    for step in 1..=3 {
        optim::adam_update(&o, step, &grad, &mut w, &mut m, &mut v).unwrap();
        optim::adam_update_ref(&o, step, &grad, &mut rw, &mut rm, &mut rv).unwrap();
    }
    close(&w, &rw, 1e-6, "adam parameters after 3 steps");
    close(&v, &rv, 1e-6, "adam second moments");
}
