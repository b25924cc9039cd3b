use super::*;
use crate::tensor::tests::{arange, assert_same, SPECIALS};
use crate::testutil::*;

/// A straightforward reference written independently of both kernels: walk
/// the output multi-index with an odometer, read each input at the index
/// with its broadcast dims clamped to 0.
fn odometer_ref(op: BinaryOp, s: &Broadcast, a: &[f32], b: &[f32]) -> Vec<f32> {
    let rank = s.out.len();
    let n: usize = s.out.iter().product();
    let mut idx = vec![0usize; rank];
    let mut y = Vec::with_capacity(n);
    let at = |shape: &[usize], x: &[f32], idx: &[usize]| {
        let flat = (0..rank).fold(0, |f, k| f * shape[k] + if shape[k] == 1 { 0 } else { idx[k] });
        x[flat]
    };
    for _ in 0..n {
        y.push(op.apply(at(&s.a, a, &idx), at(&s.b, b, &idx)));
        for k in (0..rank).rev() {
            idx[k] += 1;
            if idx[k] < s.out[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    y
}

/// Random values in [-3, 3) with the specials (NaN, infinities, zeros of
/// both signs) sprinkled in, so every NaN and comparison path runs.
fn data(r: &mut rand::rngs::SmallRng, n: usize, salt: usize) -> Vec<f32> {
    let mut v: Vec<f32> = rand_vec(r, n).into_iter().map(|x| 3.0 * x).collect();
    for (i, s) in SPECIALS.iter().enumerate() {
        if n > 0 && i % 3 == salt % 3 {
            v[(i * 5 + salt) % n] = *s;
        }
    }
    v
}

/// `(a, b, out)` shapes covering every path: flat (same shape, scalar on
/// either side), bias-like, and general broadcasts.
fn cases() -> Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> {
    let c = |a: &[usize], b: &[usize], o: &[usize]| (a.to_vec(), b.to_vec(), o.to_vec());
    let mut v = Vec::new();
    for n in [0, 1, 3, 4, 5, 17] {
        v.push(c(&[n], &[n], &[n]));
        v.push(c(&[n], &[1], &[n]));
        v.push(c(&[1], &[n], &[n]));
    }
    v.extend([
        c(&[], &[], &[]),
        c(&[1], &[1], &[1]),
        c(&[2, 3, 5], &[2, 3, 5], &[2, 3, 5]),
        // scalar x tensor given at full rank
        c(&[1, 1, 1], &[2, 3, 5], &[2, 3, 5]),
        // bias-like
        c(&[7, 5], &[1, 5], &[7, 5]),
        c(&[2, 3, 17], &[1, 1, 17], &[2, 3, 17]),
        // rank-1 (given as rank 4) vs rank-4, both ways
        c(&[2, 3, 4, 5], &[1, 1, 1, 5], &[2, 3, 4, 5]),
        c(&[1, 1, 1, 5], &[2, 3, 4, 5], &[2, 3, 4, 5]),
        c(&[3, 1, 5], &[1, 4, 1], &[3, 4, 5]),
        c(&[1, 4, 1], &[3, 1, 5], &[3, 4, 5]),
        // column broadcast (inner stride 0 on one side)
        c(&[6, 1], &[6, 7], &[6, 7]),
        c(&[2, 1, 3, 1], &[1, 4, 1, 6], &[2, 4, 3, 6]),
        c(&[5, 1, 1], &[1, 1, 3], &[5, 2, 3]),
        // both stretched along an axis ([1] and [1] to 4: each dim is the output's or 1)
        c(&[1, 3], &[1, 3], &[4, 3]),
        // empty outputs
        c(&[0, 3], &[1, 3], &[0, 3]),
        c(&[2, 1], &[1, 0], &[2, 0]),
    ]);
    v
}

#[test]
fn every_op_matches_the_odometer_reference_on_every_broadcast_case() {
    let mut r = rng(11);
    for (i, (sa, sb, so)) in cases().into_iter().enumerate() {
        let s = Broadcast::new(&sa, &sb, &so).unwrap();
        let a = data(&mut r, sa.iter().product(), i);
        let b = data(&mut r, sb.iter().product(), i + 1);
        for code in 0..BinaryOp::COUNT {
            let op = BinaryOp::from_code(code).unwrap();
            let want = odometer_ref(op, &s, &a, &b);
            let case = format!("{op:?} a={sa:?} b={sb:?} out={so:?}");
            let mut y = vec![f32::NAN; want.len()];
            binary(op, &s, &a, &b, &mut y).unwrap();
            assert_same(&y, &want, &case);
            let mut z = vec![f32::NAN; want.len()];
            binary_ref(op, &s, &a, &b, &mut z).unwrap();
            assert_same(&z, &want, &format!("ref {case}"));
        }
    }
}

#[test]
fn large_broadcasts_match_reference_and_one_and_two_threads_are_bit_identical() {
    let mut r = rng(12);
    for (sa, sb, so) in [
        (vec![150_001], vec![150_001], vec![150_001]),
        (vec![150_001], vec![1], vec![150_001]),
        (vec![1, 2], vec![100_001, 2], vec![100_001, 2]),
        (vec![3000, 61], vec![1, 61], vec![3000, 61]),
        (vec![40, 1, 301], vec![1, 50, 301], vec![40, 50, 301]),
        (vec![2, 1], vec![1, 100_003], vec![2, 100_003]),
    ] {
        let s = Broadcast::new(&sa, &sb, &so).unwrap();
        let a = data(&mut r, sa.iter().product(), 0);
        let b = data(&mut r, sb.iter().product(), 1);
        for op in [BinaryOp::Add, BinaryOp::Maximum, BinaryOp::Mod] {
            let run = || {
                let mut y = vec![0.0; so.iter().product()];
                binary(op, &s, &a, &b, &mut y).unwrap();
                y
            };
            let (one, two) = (with_threads(1, run), with_threads(2, run));
            let case = format!("{op:?} a={sa:?} b={sb:?}");
            assert_bits_eq(&two, &one, &case);
            let mut z = vec![0.0; one.len()];
            binary_ref(op, &s, &a, &b, &mut z).unwrap();
            assert_same(&one, &z, &case);
        }
    }
}

#[test]
fn ops_by_hand() {
    let run = |code: u32, a: &[f32], b: &[f32]| {
        let s = Broadcast::new(&[a.len()], &[b.len()], &[a.len()]).unwrap();
        let mut y = vec![0.0; a.len()];
        binary(BinaryOp::from_code(code).unwrap(), &s, a, b, &mut y).unwrap();
        y
    };
    let nan = f32::NAN;
    let (a, b) = ([-7.0, 7.0, 7.0, -7.0, 6.0], [3.0, -3.0, 3.0, -3.0, 3.0]);
    assert_eq!(run(0, &a, &b), [-4.0, 4.0, 10.0, -10.0, 9.0]);
    assert_eq!(run(1, &a, &b), [-10.0, 10.0, 4.0, -4.0, 3.0]);
    assert_eq!(run(2, &a, &b), [-21.0, -21.0, 21.0, 21.0, 18.0]);
    assert_eq!(run(3, &[1.0, -1.0, 0.0, 6.0], &[0.0, 0.0, 4.0, 3.0]), [f32::INFINITY, f32::NEG_INFINITY, 0.0, 2.0]);
    assert_same(&run(4, &[1.0, nan, 2.0, -1.0, 5.0], &[nan, 1.0, 3.0, -2.0, 5.0]), &[nan, nan, 3.0, -1.0, 5.0], "maximum");
    assert_same(&run(5, &[1.0, nan, 2.0, -1.0, 5.0], &[nan, 1.0, 3.0, -2.0, 5.0]), &[nan, nan, 2.0, -2.0, 5.0], "minimum");
    assert_eq!(run(6, &[2.0, 4.0, -2.0, 0.0], &[10.0, 0.5, 3.0, 0.0]), [1024.0, 2.0, -8.0, 1.0]);
    assert_eq!(run(7, &[1.0, -2.0], &[4.0, 1.0]), [9.0, 9.0]);
    // Comparisons give 1/0; NaN compares false except in not_equal.
    let (p, q) = ([1.0, 2.0, 3.0, nan], [2.0, 2.0, 2.0, 2.0]);
    assert_eq!(run(8, &p, &q), [0.0, 1.0, 0.0, 0.0]);
    assert_eq!(run(9, &p, &q), [1.0, 0.0, 1.0, 1.0]);
    assert_eq!(run(10, &p, &q), [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(run(11, &p, &q), [0.0, 1.0, 1.0, 0.0]);
    assert_eq!(run(12, &p, &q), [1.0, 0.0, 0.0, 0.0]);
    assert_eq!(run(13, &p, &q), [1.0, 1.0, 0.0, 0.0]);
    assert_eq!(run(14, &[0.0, 1.0, -2.0, nan], &[1.0, 0.0, 3.0, 1.0]), [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(run(15, &[0.0, 1.0, 0.0, -0.0], &[0.0, 0.0, nan, 0.0]), [0.0, 1.0, 1.0, 0.0]);
    // floor_div rounds down; mod takes the sign of the divisor (TF floormod).
    assert_eq!(run(16, &a, &b), [-3.0, -3.0, 2.0, 2.0, 2.0]);
    assert_eq!(run(17, &a, &b), [2.0, -2.0, 1.0, -1.0, 0.0]);
    assert_eq!(run(17, &[5.5, -5.5], &[2.0, 2.0]), [1.5, 0.5]);
    assert_close(
        &run(18, &[1.0, 1.0, -1.0, 0.0], &[-1.0, 1.0, 0.0, -1.0]),
        &[0.75 * std::f32::consts::PI, std::f32::consts::FRAC_PI_4, -std::f32::consts::FRAC_PI_2, std::f32::consts::PI],
        1e-6,
        0.0,
        "atan2",
    );
    assert_eq!(run(19, &[1.0, 6.0, 0.0, nan], &[0.0, 3.0, 0.0, 0.0]), [0.0, 2.0, 0.0, 0.0]);
}

#[test]
fn a_3x1x5_times_a_1x4x1_by_hand() {
    let s = Broadcast::from_words(&[3, 3, 1, 5, 1, 4, 1, 3, 4, 5]).unwrap();
    let (a, b) = (arange(15), [1.0, 10.0, 100.0, 1000.0]);
    let mut y = vec![0.0; 60];
    binary(BinaryOp::Mul, &s, &a, &b, &mut y).unwrap();
    for i in 0..3 {
        for j in 0..4 {
            for k in 0..5 {
                assert_eq!(y[(i * 4 + j) * 5 + k], a[i * 5 + k] * b[j], "y[{i},{j},{k}]");
            }
        }
    }
}

#[test]
fn bad_shapes_lengths_and_codes_are_errors_naming_binary() {
    let err = |r: Result<Broadcast>| r.unwrap_err().to_string();
    assert_eq!(err(Broadcast::new(&[3, 2], &[1, 4], &[3, 4])), "binary: cannot broadcast a [3, 2] and b [1, 4] to [3, 4]: axis 1 of a is 2, expected 4 or 1");
    assert_eq!(err(Broadcast::new(&[3, 4], &[2, 4], &[3, 4])), "binary: cannot broadcast a [3, 4] and b [2, 4] to [3, 4]: axis 0 of b is 2, expected 3 or 1");
    assert_eq!(err(Broadcast::new(&[3], &[1, 3], &[1, 3])), "binary: cannot broadcast a [3] and b [1, 3] to [1, 3]: ranks 1, 2 and 2 differ");
    assert!(err(Broadcast::from_words(&[2, 1, 1, 1])).starts_with("binary: shapes has 4 words, expected 1 + 3 * rank"));
    assert!(Broadcast::from_words(&[]).is_err());
    assert!(Broadcast::from_words(&[0]).is_ok());
    let s = Broadcast::new(&[2, 3], &[1, 3], &[2, 3]).unwrap();
    assert_eq!(binary(BinaryOp::Add, &s, &[0.0; 5], &[0.0; 3], &mut [0.0; 6]).unwrap_err().to_string(), "binary: a of shape [2, 3] has 5 elements, expected 6");
    assert_eq!(binary(BinaryOp::Add, &s, &[0.0; 6], &[0.0; 3], &mut [0.0; 7]).unwrap_err().to_string(), "binary: y of shape [2, 3] has 7 elements, expected 6");
    assert_eq!(BinaryOp::from_code(20).unwrap_err().to_string(), "binary: unknown op code 20");
}
