//! Element-wise binary ops `y = f(a, b)` with NumPy / TF broadcasting.
//!
//! Shapes: `a`, `b` and `y` have shapes of one common rank ([`Broadcast`]);
//! every dim of `a` and of `b` equals the output dim or is 1 (stretched).
//!
//! [`binary`] first simplifies the shapes: size-1 output dims are dropped
//! and neighbouring dims merged where both inputs are laid out alike (both
//! contiguous, or both broadcast), so most calls become one of the fast
//! paths, each an early return: a flat loop (same shapes, or one side a
//! scalar), or rows plus a bias-like `b` of shape `[1, ..., 1, C]`. The
//! general case walks the output rows with an odometer over the strides of
//! `a` and `b` (stride 0 on broadcast dims) and runs the innermost axis with
//! the same row kernels. Ops with a four-lane form (add, sub, mul, div,
//! maximum, minimum, squared difference, greater, less) agree with the
//! scalar definition [`BinaryOp::apply`] bit for bit; the others run it per
//! element. Threads split the output into chunks that depend on its length
//! only.

use crate::error::{check_len, CoreError, Result};
use crate::simd::F32x4;

use super::{checked_len, contiguous_strides, for_each_piece, max_nan, min_nan, vmax_nan, vmin_nan, Odometer, MIN_CHUNK};

/// Elements per task for ops without a four-lane form.
const MIN_CHUNK_SCALAR: usize = 1 << 12;

/// A binary op. Codes (the wasm `op` argument) in [`BinaryOp::from_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// NaN if either side is NaN (TF `maximum`).
    Maximum,
    Minimum,
    Pow,
    /// `(a - b)^2`.
    SquaredDifference,
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    /// Both nonzero (NaN counts as nonzero).
    LogicalAnd,
    LogicalOr,
    /// `floor(a / b)` (TF `floor_div` on floats).
    FloorDiv,
    /// TF `floormod`: `a - floor(a / b) * b` computed from `fmod`, so the
    /// result has the sign of `b`.
    Mod,
    /// `atan2(a, b)`: the angle of the point `(x = b, y = a)`.
    Atan2,
    /// `a / b`, but 0 where `b == 0`.
    DivNoNan,
}

impl BinaryOp {
    /// The op of wasm code `code`: 0 add, 1 sub, 2 mul, 3 div, 4 maximum,
    /// 5 minimum, 6 pow, 7 squared difference, 8 equal, 9 not_equal,
    /// 10 greater, 11 greater_equal, 12 less, 13 less_equal, 14 logical_and,
    /// 15 logical_or, 16 floor_div, 17 mod, 18 atan2, 19 div_no_nan.
    pub fn from_code(code: u32) -> Result<BinaryOp> {
        use BinaryOp::*;
        const OPS: [BinaryOp; 20] = [
            Add,
            Sub,
            Mul,
            Div,
            Maximum,
            Minimum,
            Pow,
            SquaredDifference,
            Equal,
            NotEqual,
            Greater,
            GreaterEqual,
            Less,
            LessEqual,
            LogicalAnd,
            LogicalOr,
            FloorDiv,
            Mod,
            Atan2,
            DivNoNan,
        ];
        OPS.get(code as usize).copied().ok_or_else(|| CoreError::new("binary", format!("unknown op code {code}")))
    }

    /// Number of op codes (valid codes are `0..COUNT`).
    pub const COUNT: u32 = 20;

    /// The scalar definition of the op. Comparisons and logical ops give
    /// 1.0 or 0.0.
    #[inline(always)]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        use BinaryOp::*;
        let bool01 = |c: bool| if c { 1.0 } else { 0.0 };
        match self {
            Add => a + b,
            Sub => a - b,
            Mul => a * b,
            Div => a / b,
            Maximum => max_nan(a, b),
            Minimum => min_nan(a, b),
            Pow => a.powf(b),
            SquaredDifference => {
                let d = a - b;
                d * d
            }
            Equal => bool01(a == b),
            NotEqual => bool01(a != b),
            Greater => bool01(a > b),
            GreaterEqual => bool01(a >= b),
            Less => bool01(a < b),
            LessEqual => bool01(a <= b),
            LogicalAnd => bool01(a != 0.0 && b != 0.0),
            LogicalOr => bool01(a != 0.0 || b != 0.0),
            FloorDiv => (a / b).floor(),
            Mod => {
                // TF FloorMod for floats (cwise_ops.h, `google_floor_fmod`).
                let r = a % b;
                if r != 0.0 && ((b < 0.0) != (r < 0.0)) {
                    r + b
                } else {
                    r
                }
            }
            Atan2 => a.atan2(b),
            DivNoNan => {
                if b == 0.0 {
                    0.0
                } else {
                    a / b
                }
            }
        }
    }
}

/// The shapes of one broadcasting call: `a`, `b` and `out` of equal rank,
/// each input dim equal to the output dim or 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    pub a: Vec<usize>,
    pub b: Vec<usize>,
    pub out: Vec<usize>,
}

impl Broadcast {
    /// Validates the shapes (already right-aligned to one rank by the
    /// caller, missing leading dims given as 1).
    ///
    /// ```
    /// use cnn_core::tensor::Broadcast;
    /// assert!(Broadcast::new(&[3, 1, 5], &[1, 4, 1], &[3, 4, 5]).is_ok());
    /// assert_eq!(
    ///     Broadcast::new(&[3, 2], &[1, 4], &[3, 4]).unwrap_err().to_string(),
    ///     "binary: cannot broadcast a [3, 2] and b [1, 4] to [3, 4]: axis 1 of a is 2, expected 4 or 1"
    /// );
    /// ```
    pub fn new(a: &[usize], b: &[usize], out: &[usize]) -> Result<Broadcast> {
        let fail = |msg: String| CoreError::new("binary", format!("cannot broadcast a {a:?} and b {b:?} to {out:?}: {msg}"));
        if a.len() != out.len() || b.len() != out.len() {
            return Err(fail(format!("ranks {}, {} and {} differ", a.len(), b.len(), out.len())));
        }
        for (k, &o) in out.iter().enumerate() {
            for (name, s) in [("a", a), ("b", b)] {
                if s[k] != o && s[k] != 1 {
                    return Err(fail(format!("axis {k} of {name} is {}, expected {o} or 1", s[k])));
                }
            }
        }
        checked_len("binary", "output", out)?;
        Ok(Broadcast { a: a.to_vec(), b: b.to_vec(), out: out.to_vec() })
    }

    /// From the wasm words `[rank, a_dims(rank)..., b_dims(rank)...,
    /// out_dims(rank)...]`.
    pub fn from_words(words: &[u32]) -> Result<Broadcast> {
        let rank = words.first().copied().unwrap_or(0) as usize;
        if words.is_empty() || words.len() != 1 + 3 * rank {
            return Err(CoreError::new(
                "binary",
                format!("shapes has {} words, expected 1 + 3 * rank ([rank, a dims, b dims, out dims]) with rank = {rank}", words.len()),
            ));
        }
        let dims = |i: usize| words[1 + i * rank..][..rank].iter().map(|&d| d as usize).collect::<Vec<_>>();
        Broadcast::new(&dims(0), &dims(1), &dims(2))
    }

    fn check_lens(&self, a: &[f32], b: &[f32], y: &[f32]) -> Result<()> {
        check_len("binary", &format!("a of shape {:?}", self.a), a.len(), checked_len("binary", "a", &self.a)?)?;
        check_len("binary", &format!("b of shape {:?}", self.b), b.len(), checked_len("binary", "b", &self.b)?)?;
        check_len("binary", &format!("y of shape {:?}", self.out), y.len(), checked_len("binary", "output", &self.out)?)
    }

    /// The simplified problem: output dims (none of size 1) and the element
    /// strides of `a` and `b` along them (0 where broadcast), neighbouring
    /// dims merged where both inputs allow it. The output is contiguous.
    fn simplify(&self) -> (Vec<usize>, Vec<isize>, Vec<isize>) {
        let (sa, sb) = (contiguous_strides(&self.a), contiguous_strides(&self.b));
        let (mut dims, mut ta, mut tb) = (Vec::new(), Vec::<isize>::new(), Vec::<isize>::new());
        for k in 0..self.out.len() {
            let n = self.out[k];
            if n == 1 {
                continue;
            }
            let a = if self.a[k] == 1 { 0 } else { sa[k] as isize };
            let b = if self.b[k] == 1 { 0 } else { sb[k] as isize };
            if let Some(&last) = dims.last() {
                let j = dims.len() - 1;
                // The previous dim continues this one in both inputs.
                if ta[j] == a * n as isize && tb[j] == b * n as isize {
                    dims[j] = last * n;
                    ta[j] = a;
                    tb[j] = b;
                    continue;
                }
            }
            dims.push(n);
            ta.push(a);
            tb.push(b);
        }
        (dims, ta, tb)
    }
}

/// One input of a row kernel: a run of elements or one value repeated.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Run(&'a [f32]),
    Splat(f32),
}

/// `y[i] = f(a[i], b[i])`: `vf` on blocks of four, `sf` on the tail.
#[inline(always)]
fn row_with(a: Operand, b: Operand, y: &mut [f32], vf: impl Fn(F32x4, F32x4) -> F32x4, sf: impl Fn(f32, f32) -> f32) {
    use Operand::*;
    let n = y.len();
    let mut i = 0;
    // SAFETY (all loops): i + 4 <= n, and every run has at least n elements.
    match (a, b) {
        (Run(a), Run(b)) => {
            assert!(a.len() >= n && b.len() >= n);
            while i + 4 <= n {
                unsafe { vf(F32x4::load(a.as_ptr().add(i)), F32x4::load(b.as_ptr().add(i))).store(y.as_mut_ptr().add(i)) };
                i += 4;
            }
            for i in i..n {
                y[i] = sf(a[i], b[i]);
            }
        }
        (Run(a), Splat(b)) => {
            assert!(a.len() >= n);
            let vb = F32x4::splat(b);
            while i + 4 <= n {
                unsafe { vf(F32x4::load(a.as_ptr().add(i)), vb).store(y.as_mut_ptr().add(i)) };
                i += 4;
            }
            for i in i..n {
                y[i] = sf(a[i], b);
            }
        }
        (Splat(a), Run(b)) => {
            assert!(b.len() >= n);
            let va = F32x4::splat(a);
            while i + 4 <= n {
                unsafe { vf(va, F32x4::load(b.as_ptr().add(i))).store(y.as_mut_ptr().add(i)) };
                i += 4;
            }
            for i in i..n {
                y[i] = sf(a, b[i]);
            }
        }
        (Splat(a), Splat(b)) => y.fill(sf(a, b)),
    }
}

/// [`row_with`] without a four-lane form.
#[inline(always)]
fn row_scalar(a: Operand, b: Operand, y: &mut [f32], sf: impl Fn(f32, f32) -> f32) {
    use Operand::*;
    match (a, b) {
        (Run(a), Run(b)) => y.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (u, v))| *o = sf(*u, *v)),
        (Run(a), Splat(b)) => y.iter_mut().zip(a).for_each(|(o, u)| *o = sf(*u, b)),
        (Splat(a), Run(b)) => y.iter_mut().zip(b).for_each(|(o, v)| *o = sf(a, *v)),
        (Splat(a), Splat(b)) => y.fill(sf(a, b)),
    }
}

/// Whether [`f32_vbinary_row__simd128`] has a four-lane form of `op`.
fn has_simd(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(op, Add | Sub | Mul | Div | Maximum | Minimum | SquaredDifference | Greater | Less)
}

/// One output row `y = op(a, b)`.
#[allow(non_snake_case)] // XNNPACK-style kernel name: <family>__<arch>
fn f32_vbinary_row__simd128(op: BinaryOp, a: Operand, b: Operand, y: &mut [f32]) {
    use BinaryOp::*;
    let s = |u: f32, v: f32| op.apply(u, v);
    let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
    match op {
        Add => row_with(a, b, y, |u, v| u.add(v), s),
        Sub => row_with(a, b, y, |u, v| u.sub(v), s),
        Mul => row_with(a, b, y, |u, v| u.mul(v), s),
        Div => row_with(a, b, y, |u, v| u.div(v), s),
        Maximum => row_with(a, b, y, vmax_nan, s),
        Minimum => row_with(a, b, y, vmin_nan, s),
        SquaredDifference => row_with(
            a,
            b,
            y,
            |u, v| {
                let d = u.sub(v);
                d.mul(d)
            },
            s,
        ),
        Greater => row_with(a, b, y, |u, v| u.select_gt(v, one, zero), s),
        Less => row_with(a, b, y, |u, v| v.select_gt(u, one, zero), s),
        _ => row_scalar(a, b, y, s),
    }
}

/// `y = op(a, b)` with broadcasting; `shapes` says how `a` and `b` stretch
/// to the shape of `y`.
///
/// ```
/// use cnn_core::tensor::{binary, BinaryOp, Broadcast};
/// // [2, 3] + [3] (given as [1, 3]): a bias added to every row.
/// let shapes = Broadcast::new(&[2, 3], &[1, 3], &[2, 3]).unwrap();
/// let mut y = [0.0; 6];
/// binary(BinaryOp::Add, &shapes, &[0., 1., 2., 3., 4., 5.], &[10., 20., 30.], &mut y).unwrap();
/// assert_eq!(y, [10., 21., 32., 13., 24., 35.]);
/// ```
pub fn binary(op: BinaryOp, shapes: &Broadcast, a: &[f32], b: &[f32], y: &mut [f32]) -> Result<()> {
    shapes.check_lens(a, b, y)?;
    if y.is_empty() {
        return Ok(());
    }
    let min_chunk = if has_simd(op) { MIN_CHUNK } else { MIN_CHUNK_SCALAR };
    let (dims, sa, sb) = shapes.simplify();

    // Flat: same shapes, or one side (or both) a single value.
    if dims.len() <= 1 {
        let (sa, sb) = (sa.first().copied().unwrap_or(0), sb.first().copied().unwrap_or(0));
        for_each_piece(y, min_chunk, |i0, y| f32_vbinary_row__simd128(op, flat(a, sa, i0), flat(b, sb, i0), y));
        return Ok(());
    }

    // Bias-like: rows of `a` plus one row `b` of C, broadcast over the rows.
    let c = dims[1];
    if dims.len() == 2 && sa == [c as isize, 1] && sb == [0, 1] {
        for_each_rows(y, c, min_chunk, |row, c0, y| f32_vbinary_row__simd128(op, Operand::Run(&a[row * c + c0..]), Operand::Run(&b[c0..]), y));
        return Ok(());
    }

    general(op, &dims, &sa, &sb, a, b, y, min_chunk);
    Ok(())
}

/// The operand of a flat problem from element `i0` on: all of `x` from
/// `i0` (stride 1) or its only value (stride 0).
fn flat(x: &[f32], stride: isize, i0: usize) -> Operand<'_> {
    if stride == 0 {
        Operand::Splat(x[0])
    } else {
        Operand::Run(&x[i0..])
    }
}

/// Runs `f(row, first_column, run)` over the rows of `y` viewed as
/// `[rows, c]`, in parallel chunks of elements (a chunk may start or end in
/// the middle of a row, so few long rows still split).
fn for_each_rows(y: &mut [f32], c: usize, min_chunk: usize, f: impl Fn(usize, usize, &mut [f32]) + Sync + Send) {
    for_each_piece(y, min_chunk, |i0, piece| {
        let mut done = 0;
        while done < piece.len() {
            let (row, c0) = ((i0 + done) / c, (i0 + done) % c);
            let len = (c - c0).min(piece.len() - done);
            f(row, c0, &mut piece[done..done + len]);
            done += len;
        }
    });
}

/// The general case: an odometer over the outer output dims gives the
/// offsets of each row in `a` and `b`; the innermost dim runs as a row.
#[allow(clippy::too_many_arguments)]
fn general(op: BinaryOp, dims: &[usize], sa: &[isize], sb: &[isize], a: &[f32], b: &[f32], y: &mut [f32], min_chunk: usize) {
    let r = dims.len() - 1;
    let c = dims[r];
    let (ia, ib) = (sa[r], sb[r]);
    let (outer, oa, ob) = (&dims[..r], &sa[..r], &sb[..r]);
    for_each_piece(y, min_chunk, |i0, piece| {
        let mut odo = Odometer::new(outer, [oa, ob], [0, 0], i0 / c);
        let mut done = 0;
        while done < piece.len() {
            let c0 = (i0 + done) % c;
            let len = (c - c0).min(piece.len() - done);
            let (ra, rb) = (odo.off[0] as usize, odo.off[1] as usize);
            let ua = if ia == 0 { Operand::Splat(a[ra]) } else { Operand::Run(&a[ra + c0..]) };
            let ub = if ib == 0 { Operand::Splat(b[rb]) } else { Operand::Run(&b[rb + c0..]) };
            f32_vbinary_row__simd128(op, ua, ub, &mut piece[done..done + len]);
            done += len;
            odo.step();
        }
    });
}

/// Scalar reference of [`binary`]: for every output index, the input
/// indices by clamping broadcast dims to 0.
pub fn binary_ref(op: BinaryOp, shapes: &Broadcast, a: &[f32], b: &[f32], y: &mut [f32]) -> Result<()> {
    shapes.check_lens(a, b, y)?;
    let rank = shapes.out.len();
    let (sa, sb) = (contiguous_strides(&shapes.a), contiguous_strides(&shapes.b));
    for (i, o) in y.iter_mut().enumerate() {
        let (mut rest, mut ia, mut ib) = (i, 0, 0);
        for k in (0..rank).rev() {
            let idx = rest % shapes.out[k];
            rest /= shapes.out[k];
            if shapes.a[k] != 1 {
                ia += idx * sa[k];
            }
            if shapes.b[k] != 1 {
                ib += idx * sb[k];
            }
        }
        *o = op.apply(a[ia], b[ib]);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
