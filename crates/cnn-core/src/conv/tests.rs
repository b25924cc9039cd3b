use super::reference::*;
use super::*;
use crate::shape::{Conv2dArgs, Padding};
use crate::testutil::*;
use rand::rngs::SmallRng;
use rand::Rng;

fn conv(a: &Conv2dArgs) -> Conv2d {
    Conv2d::new("conv2d", a).unwrap()
}

/// A random convolution that is valid for its padding mode.
fn random_args(r: &mut SmallRng) -> Conv2dArgs {
    let ks = [1usize, 1, 2, 3, 3, 3, 5];
    loop {
        let kh = ks[r.random_range(0..ks.len())];
        let kw = if r.random_bool(0.8) { kh } else { ks[r.random_range(0..ks.len())] };
        let mut a = Conv2dArgs::new(
            [1, 1, 2, 3][r.random_range(0..4)],
            r.random_range(1..14),
            r.random_range(1..14),
            [1, 2, 3, 4, 5, 8, 16][r.random_range(0..7)],
            kh,
            kw,
            [1, 3, 4, 8, 9, 16, 17][r.random_range(0..7)],
        );
        a.stride = [r.random_range(1..4), r.random_range(1..4)];
        if r.random_bool(0.2) {
            a.dilation = [r.random_range(1..3), r.random_range(1..3)];
        }
        a.padding = match r.random_range(0..3) {
            0 => Padding::Valid,
            1 => Padding::Same,
            _ => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
        };
        if Conv2d::new("conv2d", &a).is_ok() {
            return a;
        }
    }
}

fn case_name(a: &Conv2dArgs) -> String {
    format!("x=[{},{},{},{}] f=[{},{},{},{}] s={:?} d={:?} p={:?}", a.n, a.h, a.w, a.cin, a.kh, a.kw, a.cin, a.cout, a.stride, a.dilation, a.padding)
}

struct Data {
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    dy: Vec<f32>,
}

fn data(p: &Conv2d, seed: u64) -> Data {
    let mut r = rng(seed);
    Data { x: rand_vec(&mut r, p.input_len()), w: rand_vec(&mut r, p.filter_len()), b: rand_vec(&mut r, p.cout), dy: rand_vec(&mut r, p.output_len()) }
}

fn check_all_paths(a: &Conv2dArgs, seed: u64) {
    let p = conv(a);
    let d = data(&p, seed);
    let name = case_name(a);
    let tol = 1e-5 * (p.patch_len() as f32).sqrt().max(1.0);

    let act = if seed.is_multiple_of(2) { Activation::Relu } else { Activation::Linear };
    let mut expected = vec![0.0; p.output_len()];
    conv2d_ref(&p, &d.x, &d.w, Some(&d.b), act, &mut expected);
    for kernel in [KernelKind::Simd, KernelKind::Scalar] {
        let mut y = vec![f32::NAN; p.output_len()];
        conv2d_with(&p, &d.x, &d.w, Some(&d.b), act, &mut y, kernel).unwrap();
        assert_close(&y, &expected, tol, tol, &format!("forward {kernel:?} {name}"));
    }
    let mut y = vec![f32::NAN; p.output_len()];
    conv2d(&p, &d.x, &d.w, Some(&d.b), act, &mut y).unwrap();
    // Winograd's transforms add a few roundings: bound its error at 1e-4
    // relative to the reference's magnitude.
    assert_close(&y, &expected, 1e-4, tol, &format!("forward dispatch (winograd: {}) {name}", winograd::applies(&p)));

    let mut dx_ref = vec![0.0; p.input_len()];
    conv2d_backward_input_ref(&p, &d.dy, &d.w, &mut dx_ref);
    let mut dw_ref = vec![0.0; p.filter_len()];
    conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut dw_ref);
    for kernel in [KernelKind::Simd, KernelKind::Scalar] {
        let mut dx = vec![f32::NAN; p.input_len()];
        conv2d_backward_input_with(&p, &d.dy, &d.w, &mut dx, kernel).unwrap();
        assert_close(&dx, &dx_ref, tol, tol, &format!("backward input {kernel:?} {name}"));
        let mut dw = vec![f32::NAN; p.filter_len()];
        conv2d_backward_filter_with(&p, &d.x, &d.dy, &mut dw, kernel).unwrap();
        let tol_w = 1e-5 * (p.out_pixels() as f32).sqrt().max(1.0);
        assert_close(&dw, &dw_ref, tol_w, tol_w, &format!("backward filter {kernel:?} {name}"));
    }
}

#[test]
fn random_shapes_match_reference_in_every_padding_mode() {
    let mut r = rng(11);
    for seed in 0..250 {
        let a = random_args(&mut r);
        check_all_paths(&a, seed);
    }
}

#[test]
fn named_shapes_match_reference() {
    let mut cases = vec![];
    // 1x1, 5x5 and 11x11 kernels; Cin 1 and 3; batch 1; strides 1-3.
    for (h, k, cin, cout, s, pad) in [
        (9, 1, 3, 8, 1, Padding::Valid),
        (9, 1, 5, 7, 2, Padding::Same),
        (12, 5, 1, 8, 1, Padding::Same),
        (13, 5, 3, 16, 2, Padding::Valid),
        (23, 11, 3, 8, 4, Padding::Valid),
        (15, 11, 1, 4, 3, Padding::Same),
        (32, 3, 3, 16, 1, Padding::Same),
        (16, 3, 32, 64, 2, Padding::Same),
        (20, 3, 3, 64, 1, Padding::Same),
        (21, 3, 5, 16, 2, Padding::Same),
        (7, 3, 1, 1, 1, Padding::Explicit([2, 0, 1, 3])),
    ] {
        let mut a = Conv2dArgs::new(1, h, h, cin, k, k, cout);
        a.stride = [s, s];
        a.padding = pad;
        cases.push(a);
    }
    // Batched stride-2 layers whose filter gradient runs as dW^T = dy^T P
    // (cin % 8 == 0, cout <= 64, more pixels than patch positions).
    for (n, h, cin, cout, pad) in [(8, 16, 32, 64, Padding::Same), (6, 9, 16, 24, Padding::Explicit([1, 0, 2, 1]))] {
        let mut a = Conv2dArgs::new(n, h, h, cin, 3, 3, cout);
        a.stride = [2, 2];
        a.padding = pad;
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        check_all_paths(a, 1000 + i as u64);
    }
}

/// A random 3x3 stride-1 convolution (batch 1-3, sizes 1-14): channels
/// from 1 (all tails) to past 32 (SIMD groups and tails), the padding mode
/// by `seed % 3` (may be invalid for 'valid' on tiny inputs: callers check).
fn random_winograd_args(r: &mut SmallRng, seed: u64) -> Conv2dArgs {
    let (cin, cout) = if seed.is_multiple_of(4) { (r.random_range(1..9), r.random_range(1..9)) } else { (r.random_range(13..44), r.random_range(13..44)) };
    let mut a = Conv2dArgs::new(r.random_range(1..4), r.random_range(1..15), r.random_range(1..15), cin, 3, 3, cout);
    a.padding = match seed % 3 {
        0 => Padding::Same,
        1 => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
        _ => Padding::Valid,
    };
    a
}

#[test]
fn winograd_matches_reference_on_its_shapes() {
    let mut r = rng(21);
    for seed in 0..60u64 {
        let a = random_winograd_args(&mut r, seed);
        let Ok(p) = Conv2d::new("conv2d", &a) else { continue };
        // (The dispatch may prefer the direct path for few tiles; both
        // Winograd kernels must be right on any shape.)
        let d = data(&p, 3000 + seed);
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut expected);
        for variant in [winograd::Variant::F2, winograd::Variant::F4] {
            let mut y = vec![f32::NAN; p.output_len()];
            winograd::conv2d_winograd_variant(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut y, variant);
            // Relative to the size of the sum's terms, not of the (possibly
            // cancelling) result: 1e-4 of sqrt(K) in units of the inputs.
            let atol = 1e-4 * (p.patch_len() as f32).sqrt();
            assert_close(&y, &expected, 1e-4, atol, &format!("winograd {variant:?} {}", case_name(&a)));
        }
    }
}

#[test]
fn winograd_phased_batch_1_equals_block_loop_and_reference() {
    // Batch-1 layers with few tiles take the three-phase path (switch 11);
    // the block loop computes every tile the same way, so the bits agree.
    let mut r = rng(23);
    for seed in 0..50u64 {
        let (cin, cout) = if seed % 5 == 0 { (r.random_range(1..9), r.random_range(1..9)) } else { (r.random_range(13..70), r.random_range(13..70)) };
        let mut a = Conv2dArgs::new(1, r.random_range(1..22), r.random_range(1..22), cin, 3, 3, cout);
        a.padding = match seed % 3 {
            0 => Padding::Same,
            1 => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
            _ => Padding::Valid,
        };
        let Ok(mut p) = Conv2d::new("conv2d", &a) else { continue };
        let d = data(&p, 5000 + seed);
        // Scaled inputs so relu6 clips at both ends.
        let x: Vec<f32> = d.x.iter().map(|v| v * 3.0).collect();
        let act = [Activation::Relu6, Activation::Linear, Activation::Relu][seed as usize % 3];
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &x, &d.w, Some(&d.b), act, &mut expected);
        for variant in [winograd::Variant::F2, winograd::Variant::F4] {
            let name = format!("winograd {variant:?} {act:?} {}", case_name(&a));
            p.tuning = crate::tuning::Tuning::DEFAULT;
            let mut phased = vec![f32::NAN; p.output_len()];
            winograd::conv2d_winograd_variant(&p, &x, &d.w, Some(&d.b), act, &mut phased, variant);
            let atol = 1e-4 * 3.0 * (p.patch_len() as f32).sqrt();
            assert_close(&phased, &expected, 1e-4, atol, &name);
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(11, 1);
            let mut blocks = vec![f32::NAN; p.output_len()];
            winograd::conv2d_winograd_variant(&p, &x, &d.w, Some(&d.b), act, &mut blocks, variant);
            assert_bits_eq(&phased, &blocks, &format!("phased vs block loop {name}"));
            // The transformed filter packed instead of read in place (switch 10): same bits.
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(10, 1);
            let mut packed = vec![f32::NAN; p.output_len()];
            winograd::conv2d_winograd_variant(&p, &x, &d.w, Some(&d.b), act, &mut packed, variant);
            assert_bits_eq(&phased, &packed, &format!("in-place vs packed filter {name}"));
        }
    }
}

/// The block loop's even blocks (switch 15) against its fixed blocks and
/// the reference, at 1 and 2 threads: every tile is computed the same way
/// whatever block holds it, so the bits agree. Tile counts that leave a
/// short fixed block, a tile count below 8 groups of 4, and odd channels.
#[test]
fn winograd_even_blocks_equal_fixed_blocks_on_one_and_two_threads() {
    for (n, h, w, cin, cout) in [(1, 56, 56, 24, 24), (4, 16, 16, 64, 64), (3, 10, 7, 17, 9), (1, 9, 9, 16, 8), (2, 30, 30, 16, 32)] {
        let mut a = Conv2dArgs::new(n, h, w, cin, 3, 3, cout);
        a.padding = Padding::Same;
        let mut p = conv(&a);
        let d = data(&p, 700 + h as u64);
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut expected);
        for variant in [winograd::Variant::F2, winograd::Variant::F4] {
            let name = format!("{variant:?} {}", case_name(&a));
            let mut outs = vec![];
            for (switch, threads) in [(2, 1), (2, 2), (1, 1), (1, 2)] {
                // Switch 11 off: the block loop even where the phased path would run.
                p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(11, 1).with_switch(15, switch);
                outs.push(with_threads(threads, || {
                    let mut y = vec![f32::NAN; p.output_len()];
                    winograd::conv2d_winograd_variant(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut y, variant);
                    y
                }));
            }
            let atol = 1e-4 * (p.patch_len() as f32).sqrt();
            assert_close(&outs[0], &expected, 1e-4, atol, &name);
            for (i, o) in outs.iter().enumerate().skip(1) {
                assert_bits_eq(o, &outs[0], &format!("{name}, run {i}"));
            }
        }
    }
}

/// The row-pointer tile transforms (switch 38) against the per-pixel
/// offsets they replace, bit for bit, and against the reference: both
/// tilings, the block loop and the phased path, bias, a residual and
/// relu6, odd sizes and channel tails, every padding mode, 1 and 2 threads;
/// and the filter gradient's transforms, block loop and phased.
#[test]
fn winograd_row_transforms_equal_offset_transforms() {
    let mut r = rng(38);
    for seed in 0..47u64 {
        // Two shapes past 16 groups of 4 channels (a second pass of switch 39's groups).
        let a = match seed {
            45 => Conv2dArgs { padding: Padding::Same, ..Conv2dArgs::new(1, 7, 9, 70, 3, 3, 69) },
            46 => Conv2dArgs { padding: Padding::Valid, ..Conv2dArgs::new(2, 6, 5, 67, 3, 3, 9) },
            _ => random_winograd_args(&mut r, seed),
        };
        let Ok(mut p) = Conv2d::new("conv2d", &a) else { continue };
        let d = data(&p, 3800 + seed);
        let x: Vec<f32> = d.x.iter().map(|v| v * 3.0).collect();
        let res: Vec<f32> = (0..p.output_len()).map(|i| ((i * 7919) % 13) as f32 * 0.25 - 1.5).collect();
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &x, &d.w, Some(&d.b), Activation::Linear, &mut expected);
        for (e, r) in expected.iter_mut().zip(&res) {
            *e = Activation::Relu6.apply(*e + r);
        }
        let atol = 1e-4 * 3.0 * (p.patch_len() as f32).sqrt();
        for variant in [winograd::Variant::F2, winograd::Variant::F4] {
            for phased in [1, 2] {
                let mut outs = vec![];
                for (switch, threads, grouped) in [(2, 1, 2), (2, 2, 2), (1, 1, 2), (2, 1, 1)] {
                    p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(11, phased).with_switch(38, switch).with_switch(39, grouped);
                    outs.push(with_threads(threads, || {
                        let filter = winograd::TransformedFilter::new(&p, &d.w, variant);
                        let mut y = vec![f32::NAN; p.output_len()];
                        winograd::conv2d_winograd_filter_residual(&p, &x, &filter, Some(&d.b), Some(&res), Activation::Relu6, &mut y);
                        y
                    }));
                }
                let name = format!("winograd {variant:?} phased switch {phased} {}", case_name(&a));
                assert_close(&outs[0], &expected, 1e-4, atol, &name);
                assert_bits_eq(&outs[1], &outs[0], &format!("{name}, 2 threads"));
                assert_bits_eq(&outs[2], &outs[0], &format!("{name}, offsets (switch 38 off)"));
                assert_bits_eq(&outs[3], &outs[0], &format!("{name}, a group per pass (switch 39 off)"));
            }
        }
        let dy: Vec<f32> = d.dy.iter().map(|v| v * 2.0).collect();
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &x, &dy, &mut expected);
        let atol = 1e-4 * 6.0 * (p.out_pixels() as f32).sqrt();
        for variant in [winograd_filter::Variant::G2, winograd_filter::Variant::G4] {
            let mut outs = vec![];
            for (switch, grouped) in [(2, 2), (1, 2), (2, 1)] {
                p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(38, switch).with_switch(39, grouped);
                let mut dw = vec![f32::NAN; p.filter_len()];
                winograd_filter::conv2d_backward_filter_winograd_variant(&p, &x, &dy, &mut dw, variant);
                outs.push(dw);
                let per_tile = if variant == winograd_filter::Variant::G2 { 16 } else { 36 } * (p.cin + p.cout.div_ceil(8) * 8);
                let mut dw = vec![f32::NAN; p.filter_len()];
                with_threads(2, || winograd_filter::conv2d_backward_filter_winograd_phased(&p, &x, &dy, &mut dw, variant, 3 * per_tile));
                outs.push(dw);
            }
            let name = format!("winograd filter gradient {variant:?} {}", case_name(&a));
            assert_close(&outs[0], &expected, 1e-4, atol, &name);
            assert_close(&outs[1], &expected, 1e-4, atol, &format!("{name}, phased"));
            assert_bits_eq(&outs[2], &outs[0], &format!("{name}, offsets (switch 38 off)"));
            assert_bits_eq(&outs[3], &outs[1], &format!("{name}, phased, offsets (switch 38 off)"));
            assert_bits_eq(&outs[4], &outs[0], &format!("{name}, a group per pass (switch 39 off)"));
            assert_bits_eq(&outs[5], &outs[1], &format!("{name}, phased, a group per pass (switch 39 off)"));
        }
    }
}

#[test]
fn winograd_phased_one_and_two_threads_are_bit_identical() {
    for (h, cin, cout) in [(14, 64, 72), (7, 96, 128), (9, 5, 3)] {
        let mut a = Conv2dArgs::new(1, h, h, cin, 3, 3, cout);
        a.padding = Padding::Same;
        let p = conv(&a);
        let d = data(&p, 91);
        for variant in [winograd::Variant::F2, winograd::Variant::F4] {
            let run = || {
                let mut y = vec![0.0; p.output_len()];
                winograd::conv2d_winograd_variant(&p, &d.x, &d.w, Some(&d.b), Activation::Relu6, &mut y, variant);
                y
            };
            assert_bits_eq(&with_threads(2, run), &with_threads(1, run), &format!("{variant:?} {}", case_name(&a)));
        }
    }
}

#[test]
fn winograd_filter_gradient_matches_reference() {
    let mut r = rng(31);
    for seed in 0..40u64 {
        // Channels from 1 (all tails) up, outputs from 1x1 (partial tiles).
        let (cin, cout) = if seed % 4 == 0 { (r.random_range(1..6), r.random_range(1..6)) } else { (r.random_range(4..24), r.random_range(8..24)) };
        let mut a = Conv2dArgs::new(r.random_range(1..4), r.random_range(1..15), r.random_range(1..15), cin, 3, 3, cout);
        a.padding = match seed % 3 {
            0 => Padding::Same,
            1 => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
            _ => Padding::Valid,
        };
        let Ok(p) = Conv2d::new("conv2d", &a) else { continue };
        let d = data(&p, 4000 + seed);
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut expected);
        for variant in [winograd_filter::Variant::G2, winograd_filter::Variant::G4] {
            let mut dw = vec![f32::NAN; p.filter_len()];
            winograd_filter::conv2d_backward_filter_winograd_variant(&p, &d.x, &d.dy, &mut dw, variant);
            let atol = 1e-4 * (p.out_pixels() as f32).sqrt();
            assert_close(&dw, &expected, 1e-4, atol, &format!("winograd filter gradient {variant:?} {}", case_name(&a)));
            // Its α² GEMMs a call per tile (switch 30 off) instead of per row panel: the same bits.
            let mut q = p;
            q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(30, 1);
            let mut tiles = vec![f32::NAN; p.filter_len()];
            winograd_filter::conv2d_backward_filter_winograd_variant(&q, &d.x, &d.dy, &mut tiles, variant);
            assert_bits_eq(&tiles, &dw, &format!("winograd filter gradient {variant:?}, a call per tile {}", case_name(&a)));
            // The phased path (switch 12) whatever the rule says, in one pass
            // and in passes of about 3 tiles (the pass sum runs in order):
            // the reference's result, the same bits at 1 and 2 threads.
            let per_tile = if variant == winograd_filter::Variant::G2 { 16 } else { 36 } * (cin + cout.div_ceil(8) * 8);
            for max_floats in [usize::MAX, 3 * per_tile] {
                let run = || {
                    let mut dw = vec![f32::NAN; p.filter_len()];
                    winograd_filter::conv2d_backward_filter_winograd_phased(&p, &d.x, &d.dy, &mut dw, variant, max_floats);
                    dw
                };
                let name = format!("phased {variant:?} pass {max_floats} {}", case_name(&a));
                let one = with_threads(1, run);
                assert_close(&one, &expected, 1e-4, atol, &name);
                assert_bits_eq(&with_threads(2, run), &one, &format!("{name}, 2 threads"));
            }
        }
    }
}

/// Wide channels make each Winograd partial sum big, so the tile sum is
/// split in fewer chunks (and summed by several threads): still the
/// reference's result, and the same bits at 1 and 2 threads.
#[test]
fn winograd_filter_gradient_with_big_partials() {
    for (n, h, w, cin, cout, pad) in [(1, 30, 26, 160, 208, Padding::Same), (2, 17, 13, 136, 200, Padding::Valid)] {
        let mut a = Conv2dArgs::new(n, h, w, cin, 3, 3, cout);
        a.padding = pad;
        let p = conv(&a);
        let d = data(&p, 77 + cin as u64);
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut expected);
        for variant in [winograd_filter::Variant::G2, winograd_filter::Variant::G4] {
            let run = || {
                let mut dw = vec![f32::NAN; p.filter_len()];
                winograd_filter::conv2d_backward_filter_winograd_variant(&p, &d.x, &d.dy, &mut dw, variant);
                dw
            };
            let one = with_threads(1, run);
            let atol = 1e-4 * (p.out_pixels() as f32).sqrt();
            assert_close(&one, &expected, 1e-4, atol, &format!("winograd filter gradient {variant:?} {}", case_name(&a)));
            assert_bits_eq(&with_threads(2, run), &one, &format!("winograd filter gradient {variant:?} 2 threads {}", case_name(&a)));
        }
    }
}

/// The phased filter gradient's rule (switch 12; its kernel is checked in
/// `winograd_filter_gradient_matches_reference`): wide channels take phased
/// F(3x3, 4x4) with the switch on, the block loop with it off; both give
/// the reference's result.
#[test]
fn winograd_filter_gradient_phased_rule_on_and_off() {
    // Wide channels: the rule picks phased F(3x3, 4x4) with the switch on,
    // the block loop with it off; both are the reference's result.
    let mut a = Conv2dArgs::new(1, 30, 26, 136, 3, 3, 200);
    a.padding = Padding::Same;
    let mut p = conv(&a);
    let d = data(&p, 99);
    let mut expected = vec![0.0; p.filter_len()];
    conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut expected);
    for value in [1, 2] {
        p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(12, value);
        assert!(winograd_filter::applies(&p));
        let mut dw = vec![f32::NAN; p.filter_len()];
        conv2d_backward_filter(&p, &d.x, &d.dy, &mut dw).unwrap();
        assert_close(&dw, &expected, 1e-4, 1e-4 * (p.out_pixels() as f32).sqrt(), &format!("switch 12 = {value}"));
    }
}

/// The blocked, parallel filter flip of the stride-1 input gradient equals
/// its definition, `wt[kh-1-ky][kw-1-kx][co][ci] = w[ky][kx][ci][co]`, at 1
/// and 2 threads (channel counts off the 8-block, tasks spanning taps).
#[test]
fn flip_filter_matches_its_definition() {
    // With the vector blocks (switch 22, default) and the scalar copies;
    // (3, 3, 512, 512) and (3, 3, 16, 32) are whole 8 x 8 blocks only.
    let shapes = [(3, 3, 5, 7), (3, 2, 17, 9), (1, 1, 3, 1), (3, 3, 520, 100), (5, 5, 64, 8), (3, 3, 512, 512), (3, 3, 16, 32), (2, 3, 12, 20)];
    for ((kh, kw, cin, cout), switch) in shapes.into_iter().flat_map(|s| [(s, 2), (s, 1)]) {
        let mut p = conv(&Conv2dArgs::new(1, 6, 6, cin, kh, kw, cout));
        p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(22, switch);
        let w = rand_vec(&mut rng(cin as u64), p.filter_len());
        let mut expected = vec![0.0; w.len()];
        for ky in 0..kh {
            for kx in 0..kw {
                for ci in 0..cin {
                    for co in 0..cout {
                        expected[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cout + co) * cin + ci] = w[((ky * kw + kx) * cin + ci) * cout + co];
                    }
                }
            }
        }
        let name = format!("flip {kh}x{kw}x{cin}x{cout} switch 22 = {switch}");
        assert_bits_eq(&with_threads(1, || flip_filter(&p, &w)), &expected, &name);
        assert_bits_eq(&with_threads(2, || flip_filter(&p, &w)), &expected, &format!("{name}, 2 threads"));
    }
}

#[test]
fn seed_example_ones_valid_and_same() {
    // 1x3x3x1 ones convolved with a 2x2x1x1 filter of ones.
    let mut a = Conv2dArgs::new(1, 3, 3, 1, 2, 2, 1);
    let x = [1.0f32; 9];
    let w = [1.0f32; 4];
    let mut y = vec![0.0; 4];
    conv2d(&conv(&a), &x, &w, None, Activation::Linear, &mut y).unwrap();
    assert_eq!(y, vec![4.0; 4]);
    a.padding = Padding::Same;
    let mut y = vec![0.0; 9];
    conv2d(&conv(&a), &x, &w, None, Activation::Linear, &mut y).unwrap();
    assert_eq!(y, vec![4., 4., 2., 4., 4., 2., 2., 2., 1.]);
    // Explicit [[1,1],[1,1]] padding, as the seed's pad + VALID example.
    a.padding = Padding::Explicit([1, 1, 1, 1]);
    let mut y = vec![0.0; 16];
    conv2d(&conv(&a), &x, &w, None, Activation::Linear, &mut y).unwrap();
    assert_eq!(y, vec![1., 2., 2., 1., 2., 4., 4., 2., 2., 4., 4., 2., 1., 2., 2., 1.]);
}

/// `L = sum(conv(x, w) * r)` in f64.
fn loss(p: &Conv2d, x: &[f32], w: &[f32], r: &[f32]) -> f64 {
    let mut y = vec![0.0; p.output_len()];
    conv2d(p, x, w, None, Activation::Linear, &mut y).unwrap();
    y.iter().zip(r).map(|(a, b)| *a as f64 * *b as f64).sum()
}

/// `dw[j]`, the gradient of `loss` (`sum(y * dy)`) with respect to `w[j]`,
/// against central differences with step 1e-2.
#[track_caller]
fn assert_dw_entry_matches_finite_differences(p: &Conv2d, d: &Data, dw: &[f32], j: usize, case: &str) {
    let h = 1e-2f32;
    let (mut wp, mut wm) = (d.w.clone(), d.w.clone());
    wp[j] += h;
    wm[j] -= h;
    let num = (loss(p, &d.x, &wp, &d.dy) - loss(p, &d.x, &wm, &d.dy)) / (2.0 * h as f64);
    assert!((num - dw[j] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "dw[{j}] {} vs numeric {num} for {case}", dw[j]);
}

#[test]
fn backward_matches_central_finite_differences() {
    let mut r = rng(5);
    for seed in 0..12 {
        let a = random_args(&mut r);
        let p = conv(&a);
        let d = data(&p, 500 + seed);
        let mut dx = vec![0.0; p.input_len()];
        conv2d_backward_input(&p, &d.dy, &d.w, &mut dx).unwrap();
        let mut dw = vec![0.0; p.filter_len()];
        conv2d_backward_filter(&p, &d.x, &d.dy, &mut dw).unwrap();
        let h = 1e-2f32;
        for _ in 0..8 {
            let i = r.random_range(0..d.x.len());
            let (mut xp, mut xm) = (d.x.clone(), d.x.clone());
            xp[i] += h;
            xm[i] -= h;
            let num = (loss(&p, &xp, &d.w, &d.dy) - loss(&p, &xm, &d.w, &d.dy)) / (2.0 * h as f64);
            assert!((num - dx[i] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "dx[{i}] {} vs numeric {num} for {}", dx[i], case_name(&a));
            assert_dw_entry_matches_finite_differences(&p, &d, &dw, r.random_range(0..d.w.len()), &case_name(&a));
        }
    }
}

#[test]
fn one_and_two_threads_are_bit_identical() {
    // Shapes that take the direct, Winograd forward / input-gradient and
    // Winograd filter-gradient paths.
    // Batch 1 at 14x14 and 7x7 (the three-phase Winograd path, split over ξ;
    // the direct GEMM with the filter read in place, split over columns).
    for (n, h, cin, cout, s) in [
        (4, 20, 16, 32, 1),
        (4, 16, 32, 40, 1),
        (1, 30, 8, 16, 2),
        (2, 9, 3, 8, 1),
        (1, 14, 64, 72, 1),
        (1, 7, 96, 128, 1),
        // First layers: the gathered transpose over several pixel chunks
        // (3 -> 16), and the explicit short-patch blocks (4 -> 16 s2, 3 -> 64).
        (5, 37, 3, 16, 1),
        (5, 37, 4, 16, 2),
        (2, 30, 3, 64, 1),
        (3, 29, 1, 12, 2),
    ] {
        let mut a = Conv2dArgs::new(n, h, h, cin, 3, 3, cout);
        a.stride = [s, s];
        a.padding = Padding::Same;
        let p = conv(&a);
        let d = data(&p, 77);
        let run = || {
            let mut y = vec![0.0; p.output_len()];
            conv2d(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut y).unwrap();
            let mut dx = vec![0.0; p.input_len()];
            conv2d_backward_input(&p, &d.dy, &d.w, &mut dx).unwrap();
            let mut dw = vec![0.0; p.filter_len()];
            conv2d_backward_filter(&p, &d.x, &d.dy, &mut dw).unwrap();
            let mut db = vec![0.0; p.cout];
            bias_grad(&d.dy, p.cout, &mut db).unwrap();
            (y, dx, dw, db)
        };
        let one = with_threads(1, run);
        let two = with_threads(2, run);
        let name = case_name(&a);
        assert_bits_eq(&two.0, &one.0, &format!("forward {name}"));
        assert_bits_eq(&two.1, &one.1, &format!("backward input {name}"));
        assert_bits_eq(&two.2, &one.2, &format!("backward filter {name}"));
        assert_bits_eq(&two.3, &one.3, &format!("bias grad {name}"));
    }
}

#[test]
fn bias_grad_sums_pixels() {
    let dy: Vec<f32> = (0..12).map(|v| v as f32).collect(); // 4 pixels x 3 channels
    let mut db = vec![0.0; 3];
    bias_grad(&dy, 3, &mut db).unwrap();
    assert_eq!(db, vec![18.0, 22.0, 26.0]);
    let mut expected = vec![0.0; 3];
    bias_grad_ref(&dy, 3, &mut expected);
    assert_eq!(db, expected);
}

/// The bias gradient against the scalar reference on random sizes (channel
/// counts with and without 16-channel blocks and tails, pixel counts across
/// several 4096-pixel chunks), and the same bits at 1 and 2 threads.
#[test]
fn bias_grad_matches_reference_on_random_sizes() {
    let mut r = rng(41);
    for c in [1usize, 3, 15, 16, 17, 32, 40, 64, 70] {
        let pixels = [1usize, 7, 4096, 9001][r.random_range(0..4)];
        let dy = rand_vec(&mut r, pixels * c);
        let mut expected = vec![0.0; c];
        bias_grad_ref(&dy, c, &mut expected);
        let run = || {
            let mut db = vec![f32::NAN; c];
            bias_grad(&dy, c, &mut db).unwrap();
            db
        };
        let one = with_threads(1, run);
        assert_close(&one, &expected, 1e-5, 1e-5 * (pixels as f32).sqrt(), &format!("bias grad c {c} pixels {pixels}"));
        assert_bits_eq(&with_threads(2, run), &one, &format!("bias grad 2 threads c {c} pixels {pixels}"));
    }
}

/// The fused ReLU + bias gradient: the same bits as `relu_backward` then
/// `bias_grad` (and within rounding of their scalar references) on random
/// sizes, one and two threads alike, and its bad lengths are errors.
#[test]
fn relu_bias_grad_matches_relu_backward_then_bias_grad() {
    let mut r = rng(43);
    for c in [1usize, 3, 16, 17, 32, 45, 64] {
        let pixels = [1usize, 5, 4096, 9001][r.random_range(0..4)];
        let y: Vec<f32> = rand_vec(&mut r, pixels * c).iter().map(|v| if *v < 0.0 { 0.0 } else { *v }).collect();
        let dy = rand_vec(&mut r, pixels * c);
        let (mut dx_ref, mut db_ref) = (vec![0.0; pixels * c], vec![0.0; c]);
        crate::eltwise::relu_backward_ref(&y, &dy, &mut dx_ref).unwrap();
        bias_grad_ref(&dx_ref, c, &mut db_ref);
        let (mut dx_unfused, mut db_unfused) = (vec![0.0; pixels * c], vec![0.0; c]);
        crate::eltwise::relu_backward(&y, &dy, &mut dx_unfused).unwrap();
        bias_grad(&dx_unfused, c, &mut db_unfused).unwrap();
        let run = || {
            let (mut dx, mut db) = (vec![f32::NAN; pixels * c], vec![f32::NAN; c]);
            relu_bias_grad(&y, &dy, c, &mut dx, &mut db).unwrap();
            (dx, db)
        };
        let one = with_threads(1, run);
        let two = with_threads(2, run);
        let case = format!("reluBiasGrad c {c} pixels {pixels}");
        assert_bits_eq(&one.0, &dx_ref, &case);
        assert_close(&one.1, &db_ref, 1e-5, 1e-5 * (pixels as f32).sqrt(), &case);
        assert_bits_eq(&one.0, &dx_unfused, &format!("{case} vs unfused"));
        assert_bits_eq(&one.1, &db_unfused, &format!("{case} vs unfused"));
        assert_bits_eq(&two.0, &one.0, &format!("{case} 2 threads"));
        assert_bits_eq(&two.1, &one.1, &format!("{case} 2 threads"));
    }
    let e = relu_bias_grad(&[0.0; 6], &[0.0; 6], 4, &mut [0.0; 6], &mut [0.0; 4]).unwrap_err();
    assert_eq!(e.to_string(), "reluBiasGrad: output of 6 elements is not a whole number of rows of 4 channels");
    let e = relu_bias_grad(&[0.0; 8], &[0.0; 8], 4, &mut [0.0; 8], &mut [0.0; 3]).unwrap_err();
    assert_eq!(e.to_string(), "reluBiasGrad: bias gradient has 3 elements, expected 4");
}

/// Finite differences: for `L(z, b) = sum r * relu(z + b)` (z per pixel, b
/// per channel), the fused kernel's `dx` from `y = relu(z + b)` is dL/dz and
/// its `db` is dL/db.
#[test]
fn relu_bias_grad_matches_finite_differences() {
    let mut r = rng(44);
    let (pixels, c) = (37usize, 19usize);
    let z = distinct_vec(&mut r, pixels * c, 0.01);
    let b = rand_vec(&mut r, c).iter().map(|v| v * 0.001).collect::<Vec<f32>>();
    let rr = rand_vec(&mut r, pixels * c);
    let loss = |z: &[f32], b: &[f32]| -> f64 { z.iter().enumerate().map(|(i, v)| (v + b[i % c]).max(0.0) as f64 * rr[i] as f64).sum() };
    let y: Vec<f32> = z.iter().enumerate().map(|(i, v)| (v + b[i % c]).max(0.0)).collect();
    let (mut dx, mut db) = (vec![0.0; pixels * c], vec![0.0; c]);
    relu_bias_grad(&y, &rr, c, &mut dx, &mut db).unwrap();
    assert_grad_close(&dx, &numeric_grad(&z, 1e-3, |z| loss(z, &b)), 1e-3, 1e-4, "reluBiasGrad dx");
    assert_grad_close(&db, &numeric_grad(&b, 1e-4, |b| loss(&z, b)), 1e-3, 1e-3, "reluBiasGrad db");
}

#[test]
fn bias_grad_matches_reference_on_odd_channels_and_one_and_two_threads() {
    let mut r = rng(16);
    // Pixel counts below and above one reduction chunk (4096 pixels), so the partial sums are split.
    for (pixels, c) in [(1, 1), (7, 3), (4095, 5), (4097, 17), (20_001, 10)] {
        let dy = rand_vec(&mut r, pixels * c);
        let mut want = vec![0.0; c];
        bias_grad_ref(&dy, c, &mut want);
        let run = || {
            let mut db = vec![9.0; c];
            bias_grad(&dy, c, &mut db).unwrap();
            db
        };
        let one = with_threads(1, run);
        // The kernel sums chunk by chunk, the reference in one pass: equal up to rounding of `pixels` terms.
        assert_close(&one, &want, 1e-5, pixels as f32 * f32::EPSILON, &format!("biasGrad {pixels}x{c} vs reference"));
        assert_bits_eq(&with_threads(2, run), &one, &format!("biasGrad {pixels}x{c}, 2 threads vs 1"));
    }
    assert!(bias_grad(&[0.0; 7], 3, &mut [0.0; 3]).is_err());
}

#[test]
fn wrong_buffer_sizes_are_errors() {
    let p = conv(&Conv2dArgs::new(1, 4, 4, 3, 3, 3, 8));
    let mut y = vec![0.0; p.output_len()];
    let e = conv2d(&p, &[0.0; 47], &vec![0.0; p.filter_len()], None, Activation::Linear, &mut y).unwrap_err();
    assert_eq!(e.to_string(), "conv2d: input has 47 elements, expected 48");
}

/// `conv2d_residual` (the shortcut added in the store) against the scalar
/// reference conv then the add and the activation, for the SIMD and scalar
/// micro-kernels; and bit for bit against the unfused ops (`conv2d` with a
/// linear store, then `+ residual`, then the activation), on random shapes
/// (batch 1, odd sizes, strides, every padding mode) and on shapes that
/// take the Winograd block loop, the phased Winograd path and the batch-1
/// in-place GEMM, at 1 and 2 threads.
#[test]
fn residual_store_matches_reference_and_unfused_ops_on_one_and_two_threads() {
    let mut r = rng(23);
    let mut cases: Vec<Conv2dArgs> = (0..60).map(|_| random_args(&mut r)).collect();
    for (n, h, cin, cout) in [(2, 20, 16, 32), (1, 14, 64, 72), (1, 7, 96, 128), (1, 9, 40, 36)] {
        let mut a = Conv2dArgs::new(n, h, h, cin, 3, 3, cout);
        a.padding = Padding::Same;
        cases.push(a);
    }
    cases.push(Conv2dArgs::new(1, 14, 14, 64, 1, 1, 256));
    for (i, a) in cases.iter().enumerate() {
        let p = conv(a);
        let d = data(&p, 500 + i as u64);
        let res = rand_vec(&mut rng(900 + i as u64), p.output_len());
        let act = [Activation::Linear, Activation::Relu, Activation::Relu6][i % 3];
        let name = format!("{} {act:?} (winograd: {})", case_name(a), winograd::applies(&p));
        let bias = (i % 4 != 3).then_some(&d.b[..]);
        let tol = 1e-5 * (p.patch_len() as f32).sqrt().max(1.0);
        let mut conv_ref = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, bias, Activation::Linear, &mut conv_ref);
        let expected: Vec<f32> = conv_ref.iter().zip(&res).map(|(c, r)| act.apply(c + r)).collect();
        for kernel in [KernelKind::Simd, KernelKind::Scalar] {
            let mut y = vec![f32::NAN; p.output_len()];
            conv2d_residual_with(&p, &d.x, &d.w, bias, Some(&res), act, &mut y, kernel).unwrap();
            assert_close(&y, &expected, tol, tol, &format!("direct {kernel:?} {name}"));
        }
        let fused = |threads| {
            with_threads(threads, || {
                let mut y = vec![f32::NAN; p.output_len()];
                conv2d_residual(&p, &d.x, &d.w, bias, Some(&res), act, &mut y).unwrap();
                y
            })
        };
        let one = fused(1);
        assert_close(&one, &expected, 1e-4, tol, &format!("dispatch {name}"));
        assert_bits_eq(&fused(2), &one, &format!("2 threads {name}"));
        let mut unfused = vec![f32::NAN; p.output_len()];
        conv2d(&p, &d.x, &d.w, bias, Activation::Linear, &mut unfused).unwrap();
        for (u, r) in unfused.iter_mut().zip(&res) {
            *u = act.apply(*u + r);
        }
        assert_bits_eq(&one, &unfused, &format!("unfused {name}"));
    }
    // A residual of the wrong length is an error naming it.
    let p = conv(&Conv2dArgs::new(1, 4, 4, 2, 3, 3, 3));
    let d = data(&p, 1);
    let mut y = vec![0.0; p.output_len()];
    let e = conv2d_residual(&p, &d.x, &d.w, None, Some(&[0.0; 5]), Activation::Relu, &mut y).unwrap_err();
    assert_eq!(e.to_string(), format!("conv2dResidual: residual has 5 elements, expected {}", p.output_len()));
    let e = conv2d_residual(&p, &d.x[1..], &d.w, None, Some(&y.clone()), Activation::Relu, &mut y).unwrap_err();
    assert_eq!(e.to_string(), format!("conv2dResidual: input has {} elements, expected {}", p.input_len() - 1, p.input_len()));
}

/// One output pixel by hand: x = [1, 2] (1x1x1x2), w = [[3], [4]] (1x1
/// filter, 2 -> 1), bias 0.5, residual -12: relu(1*3 + 2*4 + 0.5 - 12) =
/// relu(-0.5) = 0, and linear gives -0.5; with residual 1, relu gives 12.5.
#[test]
fn residual_store_by_hand() {
    let p = conv(&Conv2dArgs::new(1, 1, 1, 2, 1, 1, 1));
    let (x, w, b) = ([1.0f32, 2.0], [3.0f32, 4.0], [0.5f32]);
    for (res, act, want) in [(-12.0f32, Activation::Relu, 0.0f32), (-12.0, Activation::Linear, -0.5), (1.0, Activation::Relu, 12.5)] {
        let mut y = [f32::NAN];
        conv2d_residual(&p, &x, &w, Some(&b), Some(&[res]), act, &mut y).unwrap();
        assert_eq!(y[0], want, "residual {res} {act:?}");
    }
}

/// The edge row panels cut at the padding (switch 16) give the gather's
/// bits, on random shapes (every padding mode, strides, batch 1, odd
/// channels) and on stride-2 layers with no interior panel, at 1 and 2
/// threads; the reference check of every path is
/// `random_shapes_match_reference_in_every_padding_mode`.
#[test]
fn edge_segments_equal_the_gathered_rows() {
    let mut r = rng(41);
    let mut cases: Vec<Conv2dArgs> = (0..80).map(|_| random_args(&mut r)).collect();
    for (n, h, cin, cout, k) in [(4, 8, 64, 64, 3), (2, 16, 32, 64, 3), (1, 23, 3, 8, 7), (3, 9, 5, 16, 5)] {
        let mut a = Conv2dArgs::new(n, h, h, cin, k, k, cout);
        a.stride = [2, 2];
        a.padding = Padding::Same;
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let mut p = conv(a);
        let d = data(&p, 300 + i as u64);
        let mut outs = vec![];
        for (switch, threads) in [(2, 1), (2, 2), (1, 1)] {
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(16, switch);
            outs.push(with_threads(threads, || {
                let mut y = vec![f32::NAN; p.output_len()];
                conv2d_with(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut y, KernelKind::Simd).unwrap();
                y
            }));
        }
        let name = case_name(a);
        assert_bits_eq(&outs[1], &outs[0], &format!("2 threads {name}"));
        assert_bits_eq(&outs[2], &outs[0], &format!("gathered {name}"));
    }
}

/// `Conv2dArgs` of `(n, h, w, cin, k, cout, stride, dilation, padding)` rows
/// (square kernels, strides and dilations).
type CaseRow = (usize, usize, usize, usize, usize, usize, usize, usize, Padding);
fn square_kernel_cases(rows: &[CaseRow]) -> Vec<Conv2dArgs> {
    rows.iter()
        .map(|&(n, h, w, cin, k, cout, s, d, pad)| {
            let mut a = Conv2dArgs::new(n, h, w, cin, k, k, cout);
            a.stride = [s, s];
            a.dilation = [d, d];
            a.padding = pad;
            a
        })
        .collect()
}

/// The filter gradient of `p` on `d`, on `threads` threads.
fn filter_grad_on(p: &Conv2d, d: &Data, threads: usize) -> Vec<f32> {
    with_threads(threads, || {
        let mut dw = vec![f32::NAN; p.filter_len()];
        conv2d_backward_filter(p, &d.x, &d.dy, &mut dw).unwrap();
        dw
    })
}

/// Strided layers whose `NR`-column panels of `dP` are one tap's channels
/// (`cin % 8 == 0`) take the scatter-add input gradient (switch 20):
/// against the scalar reference, its tile-by-tile form (switch 29 off, the
/// same bits), the old col2im bands (switch 20 off), central
/// finite differences, and at 1 and 2 threads (bit for bit), over strides
/// 2-3, dilation, every padding mode, batch 1 and bands of several rows.
#[test]
fn dx_scatter_tiles_and_phases_match_reference_col2im_and_finite_differences() {
    let cases = square_kernel_cases(&[
        (3, 16, 16, 32, 3, 64, 2, 1, Padding::Same),
        (2, 8, 8, 64, 3, 64, 2, 1, Padding::Same),
        (1, 13, 11, 8, 3, 5, 2, 1, Padding::Valid),
        (2, 17, 9, 16, 5, 12, 3, 1, Padding::Explicit([2, 0, 1, 3])),
        (1, 12, 12, 8, 3, 9, 2, 2, Padding::Same),
        (1, 40, 6, 8, 3, 4, 2, 1, Padding::Same),
    ]);
    // The scatter path is the strided dx with switch 35 (dx by phases) off.
    let scatter = crate::tuning::Tuning::DEFAULT.with_switch(35, 1);
    for (i, a) in cases.iter().enumerate() {
        let mut p = conv(a);
        p.tuning = scatter;
        assert!(scatter_applies(&p), "case {i} should take the scatter path");
        let name = case_name(a);
        let dat = data(&p, 900 + i as u64);
        let mut expected = vec![0.0; p.input_len()];
        conv2d_backward_input_ref(&p, &dat.dy, &dat.w, &mut expected);
        let run = |p: &Conv2d, threads: usize| {
            with_threads(threads, || {
                let mut dx = vec![f32::NAN; p.input_len()];
                conv2d_backward_input(p, &dat.dy, &dat.w, &mut dx).unwrap();
                dx
            })
        };
        let one = run(&p, 1);
        let tol = 1e-5 * (p.patch_len() as f32).sqrt();
        assert_close(&one, &expected, tol, tol, &format!("scatter vs reference {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("scatter 2 threads {name}"));
        // One micro-kernel call per row panel (switch 29) or per tile: the same bits.
        p.tuning = scatter.with_switch(29, 1);
        assert!(scatter_applies(&p));
        assert_bits_eq(&run(&p, 1), &one, &format!("scatter, a call per tile vs per row panel {name}"));
        p.tuning = scatter.with_switch(20, 1);
        assert!(!scatter_applies(&p));
        assert_close(&run(&p, 1), &one, tol, tol, &format!("col2im vs scatter {name}"));
        // The default (dx by phases, switch 35), and for it and the scatter
        // path dL/dx of L = sum(conv(x, w) * dy), numerically, at a few inputs.
        p.tuning = crate::tuning::Tuning::DEFAULT;
        let phases = run(&p, 1);
        assert_close(&phases, &expected, tol, tol, &format!("phases vs reference {name}"));
        let mut r = rng(950 + i as u64);
        let h = 1e-2f32;
        for _ in 0..6 {
            let j = r.random_range(0..dat.x.len());
            let (mut xp, mut xm) = (dat.x.clone(), dat.x.clone());
            xp[j] += h;
            xm[j] -= h;
            let num = (loss(&p, &xp, &dat.w, &dat.dy) - loss(&p, &xm, &dat.w, &dat.dy)) / (2.0 * h as f64);
            assert!((num - one[j] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "dx[{j}] {} vs numeric {num} for {name}", one[j]);
            assert!((num - phases[j] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "phases dx[{j}] {} vs numeric {num} for {name}", phases[j]);
        }
    }
}

/// The filter gradient's patch panels packed in one pass over the pixels
/// (switch 21) hold the same values as `PackedB::new` over `PatchesB`, so
/// `dW^T = dy^T P` gives the same bits with it on and off, at 1 and 2
/// threads; and the reference's values (strides, dilation, padding modes,
/// several pixel chunks).
#[test]
fn filter_grad_pixel_packing_equals_panel_packing_and_reference() {
    let cases = square_kernel_cases(&[
        (20, 16, 16, 32, 3, 64, 2, 1, Padding::Same),
        (40, 8, 8, 64, 3, 64, 2, 1, Padding::Same),
        (3, 13, 11, 8, 3, 5, 2, 1, Padding::Valid),
        (12, 17, 19, 16, 5, 12, 3, 1, Padding::Explicit([2, 0, 1, 3])),
        (2, 30, 30, 8, 3, 16, 2, 2, Padding::Same),
        (3, 20, 20, 8, 2, 7, 1, 1, Padding::Valid),
    ]);
    let takes = |p: &Conv2d| !winograd_filter::applies(p) && !short_patch(p) && p.out_pixels() >= p.patch_len();
    check_filter_grad_switch(&cases, 1300, 21, ("pixel packing", "panel packing", "take dW^T = dy^T P"), takes);
    // Switch 37: dy^T in packed 4-channel panels, a call per row panel for
    // all column panels, or the driver's tiles reading dy^T in place: the
    // same products in the same order (cout % 4 == 0 and several pixel
    // chunks: the first two cases; the others take the driver either way).
    check_filter_grad_switch(&cases, 1400, 37, ("packed dy^T panels", "the driver's tiles", "take dW^T = dy^T P"), takes);
    // Switch 50: dW^T back to dW by vector transposes over the thread pool or a
    // scalar loop, here and on the short-patch path (its dW^T rows padded
    // to a multiple of 8; 9 and 12 channels leave partial 8 x 8 blocks).
    check_filter_grad_switch(&cases, 1450, 50, ("vector untranspose", "scalar untranspose", "take dW^T = dy^T P"), takes);
    let short = square_kernel_cases(&[
        (5, 12, 12, 4, 3, 16, 2, 1, Padding::Same),
        (2, 20, 20, 3, 3, 64, 2, 1, Padding::Same),
        (3, 9, 11, 5, 3, 9, 2, 1, Padding::Valid),
        (1, 40, 40, 6, 2, 12, 1, 1, Padding::Explicit([1, 0, 0, 1])),
    ]);
    check_filter_grad_switch(&short, 1470, 50, ("vector untranspose", "scalar untranspose", "take the short patch"), |p| {
        short_patch(p) && !winograd_filter::applies(p)
    });
}

/// First layers' filter gradient on the input with its padding written
/// out (switch 23): the same products in the same order as gathering the
/// windows that touch the padding, so the same bits with the switch on and
/// off, at 1 and 2 threads; and the reference's values (SAME, explicit and
/// asymmetric padding, strides, dilation, 1-7 channels, several chunks).
#[test]
fn filter_grad_padded_input_equals_gathered_windows_and_reference() {
    let cases = square_kernel_cases(&[
        (5, 32, 32, 3, 3, 16, 1, 1, Padding::Same),
        (3, 28, 28, 1, 3, 16, 1, 1, Padding::Same),
        (2, 23, 17, 3, 5, 8, 2, 1, Padding::Same),
        (2, 15, 19, 2, 3, 9, 1, 2, Padding::Explicit([2, 0, 1, 3])),
        (1, 30, 30, 7, 3, 32, 3, 1, Padding::Explicit([0, 1, 1, 0])),
    ]);
    let takes = |p: &Conv2d| padded_input(p, &vec![0.0; p.input_len()]).is_some();
    check_filter_grad_switch(&cases, 1500, 23, ("padded input", "gathered windows", "be padded"), takes);
}

/// A filter-gradient path behind switch `switch` (on by default), on every
/// case that `takes` it: within the reference's bound, the same bits at 1
/// and 2 threads, and the same bits as the path the switch turns off.
/// `labels` = (the switch's path, the path it replaces, what each case
/// should do) for the messages.
fn check_filter_grad_switch(cases: &[Conv2dArgs], seed: u64, switch: usize, labels: (&str, &str, &str), takes: impl Fn(&Conv2d) -> bool) {
    let (on, off, should) = labels;
    for (i, a) in cases.iter().enumerate() {
        let mut p = conv(a);
        assert!(takes(&p), "case {i} should {should}");
        let name = case_name(a);
        let dat = data(&p, seed + i as u64);
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &dat.x, &dat.dy, &mut expected);
        let run = |p: &Conv2d, threads: usize| filter_grad_on(p, &dat, threads);
        let one = run(&p, 1);
        let tol = 1e-5 * (p.out_pixels() as f32).sqrt();
        assert_close(&one, &expected, tol, tol, &format!("{on} vs reference {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("{on} 2 threads {name}"));
        p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(switch, 1);
        assert_bits_eq(&run(&p, 1), &one, &format!("{off} vs {on} {name}"));
    }
}

/// Predict's pre-transformed filters (`winograd::prepare_filter`, then
/// `conv2d_prepared`) in both tilings: every element of the prepared buffer
/// written (it starts as NaN), the result within the Winograd bound of the
/// scalar reference (conv, bias, residual, activation), bit for bit the
/// unprepared Winograd path of that tiling followed by the same store, at 1
/// and 2 threads; with switch 17 off, the plain `conv2d_residual`. Random
/// 3x3 stride-1 shapes (batch 1-3, odd channels, every padding mode) and
/// the batch-1 shapes of the phased path and the block loop.
#[test]
fn prepared_filters_match_reference_and_the_unprepared_path_on_one_and_two_threads() {
    let mut r = rng(57);
    let mut cases = vec![];
    for seed in 0..40u64 {
        let a = random_winograd_args(&mut r, seed);
        if Conv2d::new("conv2d", &a).is_ok() {
            cases.push(a);
        }
    }
    // (1, 10, 35, 45): blocks of the filter transform cut at odd input and output channels.
    for (n, h, cin, cout) in [(1, 14, 64, 72), (1, 7, 96, 128), (1, 28, 32, 40), (2, 20, 16, 32), (1, 10, 35, 45)] {
        let mut a = Conv2dArgs::new(n, h, h, cin, 3, 3, cout);
        a.padding = Padding::Same;
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let mut p = conv(a);
        let d = data(&p, 7100 + i as u64);
        let res = rand_vec(&mut rng(7300 + i as u64), p.output_len());
        let residual = (i % 2 == 1).then_some(&res[..]);
        let bias = (i % 5 != 4).then_some(&d.b[..]);
        let act = [Activation::Linear, Activation::Relu, Activation::Relu6][i % 3];
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, bias, Activation::Linear, &mut expected);
        for (k, e) in expected.iter_mut().enumerate() {
            *e = act.apply(*e + residual.map_or(0.0, |r| r[k]));
        }
        let atol = 1e-4 * (p.patch_len() as f32).sqrt();
        for (variant, code) in [(winograd::Variant::F2, 2), (winograd::Variant::F4, 4)] {
            let name = format!("prepared {variant:?} {act:?} residual {} {}", residual.is_some(), case_name(a));
            assert_eq!(winograd::variant_of_code("t", code).unwrap(), variant);
            let mut u = vec![f32::NAN; winograd::prepared_len(p.cin, p.cout, variant)];
            with_threads(2, || winograd::prepare_filter(&p, &d.w, variant, &mut u)).unwrap();
            assert!(u.iter().all(|v| v.is_finite()), "{name}: prepared filter not fully written");
            let mut u1 = vec![f32::NAN; u.len()];
            with_threads(1, || winograd::prepare_filter(&p, &d.w, variant, &mut u1)).unwrap();
            assert_bits_eq(&u1, &u, &format!("{name}: prepared filter on 1 and 2 threads"));
            // Switch 25 off: the unblocked filter transform writes the same bits.
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(25, 1);
            let mut u0 = vec![f32::NAN; u.len()];
            with_threads(2, || winograd::prepare_filter(&p, &d.w, variant, &mut u0)).unwrap();
            assert_bits_eq(&u0, &u, &format!("{name}: blocked and unblocked filter transforms"));
            p.tuning = crate::tuning::Tuning::DEFAULT;
            let run = |p: &Conv2d, threads| {
                with_threads(threads, || {
                    let mut y = vec![f32::NAN; p.output_len()];
                    conv2d_prepared(p, &d.x, &d.w, &u, bias, residual, act, &mut y).unwrap();
                    y
                })
            };
            let one = run(&p, 1);
            assert_close(&one, &expected, 1e-4, atol, &name);
            assert_bits_eq(&run(&p, 2), &one, &format!("2 threads {name}"));
            // The unprepared Winograd path in the same tiling, then the same store.
            let mut unprepared = vec![f32::NAN; p.output_len()];
            winograd::conv2d_winograd_variant(&p, &d.x, &d.w, bias, Activation::Linear, &mut unprepared, variant);
            // Its filter transformed by the unblocked loop (switch 25 off): the same bits.
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(25, 1);
            let mut unblocked = vec![f32::NAN; p.output_len()];
            with_threads(2, || winograd::conv2d_winograd_variant(&p, &d.x, &d.w, bias, Activation::Linear, &mut unblocked, variant));
            assert_bits_eq(&unblocked, &unprepared, &format!("unblocked filter transform {name}"));
            p.tuning = crate::tuning::Tuning::DEFAULT;
            for (k, u) in unprepared.iter_mut().enumerate() {
                *u = act.apply(*u + residual.map_or(0.0, |r| r[k]));
            }
            assert_bits_eq(&one, &unprepared, &format!("unprepared {name}"));
            // Switch 17 off: the prepared filter is not used.
            p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(17, 1);
            let mut plain = vec![f32::NAN; p.output_len()];
            conv2d_residual(&p, &d.x, &d.w, bias, residual, act, &mut plain).unwrap();
            assert_bits_eq(&run(&p, 1), &plain, &format!("switch 17 off {name}"));
            p.tuning = crate::tuning::Tuning::DEFAULT;
        }
    }
    // Bad calls are errors naming what is wrong.
    let mut a = Conv2dArgs::new(1, 6, 6, 4, 3, 3, 5);
    a.padding = Padding::Same;
    let p = conv(&a);
    let d = data(&p, 3);
    let mut y = vec![0.0; p.output_len()];
    let short = vec![0.0; winograd::prepared_len(4, 5, winograd::Variant::F4) - 1];
    let e = conv2d_prepared(&p, &d.x, &d.w, &short, None, None, Activation::Relu, &mut y).unwrap_err();
    assert!(e.to_string().contains("prepared filter has"), "{e}");
    // The shared length checks name this kernel, not conv2d.
    let u4 = vec![0.0; winograd::prepared_len(4, 5, winograd::Variant::F4)];
    let e = conv2d_prepared(&p, &d.x[1..], &d.w, &u4, None, None, Activation::Relu, &mut y).unwrap_err();
    assert_eq!(e.to_string(), format!("conv2dPrepared: input has {} elements, expected {}", p.input_len() - 1, p.input_len()));
    let e = conv2d_prepared(&p, &d.x, &d.w, &u4, Some(&[0.0; 4]), None, Activation::Relu, &mut y).unwrap_err();
    assert_eq!(e.to_string(), "conv2dPrepared: bias has 4 elements, expected 5");
    let mut u = vec![0.0; winograd::prepared_len(4, 5, winograd::Variant::F2)];
    let e = winograd::prepare_filter(&p, &d.w[1..], winograd::Variant::F2, &mut u).unwrap_err();
    assert!(e.to_string().contains("filter has"), "{e}");
    assert!(winograd::variant_of_code("conv2dPrepareFilter", 3).unwrap_err().to_string().contains("variant must be 2"));
    a.stride = [2, 2];
    let p2 = conv(&a);
    let e = winograd::prepare_filter(&p2, &d.w, winograd::Variant::F2, &mut u).unwrap_err();
    assert!(e.to_string().contains("stride 1"), "{e}");
    let mut y2 = vec![0.0; p2.output_len()];
    let e = conv2d_prepared(&p2, &d.x, &d.w, &u, None, None, Activation::Relu, &mut y2).unwrap_err();
    assert!(e.to_string().contains("stride 1"), "{e}");
}

/// The forward rule (`winograd::choose`) on the batch-1 layers it was
/// measured on: F(4x4) for VGG16's 28x28x512 and 56x56x256 layers, F(2x2)
/// at 14x14x512 (16 F(4x4) tiles), direct at 7x7x512 and for 3 input channels.
#[test]
fn winograd_rule_picks_the_measured_tilings() {
    let pick = |h: usize, cin: usize, cout: usize| {
        let mut a = Conv2dArgs::new(1, h, h, cin, 3, 3, cout);
        a.padding = Padding::Same;
        winograd::choose(&conv(&a))
    };
    use winograd::Variant::{F2, F4};
    assert_eq!(pick(28, 512, 512), Some(F4));
    assert_eq!(pick(56, 256, 256), Some(F4));
    assert_eq!(pick(28, 256, 512), Some(F4));
    assert_eq!(pick(14, 512, 512), Some(F2));
    assert_eq!(pick(14, 256, 256), Some(F2));
    assert_eq!(pick(7, 512, 512), None);
    assert_eq!(pick(224, 3, 64), None);
}

#[test]
fn short_patch_forward_matches_reference_and_the_indirect_gemm_on_one_and_two_threads() {
    // First layers (cin < 8, patch <= 64 values, cout a multiple of 8) in
    // every padding mode, strides 1-2, a vertical dilation, pixel counts
    // that leave partial row panels and blocks; with bias, residual and
    // each activation. Switch 34 off is the indirect GEMM.
    let mut cases = vec![];
    for (i, (n, h, w, cin, k, cout, s, pad)) in [
        (2, 9, 11, 3, 3, 16, 1, Padding::Same),
        (1, 7, 7, 1, 3, 8, 1, Padding::Same),
        (3, 13, 10, 3, 3, 32, 2, Padding::Same),
        (1, 12, 12, 4, 3, 16, 2, Padding::Valid),
        (2, 10, 9, 7, 3, 8, 1, Padding::Explicit([2, 0, 1, 2])),
        (1, 17, 33, 3, 3, 24, 1, Padding::Same),
        (1, 11, 11, 2, 5, 16, 2, Padding::Same),
        (1, 8, 8, 3, 2, 8, 1, Padding::Valid),
        (5, 16, 16, 3, 3, 16, 1, Padding::Same),
        (2, 3, 260, 3, 3, 8, 1, Padding::Same),
    ]
    .into_iter()
    .enumerate()
    {
        let mut a = Conv2dArgs::new(n, h, w, cin, k, k, cout);
        a.stride = [s, s];
        a.padding = pad;
        if i == 4 {
            a.dilation = [2, 1];
        }
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let p = conv(a);
        assert!(short_patch_forward_applies(&p), "case {i} should take the short-patch forward");
        let d = data(&p, 700 + i as u64);
        let res = rand_vec(&mut rng(800 + i as u64), p.output_len());
        let act = [Activation::Linear, Activation::Relu, Activation::Relu6][i % 3];
        let bias = (i % 4 != 3).then_some(&d.b[..]);
        let residual = (i % 2 == 0).then_some(&res[..]);
        let name = format!("{} {act:?} bias {} residual {}", case_name(a), bias.is_some(), residual.is_some());
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, bias, Activation::Linear, &mut expected);
        for (e, r) in expected.iter_mut().zip(&res) {
            *e = act.apply(*e + residual.map_or(0.0, |_| *r));
        }
        let run = |q: &Conv2d, threads| {
            with_threads(threads, || {
                let mut y = vec![f32::NAN; q.output_len()];
                conv2d_residual_with(q, &d.x, &d.w, bias, residual, act, &mut y, KernelKind::Simd).unwrap();
                y
            })
        };
        let one = run(&p, 1);
        let tol = 1e-5 * (p.patch_len() as f32).sqrt().max(1.0);
        assert_close(&one, &expected, tol, tol, &format!("short patch {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("2 threads {name}"));
        let mut q = p;
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(34, 1);
        assert!(!short_patch_forward_applies(&q));
        assert_bits_eq(&run(&q, 1), &one, &format!("indirect GEMM {name}"));
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(48, 1);
        assert_bits_eq(&run(&q, 1), &one, &format!("whole padded copy {name}"));
    }
    // Not for 8+ channels, long patches or partial output panels.
    for (cin, k, cout) in [(8, 3, 16), (3, 5, 16), (3, 3, 12)] {
        let p = conv(&Conv2dArgs::new(1, 8, 8, cin, k, k, cout));
        assert!(!short_patch_forward_applies(&p), "cin {cin} k {k} cout {cout}");
    }
}

/// Switch 48: the padded short-patch forward with each task padding its
/// own band of input rows, on random first layers (batch 1-3, odd sizes,
/// strides 1-3, vertical dilation, every padding mode, bands that do not
/// divide the output and rows longer than a block), against the scalar
/// reference, bit-identical to the whole padded copy (the same products
/// in the same order) and at 1 and 2 threads.
#[test]
fn short_patch_forward_pads_per_task_matches_reference_and_the_whole_copy() {
    let mut r = rng(4848);
    let mut taken = 0;
    for case in 0..60 {
        let k = r.random_range(1..5);
        let mut a = Conv2dArgs::new(
            r.random_range(1..4),
            r.random_range(1..40),
            [1, 5, 17, 31, 64, 129, 300][case % 7],
            r.random_range(1..8),
            k,
            k,
            8 * r.random_range(1..4),
        );
        a.stride = [r.random_range(1..4), r.random_range(1..4)];
        if r.random_bool(0.2) {
            a.dilation = [2, 1];
        }
        a.padding = match case % 3 {
            0 => Padding::Same,
            1 => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
            _ => Padding::Explicit([1, 0, 0, 2]),
        };
        let Ok(p) = Conv2d::new("conv2d", &a) else { continue };
        if !short_patch_forward_applies(&p) || padded_geometry(&p).is_none() {
            continue;
        }
        taken += 1;
        let d = data(&p, 4900 + case as u64);
        let name = case_name(&a);
        let mut expected = vec![0.0; p.output_len()];
        conv2d_ref(&p, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut expected);
        let run = |q: &Conv2d, threads| {
            with_threads(threads, || {
                let mut y = vec![f32::NAN; q.output_len()];
                conv2d_with(q, &d.x, &d.w, Some(&d.b), Activation::Relu, &mut y, KernelKind::Simd).unwrap();
                y
            })
        };
        let one = run(&p, 1);
        let tol = 1e-5 * (p.patch_len() as f32).sqrt().max(1.0);
        assert_close(&one, &expected, tol, tol, &format!("bands {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("bands, 2 threads {name}"));
        let mut q = p;
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(48, 1);
        assert_bits_eq(&run(&q, 2), &one, &format!("whole padded copy {name}"));
    }
    assert!(taken >= 25, "only {taken} random cases took the banded forward");
}

#[test]
fn strided_input_gradient_by_phases_matches_reference_and_scatter_on_one_and_two_threads() {
    // Switch 35: dx as one dense convolution per stride phase. Strides 2-3
    // (one axis strided alone too), kernels 1-5 (a stride above the kernel
    // leaves pixels no tap reaches: zeros), dilation, every padding mode,
    // channels that leave a partial column panel, rows that leave a
    // partial row panel; the recycled dx arrives full of NaN.
    let mut cases = vec![];
    for (i, (n, h, w, cin, k, cout, s)) in [
        (2, 16, 16, 32, 3, 64, [2, 2]),
        (1, 8, 8, 64, 3, 64, [2, 2]),
        (2, 9, 11, 8, 3, 16, [2, 2]),
        (1, 13, 7, 12, 3, 5, [3, 2]),
        (2, 10, 10, 16, 1, 24, [2, 2]),
        (1, 11, 12, 3, 5, 8, [2, 3]),
        (1, 9, 9, 16, 3, 8, [1, 2]),
        (1, 12, 10, 24, 2, 16, [2, 2]),
        (3, 7, 9, 8, 3, 40, [2, 2]),
        (1, 6, 6, 64, 3, 128, [2, 2]),
        (2, 1, 5, 8, 1, 16, [2, 2]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut a = Conv2dArgs::new(n, h, w, cin, k, k, cout);
        a.stride = s;
        a.padding = [Padding::Same, Padding::Valid, Padding::Explicit([1, 2, 0, 1])][i % 3];
        if i == 2 {
            a.dilation = [2, 1];
        }
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let p = conv(a);
        assert!(dx_phases_applies(&p), "case {i} should take the phases");
        let d = data(&p, 1300 + i as u64);
        let name = case_name(a);
        let mut expected = vec![0.0; p.input_len()];
        conv2d_backward_input_ref(&p, &d.dy, &d.w, &mut expected);
        let run = |q: &Conv2d, threads, kernel| {
            with_threads(threads, || {
                let mut dx = vec![f32::NAN; q.input_len()];
                conv2d_backward_input_with(q, &d.dy, &d.w, &mut dx, kernel).unwrap();
                dx
            })
        };
        let tol = 1e-5 * (p.patch_len() as f32).sqrt().max(1.0);
        let one = run(&p, 1, KernelKind::Simd);
        assert_close(&one, &expected, tol, tol, &format!("phases {name}"));
        assert_bits_eq(&run(&p, 2, KernelKind::Simd), &one, &format!("phases 2 threads {name}"));
        assert_close(&run(&p, 1, KernelKind::Scalar), &expected, tol, tol, &format!("phases scalar kernel {name}"));
        // Switch 49 off: each phase's sub-filter built on its own, the same values.
        let mut q = p;
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(49, 1);
        assert_bits_eq(&run(&q, 2, KernelKind::Simd), &one, &format!("phase filters one by one {name}"));
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(35, 1);
        assert!(!dx_phases_applies(&q));
        assert_close(&run(&q, 1, KernelKind::Simd), &expected, tol, tol, &format!("scatter {name}"));
    }
    // Not for stride 1 or 128+ channels on both sides.
    for (cin, cout, s) in [(32, 64, 1), (128, 128, 2), (65, 16, 2), (16, 129, 2)] {
        let mut a = Conv2dArgs::new(1, 8, 8, cin, 3, 3, cout);
        a.stride = [s, s];
        assert!(!dx_phases_applies(&conv(&a)), "cin {cin} cout {cout} stride {s}");
    }
}

#[test]
fn filter_grad_rows_matches_reference_and_the_gathered_transpose_on_one_and_two_threads() {
    // Switch 36: first layers' dW with P^T read in place per output row and
    // dy read in place. Padding modes (the padded input), strides, a
    // dilation, patch lengths that leave a partial row panel (27, 9, 75),
    // several pixel chunks (5 x 37 x 37 pixels), an unpadded layer.
    let mut cases = vec![];
    for (i, (n, h, w, cin, k, cout, s)) in [
        (2, 9, 11, 3, 3, 16, 1),
        (5, 37, 37, 3, 3, 16, 1),
        (1, 12, 13, 1, 3, 8, 2),
        (2, 10, 9, 2, 3, 8, 1),
        (1, 11, 11, 3, 5, 24, 2),
        (3, 8, 8, 3, 2, 16, 1),
        (1, 30, 30, 3, 3, 32, 2),
    ]
    .into_iter()
    .enumerate()
    {
        let mut a = Conv2dArgs::new(n, h, w, cin, k, k, cout);
        a.stride = [s, s];
        a.padding = [Padding::Same, Padding::Explicit([2, 0, 1, 2]), Padding::Valid][i % 3];
        if i == 3 {
            a.dilation = [2, 1];
        }
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let p = conv(a);
        let d = data(&p, 1500 + i as u64);
        let name = case_name(a);
        let taken = padded_input(&p, &d.x).map_or(p, |(q, _)| q);
        assert!(filter_grad_rows_applies(&taken) && !short_patch(&p), "case {i} should take filter_grad_rows");
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut expected);
        let run = |q: &Conv2d, threads| {
            with_threads(threads, || {
                let mut dw = vec![f32::NAN; q.filter_len()];
                conv2d_backward_filter(q, &d.x, &d.dy, &mut dw).unwrap();
                dw
            })
        };
        let one = run(&p, 1);
        let tol = 1e-5 * (p.out_pixels() as f32).sqrt().max(1.0);
        assert_close(&one, &expected, tol, tol, &format!("rows {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("rows 2 threads {name}"));
        let mut q = p;
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(36, 1);
        assert!(!filter_grad_rows_applies(&q));
        assert_bits_eq(&run(&q, 1), &one, &format!("gathered transpose {name}"));
    }
}

#[test]
fn dx_direct_matches_reference_col2im_and_finite_differences_on_one_and_two_threads() {
    // Switch 40: stride-1 dx of 1-3 input channels straight from dy and the
    // filter. Kernels 1-5 (a 2x2 and a 5x3), dilation, every padding mode
    // (explicit padding wider than the kernel: rows no tap reaches),
    // widths that leave 1-3 pixels after the last block of 4, batch 1,
    // output channels 4-20; the recycled dx arrives full of NaN.
    let mut cases = vec![];
    for (i, (n, h, w, cin, kh, kw, cout)) in [
        (2, 32, 32, 3, 3, 3, 16),
        (1, 9, 11, 3, 3, 3, 8),
        (3, 7, 6, 1, 3, 3, 4),
        (1, 13, 10, 2, 5, 3, 12),
        (2, 5, 9, 3, 2, 2, 20),
        (1, 8, 7, 1, 1, 1, 16),
        (1, 12, 13, 3, 3, 3, 32),
        (2, 6, 5, 2, 3, 3, 8),
    ]
    .into_iter()
    .enumerate()
    {
        let mut a = Conv2dArgs::new(n, h, w, cin, kh, kw, cout);
        a.padding = [Padding::Same, Padding::Valid, Padding::Explicit([1, 2, 0, 3])][i % 3];
        if i == 6 {
            a.dilation = [2, 1];
        }
        if i == 7 {
            a.padding = Padding::Explicit([4, 0, 0, 4]);
        }
        cases.push(a);
    }
    for (i, a) in cases.iter().enumerate() {
        let p = conv(a);
        assert!(dx_direct::applies(&p), "case {i} should take dx_direct");
        let d = data(&p, 1700 + i as u64);
        let name = case_name(a);
        let mut expected = vec![0.0; p.input_len()];
        conv2d_backward_input_ref(&p, &d.dy, &d.w, &mut expected);
        let run = |q: &Conv2d, threads| {
            with_threads(threads, || {
                let mut dx = vec![f32::NAN; q.input_len()];
                conv2d_backward_input(q, &d.dy, &d.w, &mut dx).unwrap();
                dx
            })
        };
        let one = run(&p, 1);
        let tol = 1e-5 * ((p.y.kernel * p.x.kernel * p.cout) as f32).sqrt();
        assert_close(&one, &expected, tol, tol, &format!("dx_direct {name}"));
        assert_bits_eq(&run(&p, 2), &one, &format!("dx_direct 2 threads {name}"));
        let mut q = p;
        q.tuning = crate::tuning::Tuning::DEFAULT.with_switch(40, 1);
        assert!(!dx_direct::applies(&q));
        assert_close(&run(&q, 1), &expected, tol, tol, &format!("col2im (switch 40 off) {name}"));
        let mut r = rng(1750 + i as u64);
        let h = 1e-2f32;
        for _ in 0..6 {
            let j = r.random_range(0..d.x.len());
            let (mut xp, mut xm) = (d.x.clone(), d.x.clone());
            xp[j] += h;
            xm[j] -= h;
            let num = (loss(&p, &xp, &d.w, &d.dy) - loss(&p, &xm, &d.w, &d.dy)) / (2.0 * h as f64);
            assert!((num - one[j] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "dx[{j}] {} vs numeric {num} for {name}", one[j]);
        }
    }
    // Not for 4+ input channels, strides, or output channels that leave a partial vector.
    for (cin, cout, s) in [(4, 16, 1), (3, 16, 2), (3, 6, 1), (1, 1, 1)] {
        let mut a = Conv2dArgs::new(1, 8, 8, cin, 3, 3, cout);
        a.stride = [s, s];
        assert!(!dx_direct::applies(&conv(&a)), "cin {cin} cout {cout} stride {s}");
    }
}

/// Strided layers' transposed filter gradient with the patches read in
/// place as runs of pixels (switch 41): the same products in the same order
/// as the packed patches (the padding's zero rows left out), so the same
/// bits as the path it replaces (the driver's tiles, or with several
/// chunks of 1,024+ pixels switch 37's panels), at 1 and 2 threads; the
/// reference's values and central finite differences. Strides 2-3, one
/// axis strided alone, dilation, every padding mode, a chunk ending in a
/// partial K block, batch 1.
#[test]
fn filter_grad_runs_equal_packed_patches_reference_and_finite_differences() {
    let cases = square_kernel_cases(&[
        (40, 8, 8, 64, 3, 64, 2, 1, Padding::Same),
        (20, 16, 16, 32, 3, 64, 2, 1, Padding::Same),
        (3, 13, 11, 8, 3, 8, 2, 1, Padding::Valid),
        (12, 17, 19, 16, 5, 12, 3, 1, Padding::Explicit([2, 0, 1, 3])),
        (2, 30, 30, 8, 3, 16, 2, 2, Padding::Same),
        (6, 9, 9, 16, 3, 4, 2, 1, Padding::Explicit([0, 2, 2, 0])),
        (1, 30, 30, 8, 3, 40, 2, 1, Padding::Same),
    ]);
    let mut cases = cases;
    let mut a = Conv2dArgs::new(2, 11, 14, 16, 3, 3, 24);
    a.stride = [1, 2];
    a.padding = Padding::Same;
    cases.push(a);
    let takes = |p: &Conv2d| filter_grad_runs::applies(p) && !winograd_filter::applies(p) && p.cout <= 64 && p.out_pixels() >= p.patch_len();
    check_filter_grad_switch(&cases, 1800, 41, ("patch runs in place", "packed patches", "take the patch runs"), takes);
    for (i, a) in cases.iter().enumerate().take(4) {
        let p = conv(a);
        let d = data(&p, 1850 + i as u64);
        let dw = filter_grad_on(&p, &d, 1);
        let mut r = rng(1860 + i as u64);
        let h = 1e-2f32;
        for _ in 0..6 {
            let j = r.random_range(0..d.w.len());
            let (mut wp, mut wm) = (d.w.clone(), d.w.clone());
            wp[j] += h;
            wm[j] -= h;
            let num = (loss(&p, &d.x, &wp, &d.dy) - loss(&p, &d.x, &wm, &d.dy)) / (2.0 * h as f64);
            assert!((num - dw[j] as f64).abs() <= 2e-3 * (1.0 + num.abs()), "dw[{j}] {} vs numeric {num} for {}", dw[j], case_name(a));
        }
    }
    // Not for stride 1 or output channels that leave a partial row panel.
    for (cout, s) in [(64, 1), (6, 2)] {
        let mut a = Conv2dArgs::new(1, 8, 8, 16, 3, 3, cout);
        a.stride = [s, s];
        assert!(!filter_grad_runs::applies(&conv(&a)), "cout {cout} stride {s}");
    }
}

/// The filter gradient's row-major `E[ξ]` (switch 46) against the 8-column
/// panels it replaces, bit for bit (the same products in the same order),
/// and against the reference: both tilings, the block loop and the phased
/// path (one pass and passes of 3 tiles), the per-pixel transforms (switch
/// 38 off), a call per tile (switch 30 off), 1 and 2 threads, odd sizes,
/// every padding mode, and `cout` that is not a multiple of 8 (panels
/// either way); and a few entries against central finite differences.
#[test]
fn winograd_filter_e_rows_equal_e_panels_and_reference() {
    let mut r = rng(46);
    for seed in 0..36u64 {
        let cout = if seed % 6 == 5 { r.random_range(9..30) } else { 8 * r.random_range(1..6) };
        let cin = if seed % 4 == 0 { r.random_range(1..8) } else { r.random_range(4..40) };
        let mut a = Conv2dArgs::new(r.random_range(1..4), r.random_range(1..15), r.random_range(1..15), cin, 3, 3, cout);
        a.padding = match seed % 3 {
            0 => Padding::Same,
            1 => Padding::Explicit([r.random_range(0..3), r.random_range(0..3), r.random_range(0..3), r.random_range(0..3)]),
            _ => Padding::Valid,
        };
        let Ok(mut p) = Conv2d::new("conv2d", &a) else { continue };
        let d = data(&p, 4600 + seed);
        let mut expected = vec![0.0; p.filter_len()];
        conv2d_backward_filter_ref(&p, &d.x, &d.dy, &mut expected);
        let atol = 1e-4 * (p.out_pixels() as f32).sqrt();
        for variant in [winograd_filter::Variant::G2, winograd_filter::Variant::G4] {
            let per_tile = if variant == winograd_filter::Variant::G2 { 16 } else { 36 } * (cin + cout.div_ceil(8) * 8);
            let name = format!("winograd filter gradient {variant:?} {}", case_name(&a));
            for (other, value) in [(0, 0), (38, 1), (30, 1)] {
                let mut outs = vec![];
                for (e_rows, threads) in [(2, 1), (1, 1), (2, 2)] {
                    p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(46, e_rows).with_switch(other, value);
                    outs.push(with_threads(threads, || {
                        let mut dw = vec![f32::NAN; p.filter_len()];
                        winograd_filter::conv2d_backward_filter_winograd_variant(&p, &d.x, &d.dy, &mut dw, variant);
                        dw
                    }));
                    for max_floats in [usize::MAX, 3 * per_tile] {
                        outs.push(with_threads(threads, || {
                            let mut dw = vec![f32::NAN; p.filter_len()];
                            winograd_filter::conv2d_backward_filter_winograd_phased(&p, &d.x, &d.dy, &mut dw, variant, max_floats);
                            dw
                        }));
                    }
                }
                let case = format!("{name}, switch {other} = {value}");
                for (i, path) in ["block loop", "phased", "phased in passes"].iter().enumerate() {
                    assert_close(&outs[i], &expected, 1e-4, atol, &format!("{case}, {path}"));
                    assert_bits_eq(&outs[i], &outs[3 + i], &format!("{case}, {path}: E rows vs E panels"));
                    assert_bits_eq(&outs[6 + i], &outs[i], &format!("{case}, {path}: 2 threads"));
                }
            }
        }
        if seed % 9 == 1 {
            // The gradient of sum(y * dy) with respect to w, by the default
            // (E rows where cout % 8 == 0) against central differences.
            p.tuning = crate::tuning::Tuning::DEFAULT;
            let mut dw = vec![0.0; p.filter_len()];
            winograd_filter::conv2d_backward_filter_winograd(&p, &d.x, &d.dy, &mut dw);
            for _ in 0..6 {
                assert_dw_entry_matches_finite_differences(&p, &d, &dw, r.random_range(0..d.w.len()), &case_name(&a));
            }
        }
    }
}

/// The forward output transform compiled per epilogue (switch 47) against
/// the general one, bit for bit, and against the reference: with and
/// without a bias, linear and ReLU (the three kinds with a bias or ReLU,
/// and neither, left to the general version), and relu6 and a residual
/// (the general version too); both tilings, the block loop
/// and the phased path, a group per pass (switch 39 off), 1 and 2 threads,
/// channel tails and more than 16 groups of 4 channels.
#[test]
fn winograd_output_kinds_equal_general_output_transform() {
    let mut r = rng(47);
    for seed in 0..30u64 {
        let a = match seed {
            0 => Conv2dArgs { padding: Padding::Same, ..Conv2dArgs::new(1, 7, 9, 20, 3, 3, 70) },
            _ => random_winograd_args(&mut r, seed),
        };
        let Ok(mut p) = Conv2d::new("conv2d", &a) else { continue };
        let d = data(&p, 4700 + seed);
        let res: Vec<f32> = (0..p.output_len()).map(|i| ((i * 7919) % 13) as f32 * 0.25 - 1.5).collect();
        let atol = 1e-4 * (p.patch_len() as f32).sqrt();
        let kinds = [
            (true, Activation::Relu, false),
            (true, Activation::Linear, false),
            (false, Activation::Relu, false),
            (false, Activation::Linear, false),
            (true, Activation::Relu6, true),
        ];
        for (with_bias, act, with_res) in kinds {
            let bias = with_bias.then_some(&d.b[..]);
            let residual = with_res.then_some(&res[..]);
            let mut expected = vec![0.0; p.output_len()];
            conv2d_ref(&p, &d.x, &d.w, bias, Activation::Linear, &mut expected);
            for (i, e) in expected.iter_mut().enumerate() {
                *e = act.apply(*e + residual.map_or(0.0, |r| r[i]));
            }
            for variant in [winograd::Variant::F2, winograd::Variant::F4] {
                for phased in [1, 2] {
                    let mut outs = vec![];
                    for (kinds, threads, grouped) in [(2, 1, 2), (1, 1, 2), (2, 2, 2), (2, 1, 1), (1, 1, 1)] {
                        p.tuning = crate::tuning::Tuning::DEFAULT.with_switch(11, phased).with_switch(47, kinds).with_switch(39, grouped);
                        outs.push(with_threads(threads, || {
                            let filter = winograd::TransformedFilter::new(&p, &d.w, variant);
                            let mut y = vec![f32::NAN; p.output_len()];
                            winograd::conv2d_winograd_filter_residual(&p, &d.x, &filter, bias, residual, act, &mut y);
                            y
                        }));
                    }
                    let name = format!("winograd {variant:?} bias {with_bias} {act:?} residual {with_res} phased switch {phased} {}", case_name(&a));
                    assert_close(&outs[0], &expected, 1e-4, atol, &name);
                    assert_bits_eq(&outs[0], &outs[1], &format!("{name}: per-kind vs general output transform"));
                    assert_bits_eq(&outs[2], &outs[0], &format!("{name}: 2 threads"));
                    assert_bits_eq(&outs[3], &outs[4], &format!("{name}: a group per pass, per-kind vs general"));
                }
            }
        }
    }
}
