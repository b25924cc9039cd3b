use super::*;
use crate::shape::{Conv2dArgs, Padding};
use crate::testutil::*;
use rand::rngs::SmallRng;
use rand::Rng;

fn geom(a: &Conv2dArgs) -> Depthwise2d {
    Depthwise2d::new("depthwiseConv2d", a).unwrap()
}

/// `x [n,h,w,c]`, filter `[k,k,c,m]`.
#[allow(clippy::too_many_arguments)]
fn args(n: usize, h: usize, w: usize, c: usize, k: usize, m: usize, s: usize, d: usize, padding: Padding) -> Conv2dArgs {
    Conv2dArgs { n, h, w, cin: c, kh: k, kw: k, cout: c * m, stride: [s, s], dilation: [d, d], padding }
}

fn random_args(r: &mut SmallRng) -> Conv2dArgs {
    loop {
        let kh = [1usize, 2, 3, 3, 5][r.random_range(0..5)];
        let kw = if r.random_bool(0.8) { kh } else { [1usize, 2, 3][r.random_range(0..3)] };
        let c = [1usize, 3, 4, 5, 8, 9, 12, 16, 17][r.random_range(0..9)];
        let m = [1usize, 1, 1, 2, 3][r.random_range(0..5)];
        let mut a = Conv2dArgs::new([1, 1, 2, 3][r.random_range(0..4)], r.random_range(1..12), r.random_range(1..12), c, kh, kw, c * m);
        a.stride = [r.random_range(1..4), r.random_range(1..4)];
        if r.random_bool(0.3) {
            a.dilation = [r.random_range(1..4), r.random_range(1..4)];
        }
        a.padding = match r.random_range(0..3) {
            0 => Padding::Valid,
            1 => Padding::Same,
            _ => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
        };
        if Depthwise2d::new("t", &a).is_ok() {
            return a;
        }
    }
}

fn describe(a: &Conv2dArgs) -> String {
    format!("x=[{},{},{},{}] f=[{},{},{},{}] s={:?} d={:?} p={:?}", a.n, a.h, a.w, a.cin, a.kh, a.kw, a.cin, a.cout / a.cin, a.stride, a.dilation, a.padding)
}

fn arange(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

// --- Small cases checked by eye -------------------------------------------

#[test]
fn x_1x3x3x2_f_2x2x2x1_valid_sums_each_channel_separately() {
    // Channel 0 holds 0,2,4,..,16 and channel 1 holds 1,3,..,17; filter ones
    // for channel 0 and twos for channel 1.
    let p = geom(&args(1, 3, 3, 2, 2, 1, 1, 1, Padding::Valid));
    let w = vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
    let mut y = vec![f32::NAN; 8];
    depthwise_conv2d(&p, &arange(18), &w, None, &mut y).unwrap();
    // Window (0,0) of channel 0: 0+2+6+8 = 16; of channel 1: 2*(1+3+7+9) = 40.
    assert_eq!(y, vec![16., 40., 24., 56., 40., 88., 48., 104.]);
}

#[test]
fn multiplier_2_writes_c_times_m_channels_in_tf_order() {
    // x = [1, 2] at one pixel, filter 1x1 [[10, 20], [30, 40]]: y = [10, 20, 60, 80].
    let p = geom(&args(1, 1, 1, 2, 1, 2, 1, 1, Padding::Valid));
    let mut y = vec![0.0; 4];
    depthwise_conv2d(&p, &[1.0, 2.0], &[10.0, 20.0, 30.0, 40.0], Some(&[0.5, 0.5, 0.5, 0.5]), &mut y).unwrap();
    assert_eq!(y, vec![10.5, 20.5, 60.5, 80.5]);
    let mut dx = vec![0.0; 2];
    depthwise_conv2d_backward_input(&p, &[1.0, 1.0, 1.0, 1.0], &[10.0, 20.0, 30.0, 40.0], &mut dx).unwrap();
    assert_eq!(dx, vec![30.0, 70.0]);
}

#[test]
fn same_padding_reads_no_padded_cells() {
    // 3x3 ones filter over 3x3 ones, SAME: corners see 4 cells, edges 6, centre 9.
    let p = geom(&args(1, 3, 3, 1, 3, 1, 1, 1, Padding::Same));
    let mut y = vec![0.0; 9];
    depthwise_conv2d(&p, &[1.0; 9], &[1.0; 9], None, &mut y).unwrap();
    assert_eq!(y, vec![4., 6., 4., 6., 9., 6., 4., 6., 4.]);
}

#[test]
fn wrong_lengths_and_multiplier_are_errors_naming_the_op() {
    let p = geom(&args(1, 3, 3, 2, 2, 1, 1, 1, Padding::Valid));
    let mut y = vec![0.0; 8];
    let e = depthwise_conv2d(&p, &[0.0; 17], &[0.0; 8], None, &mut y).unwrap_err();
    assert_eq!(e.to_string(), "depthwiseConv2d: input has 17 elements, expected 18");
    let a = Conv2dArgs::new(1, 3, 3, 2, 2, 2, 3);
    let e = Depthwise2d::new("depthwiseConv2d", &a).unwrap_err();
    assert_eq!(e.to_string(), "depthwiseConv2d: output depth 3 must be a multiple of the input depth 2 (depth multiplier)");
}

// --- SIMD kernels against the scalar references on random shapes ----------

#[test]
fn simd_matches_reference_on_random_shapes() {
    let mut r = rng(7);
    for case in 0..300 {
        let a = random_args(&mut r);
        let p = geom(&a);
        let name = format!("case {case} {}", describe(&a));
        let x = rand_vec(&mut r, p.input_len());
        let w = rand_vec(&mut r, p.filter_len());
        let b = rand_vec(&mut r, p.cout());
        let g = rand_vec(&mut r, p.output_len());
        let bias = if case % 2 == 0 { Some(&b[..]) } else { None };

        let (mut y, mut y_ref) = (vec![f32::NAN; p.output_len()], vec![f32::NAN; p.output_len()]);
        depthwise_conv2d(&p, &x, &w, bias, &mut y).unwrap();
        depthwise_conv2d_ref(&p, &x, &w, bias, &mut y_ref).unwrap();
        assert_kernel_eq(&y, &y_ref, p.y.kernel * p.x.kernel, &format!("forward {name}"));

        let tol = 1e-5 * (p.y.kernel * p.x.kernel * p.m) as f32;
        let (mut dx, mut dx_ref) = (vec![f32::NAN; p.input_len()], vec![f32::NAN; p.input_len()]);
        depthwise_conv2d_backward_input(&p, &g, &w, &mut dx).unwrap();
        depthwise_conv2d_backward_input_ref(&p, &g, &w, &mut dx_ref).unwrap();
        assert_close(&dx, &dx_ref, tol, tol, &format!("input gradient {name}"));

        let tol = 1e-5 * ((p.n * p.y.output * p.x.output) as f32).sqrt().max(1.0);
        let (mut dw, mut dw_ref) = (vec![f32::NAN; p.filter_len()], vec![f32::NAN; p.filter_len()]);
        depthwise_conv2d_backward_filter(&p, &x, &g, &mut dw).unwrap();
        depthwise_conv2d_backward_filter_ref(&p, &x, &g, &mut dw_ref).unwrap();
        assert_close(&dw, &dw_ref, tol, tol, &format!("filter gradient {name}"));
    }
}

#[test]
fn fused_activations_match_reference_on_random_shapes() {
    // relu / relu6 in the store, against the reference and against the
    // unfused forward pass clipped afterwards (inputs scaled so that some
    // outputs fall below 0 and some above 6).
    let mut r = rng(17);
    for case in 0..120 {
        let a = random_args(&mut r);
        let p = geom(&a);
        let name = format!("case {case} {}", describe(&a));
        let x: Vec<f32> = rand_vec(&mut r, p.input_len()).iter().map(|v| v * 5.0).collect();
        let w = rand_vec(&mut r, p.filter_len());
        let b = rand_vec(&mut r, p.cout());
        let bias = if case % 2 == 0 { Some(&b[..]) } else { None };
        let act = [Activation::Relu, Activation::Relu6][case % 2];
        let (mut y, mut y_ref, mut plain) = (vec![f32::NAN; p.output_len()], vec![f32::NAN; p.output_len()], vec![f32::NAN; p.output_len()]);
        depthwise_conv2d_act(&p, &x, &w, bias, act, &mut y).unwrap();
        depthwise_conv2d_act_ref(&p, &x, &w, bias, act, &mut y_ref).unwrap();
        assert_kernel_eq(&y, &y_ref, p.y.kernel * p.x.kernel, &format!("{act:?} {name}"));
        depthwise_conv2d(&p, &x, &w, bias, &mut plain).unwrap();
        let clipped: Vec<f32> = plain.iter().map(|v| act.apply(*v)).collect();
        assert_bits_eq(&y, &clipped, &format!("{act:?} vs clipped {name}"));
        if act == Activation::Relu6 && p.output_len() > 200 {
            assert!(y.contains(&6.0) || plain.iter().all(|v| *v <= 6.0), "{name}: relu6 never clipped");
        }
    }
}

// --- Gradients against finite differences ---------------------------------

#[test]
fn gradients_match_finite_differences() {
    let cases = [
        args(1, 5, 6, 3, 3, 1, 1, 1, Padding::Same),
        args(2, 7, 5, 5, 3, 2, 2, 1, Padding::Same),
        args(1, 7, 7, 4, 3, 1, 1, 2, Padding::Valid),
        args(1, 6, 5, 9, 2, 1, 3, 1, Padding::Explicit([1, 0, 2, 1])),
    ];
    let mut r = rng(11);
    for a in cases {
        let p = geom(&a);
        let name = describe(&a);
        let x = rand_vec(&mut r, p.input_len());
        let w = rand_vec(&mut r, p.filter_len());
        let g = rand_vec(&mut r, p.output_len());
        let loss = |x: &[f32], w: &[f32]| {
            let mut y = vec![0.0; p.output_len()];
            depthwise_conv2d_ref(&p, x, w, None, &mut y).unwrap();
            dot_f64(&y, &g)
        };
        let mut dx = vec![0.0; p.input_len()];
        depthwise_conv2d_backward_input(&p, &g, &w, &mut dx).unwrap();
        assert_grad_close(&dx, &numeric_grad(&x, 1e-2, |xp| loss(xp, &w)), 1e-3, 1e-3, &format!("dx {name}"));
        let mut dw = vec![0.0; p.filter_len()];
        depthwise_conv2d_backward_filter(&p, &x, &g, &mut dw).unwrap();
        assert_grad_close(&dw, &numeric_grad(&w, 1e-2, |wp| loss(&x, wp)), 1e-3, 1e-3, &format!("dw {name}"));
    }
}

// --- Threads ---------------------------------------------------------------

#[test]
fn one_and_two_threads_give_identical_bits() {
    // Big enough to split into several chunks.
    let a = args(2, 33, 31, 40, 3, 1, 1, 1, Padding::Same);
    let p = geom(&a);
    let mut r = rng(3);
    let x = rand_vec(&mut r, p.input_len());
    let w = rand_vec(&mut r, p.filter_len());
    let g = rand_vec(&mut r, p.output_len());
    let run = || {
        let mut y = vec![0.0; p.output_len()];
        let mut dx = vec![0.0; p.input_len()];
        let mut dw = vec![0.0; p.filter_len()];
        depthwise_conv2d(&p, &x, &w, None, &mut y).unwrap();
        depthwise_conv2d_backward_input(&p, &g, &w, &mut dx).unwrap();
        depthwise_conv2d_backward_filter(&p, &x, &g, &mut dw).unwrap();
        (y, dx, dw)
    };
    let one = with_threads(1, run);
    let two = with_threads(2, run);
    assert_bits_eq(&two.0, &one.0, "forward");
    assert_bits_eq(&two.1, &one.1, "input gradient");
    assert_bits_eq(&two.2, &one.2, "filter gradient");
    // The fused store (inference's folded batch norm + ReLU6), with a bias.
    let b = rand_vec(&mut r, p.cout());
    let fused = || {
        let mut y = vec![0.0; p.output_len()];
        depthwise_conv2d_act(&p, &x, &w, Some(&b), Activation::Relu6, &mut y).unwrap();
        y
    };
    assert_bits_eq(&with_threads(2, fused), &with_threads(1, fused), "forward relu6");
}
