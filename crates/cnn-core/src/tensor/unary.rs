//! Element-wise unary maps `y = f(x)`, `x` and `y` of equal length.
//!
//! [`UnaryOp::apply`] is the scalar definition of every op; [`unary_ref`]
//! loops it. [`unary`] runs the cheap ops (neg, abs, square, sqrt, rsqrt,
//! reciprocal, relu, relu6, leaky relu, clip, affine, step) four lanes at a
//! time with the same IEEE operations per lane, so it agrees with the
//! reference bit for bit (up to the sign / payload of NaN results); the
//! transcendental ones call the f32 std functions per element in both.
//!
//! GELU is the exact form `0.5 x (1 + erf(x / sqrt 2))` (`tf.nn.gelu` with
//! its default `approximate=False`, Keras `gelu`); `erf` and `erfc` are
//! evaluated in f64 (see [`erf_f64`]) and rounded once, so both are within
//! about one f32 ulp.

use crate::error::{check_len, CoreError, Result};
use crate::simd::F32x4;

use super::{for_each_piece, map1, MIN_CHUNK};

/// Elements per task for ops that call a transcendental function per
/// element (compute bound, so smaller tasks pay off).
const MIN_CHUNK_TRANSCENDENTAL: usize = 1 << 11;

/// Keras / TF SELU constants (Klambauer et al. 2017).
const SELU_ALPHA: f32 = 1.673_263_2;
const SELU_SCALE: f32 = 1.050_701;

/// A unary op with its parameters. Codes (the wasm `op` argument) in
/// [`UnaryOp::from_code`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    Abs,
    Square,
    Sqrt,
    Exp,
    Log,
    /// `1 / (1 + exp(-x))`, never `exp` of a large positive number.
    Sigmoid,
    Tanh,
    Relu,
    Reciprocal,
    /// `min(max(x, min), max)`; NaN stays NaN.
    Clip {
        min: f32,
        max: f32,
    },
    /// `scale * x + shift` (two roundings).
    Affine {
        scale: f32,
        shift: f32,
    },
    /// `x > 0 ? 1 : 0` (NaN gives 0).
    Step,
    /// -1, 0 or 1; NaN stays NaN.
    Sign,
    Floor,
    /// Round half to even (TF `round`).
    Round,
    Rsqrt,
    /// `x > 0 ? x : alpha * expm1(x)`.
    Elu {
        alpha: f32,
    },
    /// `x > 0 ? x : alpha * x`.
    LeakyRelu {
        alpha: f32,
    },
    /// `log(1 + exp(x))` as `max(x, 0) + log1p(exp(-|x|))`.
    Softplus,
    Log1p,
    Expm1,
    Sin,
    Cos,
    /// `x == 0 ? 1 : 0`.
    LogicalNot,
    /// 1 where `x` is NaN, else 0.
    IsNan,
    Relu6,
    /// `scale * (x > 0 ? x : alpha * expm1(x))`, Keras constants.
    Selu,
    /// Exact (erf) form.
    Gelu,
    Erf,
}

impl UnaryOp {
    /// The op of wasm code `code`; `alpha` and `beta` are its parameters
    /// where it has any (clip: min, max; affine: scale, shift; elu and
    /// leaky relu: alpha), ignored otherwise.
    ///
    /// Codes: 0 neg, 1 abs, 2 square, 3 sqrt, 4 exp, 5 log, 6 sigmoid,
    /// 7 tanh, 8 relu, 9 reciprocal, 10 clip, 11 affine, 12 step, 13 sign,
    /// 14 floor, 15 round, 16 rsqrt, 17 elu, 18 leaky relu, 19 softplus,
    /// 20 log1p, 21 expm1, 22 sin, 23 cos, 24 logical not, 25 isnan,
    /// 26 relu6, 27 selu, 28 gelu, 29 erf.
    ///
    /// ```
    /// use cnn_core::tensor::UnaryOp;
    /// assert_eq!(UnaryOp::from_code(10, -1.0, 1.0).unwrap(), UnaryOp::Clip { min: -1.0, max: 1.0 });
    /// assert_eq!(UnaryOp::from_code(30, 0.0, 0.0).unwrap_err().to_string(), "unary: unknown op code 30");
    /// ```
    pub fn from_code(code: u32, alpha: f32, beta: f32) -> Result<UnaryOp> {
        use UnaryOp::*;
        Ok(match code {
            0 => Neg,
            1 => Abs,
            2 => Square,
            3 => Sqrt,
            4 => Exp,
            5 => Log,
            6 => Sigmoid,
            7 => Tanh,
            8 => Relu,
            9 => Reciprocal,
            10 => Clip { min: alpha, max: beta },
            11 => Affine { scale: alpha, shift: beta },
            12 => Step,
            13 => Sign,
            14 => Floor,
            15 => Round,
            16 => Rsqrt,
            17 => Elu { alpha },
            18 => LeakyRelu { alpha },
            19 => Softplus,
            20 => Log1p,
            21 => Expm1,
            22 => Sin,
            23 => Cos,
            24 => LogicalNot,
            25 => IsNan,
            26 => Relu6,
            27 => Selu,
            28 => Gelu,
            29 => Erf,
            _ => return Err(CoreError::new("unary", format!("unknown op code {code}"))),
        })
    }

    /// Number of op codes (valid codes are `0..COUNT`).
    pub const COUNT: u32 = 30;

    /// The scalar definition of the op.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        use UnaryOp::*;
        match self {
            Neg => -x,
            Abs => x.abs(),
            Square => x * x,
            Sqrt => x.sqrt(),
            Exp => x.exp(),
            Log => x.ln(),
            Sigmoid => {
                if x >= 0.0 {
                    1.0 / (1.0 + (-x).exp())
                } else {
                    let e = x.exp();
                    e / (1.0 + e)
                }
            }
            Tanh => x.tanh(),
            Relu => clip_low(x, 0.0),
            Reciprocal => 1.0 / x,
            Clip { min, max } => clip_high(clip_low(x, min), max),
            Affine { scale, shift } => scale * x + shift,
            Step => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Sign => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else if x == 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Floor => x.floor(),
            Round => x.round_ties_even(),
            Rsqrt => 1.0 / x.sqrt(),
            Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            LeakyRelu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Softplus => clip_low(x, 0.0) + (-x.abs()).exp().ln_1p(),
            Log1p => x.ln_1p(),
            Expm1 => x.exp_m1(),
            Sin => x.sin(),
            Cos => x.cos(),
            LogicalNot => {
                if x == 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            IsNan => {
                if x.is_nan() {
                    1.0
                } else {
                    0.0
                }
            }
            Relu6 => clip_high(clip_low(x, 0.0), 6.0),
            Selu => {
                if x > 0.0 {
                    SELU_SCALE * x
                } else {
                    SELU_SCALE * (SELU_ALPHA * x.exp_m1())
                }
            }
            Gelu => {
                // 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2); the
                // erfc form keeps its relative accuracy for large negative x.
                let x = x as f64;
                (0.5 * x * erfc_f64(-x * std::f64::consts::FRAC_1_SQRT_2)) as f32
            }
            Erf => erf_f64(x as f64) as f32,
        }
    }
}

/// `x < lo ? lo : x`: the `pmax` lane rule, so NaN stays NaN.
#[inline(always)]
fn clip_low(x: f32, lo: f32) -> f32 {
    if x < lo {
        lo
    } else {
        x
    }
}

/// `hi < x ? hi : x`: the `pmin` lane rule.
#[inline(always)]
fn clip_high(x: f32, hi: f32) -> f32 {
    if hi < x {
        hi
    } else {
        x
    }
}

/// `y = op(x)` element-wise; SIMD for the cheap ops.
///
/// ```
/// use cnn_core::tensor::{unary, UnaryOp};
/// let mut y = [0.0; 4];
/// unary(UnaryOp::Relu6, &[-1.0, 2.0, 7.0, 6.0], &mut y).unwrap();
/// assert_eq!(y, [0.0, 2.0, 6.0, 6.0]);
/// ```
pub fn unary(op: UnaryOp, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("unary", "y", y.len(), x.len())?;
    let min_chunk = if simd_kernel(op) { MIN_CHUNK } else { MIN_CHUNK_TRANSCENDENTAL };
    for_each_piece(y, min_chunk, |i0, y| f32_vunary__simd128(op, &x[i0..][..y.len()], y));
    Ok(())
}

/// Scalar reference of [`unary`].
pub fn unary_ref(op: UnaryOp, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("unary", "y", y.len(), x.len())?;
    for (o, v) in y.iter_mut().zip(x) {
        *o = op.apply(*v);
    }
    Ok(())
}

/// Whether [`f32_vunary__simd128`] has a four-lane form of `op`.
fn simd_kernel(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(op, Neg | Abs | Square | Sqrt | Rsqrt | Reciprocal | Relu | Relu6 | LeakyRelu { .. } | Clip { .. } | Affine { .. } | Step)
}

#[allow(non_snake_case)] // XNNPACK-style kernel name: <family>__<arch>
fn f32_vunary__simd128(op: UnaryOp, x: &[f32], y: &mut [f32]) {
    use UnaryOp::*;
    let s = |v: f32| op.apply(v);
    let (vzero, vone) = (F32x4::zero(), F32x4::splat(1.0));
    match op {
        // `x * -1` flips the sign like `-x` (also of zero).
        Neg => map1(x, y, |v| v.mul(F32x4::splat(-1.0)), s),
        // max(x, -x) is |x| except for -0, which `+ 0` turns into +0.
        Abs => map1(x, y, |v| v.max(v.mul(F32x4::splat(-1.0))).add(vzero), s),
        Square => map1(x, y, |v| v.mul(v), s),
        Sqrt => map1(x, y, |v| v.sqrt(), s),
        Rsqrt => map1(x, y, |v| vone.div(v.sqrt()), s),
        Reciprocal => map1(x, y, |v| vone.div(v), s),
        Relu => map1(x, y, |v| v.max(vzero), s),
        Relu6 => map1(x, y, |v| v.max(vzero).min(F32x4::splat(6.0)), s),
        LeakyRelu { alpha } => {
            let va = F32x4::splat(alpha);
            map1(x, y, |v| v.select_gt(vzero, v, va.mul(v)), s)
        }
        Clip { min, max } => {
            let (lo, hi) = (F32x4::splat(min), F32x4::splat(max));
            map1(x, y, |v| v.max(lo).min(hi), s)
        }
        Affine { scale, shift } => {
            let (va, vb) = (F32x4::splat(scale), F32x4::splat(shift));
            map1(x, y, |v| va.mul(v).add(vb), s)
        }
        Step => map1(x, y, |v| v.select_gt(vzero, vone, vzero), s),
        _ => {
            for (o, v) in y.iter_mut().zip(x) {
                *o = op.apply(*v);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// erf and erfc in f64, accurate to about 1e-13 relative: far below one f32
// ulp, so `erf_f64(x as f64) as f32` is the correctly rounded f32 in all but
// rare halfway cases.
//
// |z| < 2: the Maclaurin series erf z = 2/sqrt(pi) sum (-1)^n z^(2n+1) /
// (n! (2n+1)) (Abramowitz & Stegun 7.1.5), at most ~35 terms; its
// cancellation costs at most e^(z^2) < 55, i.e. two digits of sixteen.
// |z| >= 2: the continued fraction erfc z = exp(-z^2)/sqrt(pi) /
// (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) (A&S 7.1.14), evaluated bottom up
// from a fixed depth of 40 (checked against mpmath: relative error < 5e-14
// for z >= 2).

const SERIES_LIMIT: f64 = 2.0;
const CF_DEPTH: u32 = 40;

/// Series for erf, |z| < [`SERIES_LIMIT`].
fn erf_series(z: f64) -> f64 {
    let z2 = z * z;
    let (mut term, mut sum) = (z, z);
    for n in 1..60 {
        term *= -z2 / n as f64;
        let t = term / (2 * n + 1) as f64;
        sum += t;
        if t.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    std::f64::consts::FRAC_2_SQRT_PI * sum
}

/// Continued fraction for erfc, z >= [`SERIES_LIMIT`].
fn erfc_cf(z: f64) -> f64 {
    let mut f = z;
    for k in (1..=CF_DEPTH).rev() {
        f = z + (k as f64 * 0.5) / f;
    }
    (-z * z).exp() / (std::f64::consts::PI.sqrt() * f)
}

/// The error function in f64 (about 1e-13 relative).
pub fn erf_f64(z: f64) -> f64 {
    if z.is_nan() {
        z
    } else if z.abs() < SERIES_LIMIT {
        erf_series(z)
    } else {
        (1.0 - erfc_cf(z.abs())).copysign(z)
    }
}

/// The complementary error function `1 - erf z` in f64, with its relative
/// accuracy kept for large positive `z`.
pub fn erfc_f64(z: f64) -> f64 {
    if z.is_nan() {
        z
    } else if z.abs() < SERIES_LIMIT {
        1.0 - erf_series(z)
    } else if z > 0.0 {
        erfc_cf(z)
    } else {
        2.0 - erfc_cf(-z)
    }
}

#[cfg(test)]
mod tests;
