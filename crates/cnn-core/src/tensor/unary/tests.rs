use super::*;
use crate::tensor::tests::{assert_same, SPECIALS};
use crate::testutil::*;

/// Lengths below, at and above one vector, and one long enough to split
/// over several parallel chunks.
const LENS: [usize; 7] = [0, 1, 3, 4, 5, 17, 100_003];

fn op(code: u32) -> UnaryOp {
    UnaryOp::from_code(code, 0.3, 0.7).unwrap()
}

fn run(op: UnaryOp, x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::NAN; x.len()];
    unary(op, x, &mut y).unwrap();
    y
}

#[test]
fn every_op_simd_matches_reference_bit_for_bit_for_every_length() {
    let mut r = rng(1);
    for n in LENS {
        // Uniform in [-4, 4), the specials spliced in where they fit.
        let mut x: Vec<f32> = rand_vec(&mut r, n).into_iter().map(|v| 4.0 * v).collect();
        for (i, s) in SPECIALS.iter().enumerate().take(n) {
            x[(i * 7) % n] = *s;
        }
        for code in 0..UnaryOp::COUNT {
            let mut want = vec![f32::NAN; n];
            unary_ref(op(code), &x, &mut want).unwrap();
            assert_same(&run(op(code), &x), &want, &format!("unary {:?} n={n}", op(code)));
        }
    }
}

#[test]
fn every_op_on_special_values_by_hand() {
    let x = [-2.5, -1.0, -0.0, 0.5, 1.5, 2.5, 7.0];
    let cases: [(u32, [f32; 7]); 19] = [
        (0, [2.5, 1.0, 0.0, -0.5, -1.5, -2.5, -7.0]),
        (1, [2.5, 1.0, 0.0, 0.5, 1.5, 2.5, 7.0]),
        (2, [6.25, 1.0, 0.0, 0.25, 2.25, 6.25, 49.0]),
        (8, [0.0, 0.0, -0.0, 0.5, 1.5, 2.5, 7.0]),
        // clip to [alpha, beta] = [0.3, 0.7]
        (10, [0.3, 0.3, 0.3, 0.5, 0.7, 0.7, 0.7]),
        // affine 0.3 x + 0.7
        (11, [0.3 * -2.5 + 0.7, -0.3 + 0.7, 0.7, 0.3 * 0.5 + 0.7, 0.3 * 1.5 + 0.7, 0.3 * 2.5 + 0.7, 0.3 * 7.0 + 0.7]),
        (12, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
        (13, [-1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
        (14, [-3.0, -1.0, -0.0, 0.0, 1.0, 2.0, 7.0]),
        // half to even, as TF
        (15, [-2.0, -1.0, -0.0, 0.0, 2.0, 2.0, 7.0]),
        (18, [0.3 * -2.5, -0.3, -0.0, 0.5, 1.5, 2.5, 7.0]),
        (24, [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
        (25, [0.0; 7]),
        (26, [0.0, 0.0, -0.0, 0.5, 1.5, 2.5, 6.0]),
        (9, [-0.4, -1.0, f32::NEG_INFINITY, 2.0, 1.0 / 1.5, 0.4, 1.0 / 7.0]),
        (3, [f32::NAN, f32::NAN, -0.0, 0.70710677, 1.2247449, 1.5811388, 2.6457512]),
        // rsqrt is 1 / sqrt(x), two roundings (not the correctly rounded value).
        (16, [f32::NAN, f32::NAN, f32::NEG_INFINITY, 1.0 / 0.5f32.sqrt(), 1.0 / 1.5f32.sqrt(), 1.0 / 2.5f32.sqrt(), 1.0 / 7f32.sqrt()]),
        (17, [0.3 * (-2.5f32).exp_m1(), 0.3 * (-1.0f32).exp_m1(), -0.0, 0.5, 1.5, 2.5, 7.0]),
        (
            27,
            [
                1.050701 * (1.6732632 * (-2.5f32).exp_m1()),
                1.050701 * (1.6732632 * (-1.0f32).exp_m1()),
                -0.0,
                1.050701 * 0.5,
                1.050701 * 1.5,
                1.050701 * 2.5,
                1.050701 * 7.0,
            ],
        ),
    ];
    for (code, want) in cases {
        assert_same(&run(op(code), &x), &want, &format!("unary {:?}", op(code)));
    }
    assert_eq!(run(op(25), &[f32::NAN, 1.0]), [1.0, 0.0]);
    assert_same(&run(op(13), &[f32::NAN]), &[f32::NAN], "sign(NaN)");
}

#[test]
fn sigmoid_softplus_log1p_expm1_stay_accurate_at_extremes() {
    let sig = run(op(6), &[-100.0, -20.0, 0.0, 20.0, 100.0]);
    // exp(-100) is an f32 subnormal: compared to its spacing, not relatively.
    assert_close(&sig, &[(-100f64).exp() as f32, 2.0611537e-9, 0.5, 1.0, 1.0], 1e-6, 3e-45, "sigmoid");
    assert!(sig[0] > 0.0);
    let sp = run(op(19), &[-100.0, -1.0, 0.0, 1.0, 100.0]);
    let ln1p_e = |v: f64| ((1.0 + v.exp()).ln()) as f32;
    assert_close(&sp, &[(-100f64).exp() as f32, ln1p_e(-1.0), std::f32::consts::LN_2, ln1p_e(1.0), 100.0], 1e-6, 3e-45, "softplus");
    assert_close(&run(op(20), &[1e-10, -0.5]), &[1e-10, -std::f32::consts::LN_2], 1e-6, 0.0, "log1p");
    assert_close(&run(op(21), &[1e-10, 1.0]), &[1e-10, std::f32::consts::E - 1.0], 1e-6, 0.0, "expm1");
    assert_close(&run(op(7), &[-20.0, 0.5]), &[-1.0, 0.5f64.tanh() as f32], 1e-6, 0.0, "tanh");
}

/// Expected values from mpmath at 30 digits, rounded to f64:
/// `mpmath.erf(z)`, `mpmath.erfc(z)`, `0.5*x*(1+mpmath.erf(x/mpmath.sqrt(2)))`.
#[test]
fn erf_erfc_and_exact_gelu_match_mpmath() {
    let erf = [
        (0.1, 0.1124629160182849),
        (0.5, 0.5204998778130465),
        (1.0, 0.8427007929497149),
        (1.5, 0.9661051464753108),
        (1.99, 0.995111413199617),
        (2.0, 0.9953222650189527),
        (2.5, 0.999593047982555),
        (3.0, 0.9999779095030014),
        (3.9, 0.9999999652077514),
        (4.0, 0.9999999845827421),
        (-1.0, -0.8427007929497149),
    ];
    for (z, want) in erf {
        let got = erf_f64(z);
        assert!((got - want).abs() <= 1e-14, "erf({z}) = {got}, mpmath {want}");
        assert_eq!(run(op(29), &[z as f32])[0], want as f32, "erf op at {z}");
    }
    let erfc = [(2.0, 0.004677734981047266), (3.0, 2.209049699858544e-05), (5.0, 1.537459794428035e-12), (10.0, 2.088487583762545e-45)];
    for (z, want) in erfc {
        let got = erfc_f64(z);
        assert!((got - want).abs() <= 1e-12 * want, "erfc({z}) = {got}, mpmath {want}");
    }
    let gelu = [
        (-6.0, -5.9195258702261885e-09),
        (-3.0, -0.0040496940948902835),
        (-1.0, -0.15865525393145705),
        (-0.5, -0.15426876936299344),
        (0.5, 0.34573123063700656),
        (1.0, 0.8413447460685429),
        (3.0, 2.99595030590511),
    ];
    for (x, want) in gelu {
        assert_eq!(run(op(28), &[x as f32])[0], want as f32, "gelu({x})");
    }
    assert_eq!(run(op(29), &[f32::INFINITY, f32::NEG_INFINITY, 0.0]), [1.0, -1.0, 0.0]);
    assert!(run(op(29), &[f32::NAN])[0].is_nan());
}

#[test]
fn one_and_two_threads_are_bit_identical_n_100003() {
    let x = rand_vec(&mut rng(3), 100_003);
    for code in [2, 6, 28] {
        let one = with_threads(1, || run(op(code), &x));
        let two = with_threads(2, || run(op(code), &x));
        assert_bits_eq(&two, &one, &format!("unary {:?}", op(code)));
    }
}

#[test]
fn unknown_codes_and_mismatched_lengths_are_errors() {
    assert_eq!(UnaryOp::from_code(30, 0.0, 0.0).unwrap_err().to_string(), "unary: unknown op code 30");
    assert_eq!(UnaryOp::from_code(u32::MAX, 0.0, 0.0).unwrap_err().to_string(), "unary: unknown op code 4294967295");
    assert_eq!(unary(UnaryOp::Neg, &[0.0; 3], &mut [0.0; 2]).unwrap_err().to_string(), "unary: y has 2 elements, expected 3");
    assert_eq!(unary_ref(UnaryOp::Neg, &[0.0; 3], &mut [0.0; 4]).unwrap_err().to_string(), "unary: y has 4 elements, expected 3");
}
