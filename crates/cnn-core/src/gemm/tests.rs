use super::*;
use crate::testutil::*;
use rand::Rng;

fn run_case(p: GemmParams, with_bias: bool, seed: u64) {
    let mut r = rng(seed);
    let a = rand_vec(&mut r, p.m * p.k);
    let b = rand_vec(&mut r, p.k * p.n);
    let bias = rand_vec(&mut r, p.n);
    let c0 = rand_vec(&mut r, p.m * p.n);
    let bias = with_bias.then_some(&bias[..]);
    let case = format!("{p:?} bias={with_bias}");

    let mut expected = c0.clone();
    gemm_ref(&p, &a, &b, bias, &mut expected).unwrap();
    let mut simd = c0.clone();
    gemm(&p, &a, &b, bias, &mut simd).unwrap();
    let mut scalar = c0.clone();
    gemm_with(&p, &a, &b, bias, &mut scalar, KernelKind::Scalar).unwrap();
    // Same products summed in the same order: exact agreement is expected.
    assert_kernel_eq(&simd, &expected, p.k, &case);
    assert_bits_eq(&scalar, &expected, &case);
}

#[test]
fn every_sub_tile_size_matches_reference() {
    // m = 1..2*MR, n = 1..2*NR, k below / at / above the K block.
    let mut seed = 0;
    for m in 1..=2 * MR + 1 {
        for n in 1..=2 * NR + 1 {
            for k in [1, 3, 8, KC - 1, KC + 5] {
                seed += 1;
                run_case(GemmParams::new(m, n, k), seed % 2 == 0, seed);
            }
        }
    }
}

#[test]
fn transposes_bias_relu_and_accumulate() {
    let mut r = rng(7);
    for seed in 0..60u64 {
        let mut p = GemmParams::new(r.random_range(1..70), r.random_range(1..300), r.random_range(1..600));
        p.trans_a = r.random_bool(0.5);
        p.trans_b = r.random_bool(0.5);
        p.accumulate = r.random_bool(0.3);
        p.act = [Activation::Linear, Activation::Relu, Activation::Relu6][r.random_range(0..3)];
        run_case(p, r.random_bool(0.5), 100 + seed);
    }
}

/// `gemm` with and without `Tuning::gemm_b_in_place` (in-place B and the
/// few-rows path vs packed B through the driver): same bits, and both
/// equal the reference.
fn in_place_case(p: GemmParams, seed: u64) {
    let mut r = rng(seed);
    let a = rand_vec(&mut r, p.m * p.k);
    // Scaled so relu6 clips some outputs at 6 and relu others at 0.
    let b: Vec<f32> = rand_vec(&mut r, p.k * p.n).iter().map(|v| v * 4.0).collect();
    let bias = rand_vec(&mut r, p.n);
    let c0 = rand_vec(&mut r, p.m * p.n);
    let case = format!("{p:?}");
    let mut expected = c0.clone();
    gemm_ref(&p, &a, &b, Some(&bias), &mut expected).unwrap();
    let mut fast = c0.clone();
    gemm(&p, &a, &b, Some(&bias), &mut fast).unwrap();
    let packed_p = GemmParams { tuning: p.tuning.with_switch(10, 1), ..p };
    let mut packed = c0.clone();
    gemm(&packed_p, &a, &b, Some(&bias), &mut packed).unwrap();
    // The one-row path's 256-column blocks (switch 18 off) instead of one per thread.
    let narrow_p = GemmParams { tuning: p.tuning.with_switch(18, 1), ..p };
    let mut narrow = c0.clone();
    gemm(&narrow_p, &a, &b, Some(&bias), &mut narrow).unwrap();
    assert_kernel_eq(&fast, &expected, p.k, &case);
    assert_bits_eq(&fast, &packed, &case);
    assert_bits_eq(&fast, &narrow, &format!("256-column blocks {case}"));
}

#[test]
fn few_rows_and_in_place_b_match_reference_and_packed_b() {
    let mut r = rng(11);
    for seed in 0..80u64 {
        // m < MR takes the one-row path; n a multiple of NR reads B in
        // place; odd n (tails of 1-31 columns) packs or falls to the tail loop.
        let m = if seed % 2 == 0 { r.random_range(1..MR) } else { r.random_range(1..40) };
        let n = if seed % 3 == 0 { NR * r.random_range(1..40) } else { r.random_range(1..300) };
        let mut p = GemmParams::new(m, n, r.random_range(1..700));
        p.accumulate = r.random_bool(0.3);
        p.act = [Activation::Linear, Activation::Relu, Activation::Relu6][r.random_range(0..3)];
        in_place_case(p, 500 + seed);
    }
    // Above the in-place row limit, and K over several blocks.
    in_place_case(GemmParams::new(IN_PLACE_MAX_M + 3, 64, KC + 40), 9);
}

/// Switch 51: `PackedB::for_rows` packs B of 16K-64K floats over the pool
/// (4 panels per task; 60 and 100 columns end in a partial panel): the
/// same packed values, so the same bits as packing on the calling thread,
/// at 1 and 2 threads, within the reference's bound; and a 3x3 stride-2
/// convolution (32 -> 64 channels, 18K-float filter) whose forward packs
/// its filter that way.
#[test]
fn packed_b_split_over_the_pool_equals_serial_packing() {
    for (m, n, k) in [(300, 64, 288), (257, 60, 360), (400, 100, 200), (260, 8, 2100), (IN_PLACE_MAX_M + 1, 64, 576)] {
        assert!((1 << 14..1 << 16).contains(&packed_len(k, n)) && m > IN_PLACE_MAX_M);
        let mut p = GemmParams::new(m, n, k);
        let mut r = rng((m * n) as u64);
        let a = rand_vec(&mut r, m * k);
        let b = rand_vec(&mut r, k * n);
        let run = |p: &GemmParams, threads| {
            with_threads(threads, || {
                let mut c = vec![f32::NAN; m * n];
                gemm(p, &a, &b, None, &mut c).unwrap();
                c
            })
        };
        let case = format!("{m}x{n}x{k}");
        let one = run(&p, 1);
        let mut expected = vec![0.0; m * n];
        gemm_ref(&p, &a, &b, None, &mut expected).unwrap();
        let tol = 1e-5 * (k as f32).sqrt();
        assert_close(&one, &expected, tol, tol, &case);
        assert_bits_eq(&run(&p, 2), &one, &format!("{case}, 2 threads"));
        p.tuning = Tuning::DEFAULT.with_switch(51, 1);
        assert_bits_eq(&run(&p, 2), &one, &format!("{case}, packed on the calling thread"));
    }
    let mut args = crate::shape::Conv2dArgs::new(5, 16, 16, 32, 3, 3, 64);
    args.stride = [2, 2];
    args.padding = crate::shape::Padding::Same;
    let c = crate::shape::Conv2d::new("conv2d", &args).unwrap();
    let mut r = rng(51);
    let (x, w) = (rand_vec(&mut r, c.input_len()), rand_vec(&mut r, c.filter_len()));
    let run = |c: &crate::shape::Conv2d, threads| {
        with_threads(threads, || {
            let mut y = vec![f32::NAN; c.output_len()];
            crate::conv::conv2d(c, &x, &w, None, Activation::Linear, &mut y).unwrap();
            y
        })
    };
    let mut expected = vec![0.0; c.output_len()];
    crate::conv::reference::conv2d_ref(&c, &x, &w, None, Activation::Linear, &mut expected);
    let one = run(&c, 1);
    assert_close(&one, &expected, 1e-4, 1e-4, "5x16x16x32->64 s2");
    assert_bits_eq(&run(&c, 2), &one, "5x16x16x32->64 s2, 2 threads");
    let mut off = c;
    off.tuning = Tuning::DEFAULT.with_switch(51, 1);
    assert_bits_eq(&run(&off, 2), &one, "5x16x16x32->64 s2, filter packed on the calling thread");
}

#[test]
fn few_rows_one_and_two_threads_are_bit_identical() {
    // Column blocks of one row per thread (switch 18) or of 256 columns: odd n leaves a short block.
    for (m, n, k, switch) in [(1, 1000, 300, 0), (3, 4096, 77, 0), (9, 512, 900, 0), (1, 4099, 50, 0), (2, 1001, 129, 0), (1, 1001, 129, 1)] {
        let mut p = GemmParams::new(m, n, k);
        p.tuning = p.tuning.with_switch(18, switch);
        let mut r = rng(m as u64);
        let a = rand_vec(&mut r, p.m * p.k);
        let b = rand_vec(&mut r, p.k * p.n);
        let run = || {
            let mut c = vec![0.0; p.m * p.n];
            gemm(&p, &a, &b, None, &mut c).unwrap();
            c
        };
        let (one, two) = (with_threads(1, run), with_threads(2, run));
        assert_bits_eq(&two, &one, &format!("{m}x{n}x{k}"));
    }
}

#[test]
fn relu6_clips_at_zero_and_six() {
    // [1, 2] x [[-3, 1, 4], [0, 2, 2]] = [-3, 5, 8] -> relu6 [0, 5, 6];
    // with bias [0.5, 0.5, -3]: [-2.5, 5.5, 5] -> [0, 5.5, 5].
    for m in [1, 5] {
        let p = GemmParams { act: Activation::Relu6, ..GemmParams::new(m, 3, 2) };
        let a: Vec<f32> = (0..m).flat_map(|_| [1.0, 2.0]).collect();
        let b = [-3.0, 1.0, 4.0, 0.0, 2.0, 2.0];
        let mut c = vec![0.0; 3 * m];
        gemm(&p, &a, &b, None, &mut c).unwrap();
        assert_eq!(&c[..3], &[0.0, 5.0, 6.0]);
        gemm(&p, &a, &b, Some(&[0.5, 0.5, -3.0]), &mut c).unwrap();
        assert_eq!(&c[3 * (m - 1)..], &[0.0, 5.5, 5.0]);
    }
}

#[test]
fn empty_inner_dimension_gives_bias() {
    let p = GemmParams { act: Activation::Relu, ..GemmParams::new(2, 3, 0) };
    let mut c = vec![9.0; 6];
    gemm(&p, &[], &[], Some(&[1.0, -2.0, 3.0]), &mut c).unwrap();
    assert_eq!(c, vec![1.0, 0.0, 3.0, 1.0, 0.0, 3.0]);
}

#[test]
fn one_and_two_threads_are_bit_identical() {
    let p = GemmParams::new(301, 530, 700);
    let mut r = rng(3);
    let a = rand_vec(&mut r, p.m * p.k);
    let b = rand_vec(&mut r, p.k * p.n);
    let one = with_threads(1, || {
        let mut c = vec![0.0; p.m * p.n];
        gemm(&p, &a, &b, None, &mut c).unwrap();
        c
    });
    let two = with_threads(2, || {
        let mut c = vec![0.0; p.m * p.n];
        gemm(&p, &a, &b, None, &mut c).unwrap();
        c
    });
    assert_bits_eq(&two, &one, "301x530x700");
}

#[test]
fn small_integer_product_checked_by_eye() {
    // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    let p = GemmParams::new(2, 2, 3);
    let mut c = vec![0.0; 4];
    gemm(&p, &[1., 2., 3., 4., 5., 6.], &[1., 0., 0., 1., 1., 1.], None, &mut c).unwrap();
    assert_eq!(c, vec![4., 5., 10., 11.]);
}

#[test]
fn wrong_lengths_are_errors_naming_the_op() {
    let p = GemmParams::new(2, 2, 3);
    let mut c = vec![0.0; 4];
    let e = gemm(&p, &[0.0; 5], &[0.0; 6], None, &mut c).unwrap_err();
    assert_eq!(e.to_string(), "matMul: A has 5 elements, expected 6");
}

/// `A[m, k] * B[k, n]` by a triple loop, products summed in `k` order from
/// zero (A's rows `lda` apart, B row-major): what `small_k` computes.
fn small_k_ref(m: usize, k: usize, n: usize, a: &[f32], lda: usize, b: &[f32]) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for kk in 0..k {
                acc += a[i * lda + kk] * b[kk * n + j];
            }
            c[i * n + j] = acc;
        }
    }
    c
}

/// `small_k` (Winograd's short GEMMs) with all column panels of a full row
/// panel in one call (`Tuning::small_k_panels`) and one call per tile: the
/// same bits, and the reference's result (exact unless the build fuses
/// multiply-adds). Rows past a multiple of 4, column counts that are and
/// are not whole panels, `lda` longer than `k`, and B packed or read in
/// place.
#[test]
fn small_k_panels_equal_tile_calls_and_reference() {
    let mut r = rng(29);
    for seed in 0..48u64 {
        let m = r.random_range(1..40);
        let k = [1, 3, 16, 32, 61, KC][r.random_range(0..6)];
        let n = if seed % 3 == 0 { r.random_range(1..40) } else { NR * r.random_range(1..6) };
        let lda = k + r.random_range(0..5);
        let a = rand_vec(&mut r, m * lda);
        let b = rand_vec(&mut r, k * n);
        let packed =
            if seed % 2 == 0 { PackedB::new(&Dense { data: &b, ld: n, rows_are_contiguous: false }, k, n) } else { PackedB::from_rows(b.clone(), k, n) };
        let run = |panels: bool| {
            let mut c = vec![f32::NAN; m * n];
            let tuning = Tuning { small_k_panels: panels, ..Tuning::DEFAULT };
            small_k(m, &a, lda, &packed, Out::new(&mut c, m, n, n), tuning);
            c
        };
        let expected = small_k_ref(m, k, n, &a, lda, &b);
        let case = format!("small_k m {m} k {k} n {n} lda {lda}");
        let (panels, tiles) = (run(true), run(false));
        assert_bits_eq(&panels, &tiles, &format!("{case}: panel calls vs tile calls"));
        assert_kernel_eq(&panels, &expected, k, &case);
    }
}

/// `f32_gemm_4x8_runs_packed__simd128` against a triple loop summing the
/// same products in the same order: runs of 0-9 rows at scattered offsets
/// of B (`ldb` > 8), 1-3 panels, from zero and from C.
#[test]
fn runs_packed_kernel_matches_triple_loop() {
    use kernel::{f32_gemm_4x8_runs_packed__simd128, RunB};
    let mut r = rng(41);
    for seed in 0..40u64 {
        let panels = r.random_range(1..4);
        let ldb = NR * panels + r.random_range(0..9);
        let b = rand_vec(&mut r, 64 * ldb + NR * panels);
        let mut runs = vec![];
        let mut ka = 0;
        for _ in 0..r.random_range(0..6) {
            let len = r.random_range(0..10);
            runs.push(RunB { a: ka, b: r.random_range(0..64 - len) * ldb, len });
            ka += len + r.random_range(0..3);
        }
        let a = rand_vec(&mut r, (ka + 1) * MR);
        let ldc = NR * panels + 3;
        let c0 = rand_vec(&mut r, MR * ldc);
        let load_c = seed % 2 == 1;
        let mut c = c0.clone();
        // SAFETY: every run's rows lie inside a (ka rows of MR) and b (64 rows of ldb); c holds 4 rows of ldc.
        unsafe { f32_gemm_4x8_runs_packed__simd128(a.as_ptr(), &runs, b.as_ptr(), ldb, NR, panels, c.as_mut_ptr(), ldc, load_c) };
        let mut expected = c0.clone();
        let terms: usize = runs.iter().map(|r| r.len).sum();
        for row in 0..MR {
            for j in 0..NR * panels {
                let mut acc = if load_c { c0[row * ldc + j] } else { 0.0f32 };
                for run in &runs {
                    for i in 0..run.len {
                        acc += a[(run.a + i) * MR + row] * b[run.b + i * ldb + j];
                    }
                }
                expected[row * ldc + j] = acc;
            }
        }
        assert_kernel_eq(&c, &expected, terms.max(1), &format!("runs kernel seed {seed} panels {panels} runs {runs:?} load_c {load_c}"));
    }
}

/// The fixed-K kernels (`Tuning::small_k_fixed`, switch 44) against the
/// general panels kernel they replace, bit for bit (the same multiply-adds
/// in the same order), and against a triple loop: every K that has one,
/// row counts that are and are not multiples of 4 (the last rows take the
/// tile kernel), 1-5 column panels, and the shapes the switch leaves to the
/// general kernel (an `lda` longer than `k`, a B read in place, K without
/// a kernel), which must not change either.
#[test]
fn small_k_fixed_equals_panels_kernel_and_reference() {
    let mut r = rng(44);
    for seed in 0..64u64 {
        let k = [8, 16, 32, 64, 8, 16, 32, 64, 12, 24][r.random_range(0..10)];
        let m = if seed % 4 == 0 { r.random_range(1..12) } else { MR * r.random_range(1..10) };
        let n = NR * r.random_range(1..6);
        let lda = if seed % 7 == 3 { k + 3 } else { k };
        let a = rand_vec(&mut r, m * lda);
        let b = rand_vec(&mut r, k * n);
        let packed =
            if seed % 5 == 4 { PackedB::from_rows(b.clone(), k, n) } else { PackedB::new(&Dense { data: &b, ld: n, rows_are_contiguous: false }, k, n) };
        let run = |fixed: bool| {
            let mut c = vec![f32::NAN; m * n];
            let tuning = Tuning { small_k_fixed: fixed, ..Tuning::DEFAULT };
            small_k(m, &a, lda, &packed, Out::new(&mut c, m, n, n), tuning);
            c
        };
        let expected = small_k_ref(m, k, n, &a, lda, &b);
        let uses_fixed = lda == k && packed.ldb() == NR && fixed::kernel_for(k).is_some();
        let case = format!("small_k m {m} k {k} n {n} lda {lda} ldb {} (fixed kernel: {uses_fixed})", packed.ldb());
        let (on, off) = (run(true), run(false));
        assert_bits_eq(&on, &off, &format!("{case}: fixed-K kernel vs panels kernel"));
        assert_kernel_eq(&on, &expected, k, &case);
    }
}

/// One 4 x 16 product by the K = 8 kernel with small integers, checked by
/// eye: `A[r][i] = r + 1`, `B[i][j] = j` (two panels), so `C[r][j] = 8 (r + 1) j`.
#[test]
fn small_k_fixed_small_integer_product_checked_by_eye() {
    let a: Vec<f32> = (0..4 * 8).map(|i| (i / 8 + 1) as f32).collect();
    let b: Vec<f32> = (0..8 * 16).map(|i| (i % 16) as f32).collect();
    let packed = PackedB::new(&Dense { data: &b, ld: 16, rows_are_contiguous: false }, 8, 16);
    let mut c = vec![f32::NAN; 4 * 16];
    let kern = fixed::kernel_for(8).expect("K = 8 has a kernel");
    // SAFETY: A is 4 x 8, B two packed panels of 8 x 8, C 4 x 16.
    unsafe { kern(a.as_ptr(), packed.panel(0, 0), packed.panel_step(), 2, c.as_mut_ptr(), 16) };
    let expected: Vec<f32> = (0..4 * 16).map(|i| (8 * (i / 16 + 1) * (i % 16)) as f32).collect();
    assert_eq!(c, expected);
}
