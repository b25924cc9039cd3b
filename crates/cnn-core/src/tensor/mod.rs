//! Generic tensor kernels behind the TypeScript tensor layer (TF.js-style
//! ops): element-wise unary maps, binary ops with NumPy / TF broadcasting,
//! reductions over any set of axes, and data movement (one strided copy that
//! serves transpose, slice, pad, concat, tile, broadcastTo and reverse; fill,
//! one-hot and gather).
//!
//! Every tensor is a row-major f32 buffer; shapes travel separately. Each
//! family has a SIMD version written against [`F32x4`] where the data is
//! contiguous and a plain scalar reference beside it (`*_ref`), which the
//! tests compare. Threads split the *output* into chunks that depend on the
//! problem size only (or, for reductions to a few values, sum per-chunk
//! partials in chunk order), so results do not depend on the thread count.
//!
//! - [`unary`]: `y = f(x)`, 30 ops ([`UnaryOp`]).
//! - [`binary`]: `y = f(a, b)` with broadcasting, 20 ops ([`BinaryOp`]).
//! - [`reduce`]: sum, mean, max, min, prod, argmax, argmin, any, all,
//!   logsumexp over listed axes ([`ReduceOp`]).
//! - [`copy`]: [`copy_strided`], [`fill`], [`one_hot`], [`gather`].

pub mod binary;
pub mod copy;
pub mod reduce;
pub mod unary;

pub use binary::{binary, binary_ref, BinaryOp, Broadcast};
pub use copy::{copy_strided, copy_strided_ref, fill, fill_ref, gather, gather_ref, one_hot, one_hot_ref, scatter_add, scatter_add_ref, StridedCopy};
pub use reduce::{reduce, reduce_ref, ReduceOp};
pub use unary::{unary, unary_ref, UnaryOp};

use crate::error::{CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Elements per task below which splitting costs more than it saves for
/// memory-bound loops.
const MIN_CHUNK: usize = 1 << 14;

/// Runs `f(first_index, piece)` over chunks of `y` of at least `min_chunk`
/// elements, in parallel. The chunking depends on `y.len()` only.
fn for_each_piece(y: &mut [f32], min_chunk: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if y.is_empty() {
        return;
    }
    par::for_each_out_chunk(y, 1, par::chunk_size(y.len(), min_chunk), f);
}

/// `y[i] = f(x[i])`: `vf` on blocks of four, `sf` on the tail.
#[inline(always)]
fn map1(x: &[f32], y: &mut [f32], vf: impl Fn(F32x4) -> F32x4, sf: impl Fn(f32) -> f32) {
    let n = y.len();
    assert!(x.len() >= n);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n <= both lengths.
        unsafe { vf(F32x4::load(x.as_ptr().add(i))).store(y.as_mut_ptr().add(i)) };
        i += 4;
    }
    for i in i..n {
        y[i] = sf(x[i]);
    }
}

/// `y[..] = value`, four lanes at a time.
#[inline(always)]
fn fill_simd(y: &mut [f32], value: f32) {
    let n = y.len();
    let v = F32x4::splat(value);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n.
        unsafe { v.store(y.as_mut_ptr().add(i)) };
        i += 4;
    }
    for o in &mut y[i..] {
        *o = value;
    }
}

/// `max(a, b)` that propagates NaN from either side (TF `maximum`,
/// `reduce_max`): the `pmax` rule `a < b ? b : a` (which keeps a NaN `a`),
/// then a NaN `b` wins. [`vmax_nan`] is the same per lane.
#[inline(always)]
fn max_nan(a: f32, b: f32) -> f32 {
    let m = if a < b { b } else { a };
    if b.is_nan() {
        b
    } else {
        m
    }
}

/// `min(a, b)` that propagates NaN from either side; see [`max_nan`].
#[inline(always)]
fn min_nan(a: f32, b: f32) -> f32 {
    let m = if b < a { b } else { a };
    if b.is_nan() {
        b
    } else {
        m
    }
}

/// Lanes where `b` is NaN take `b`, the others `m`. `F32x4` has no equality
/// test, so NaN is "neither above -inf nor below +inf".
#[inline(always)]
fn nan_of_b_or(m: F32x4, b: F32x4) -> F32x4 {
    let inf = F32x4::splat(f32::INFINITY);
    b.select_gt(F32x4::splat(f32::NEG_INFINITY), m, inf.select_gt(b, m, b))
}

/// [`max_nan`] per lane.
#[inline(always)]
fn vmax_nan(a: F32x4, b: F32x4) -> F32x4 {
    nan_of_b_or(a.max(b), b)
}

/// [`min_nan`] per lane.
#[inline(always)]
fn vmin_nan(a: F32x4, b: F32x4) -> F32x4 {
    nan_of_b_or(a.min(b), b)
}

/// 1.0 where `x != 0` (NaN included, as a cast to bool), else 0.0, per lane.
#[inline(always)]
fn vnonzero(x: F32x4) -> F32x4 {
    let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
    let nan = x.select_gt(F32x4::splat(f32::NEG_INFINITY), zero, one); // 1 for NaN (and -inf)
    x.select_gt(zero, one, zero.select_gt(x, one, nan))
}

/// Product of `dims`, or an error naming `op` and `what` if it overflows.
fn checked_len(op: &'static str, what: &str, dims: &[usize]) -> Result<usize> {
    crate::error::numel(op, what, dims)
}

/// Row-major strides (in elements) of a contiguous tensor of shape `dims`.
fn contiguous_strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for k in (0..dims.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * dims[k + 1];
    }
    s
}

/// An index stored as f32 (TF.js passes int tensors as f32 here): `Ok(i)`
/// for an integer value, the error otherwise. Exact up to 2^24.
fn integer_index(op: &'static str, what: &str, pos: usize, v: f32) -> Result<i64> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e18 {
        Ok(v as i64)
    } else {
        Err(CoreError::new(op, format!("{what} at position {pos} is {v}, expected an integer")))
    }
}

/// A row-major multi-index over `dims` and the offset it maps to under each
/// of `K` stride sets (strides in elements, possibly 0 or negative).
/// Offsets use wrapping arithmetic: a step may pass through a position one
/// stride outside the tensor before the carry brings it back, and the values
/// reached at valid indices are exact.
struct Odometer<'a, const K: usize> {
    dims: &'a [usize],
    strides: [&'a [isize]; K],
    idx: Vec<usize>,
    off: [isize; K],
}

impl<'a, const K: usize> Odometer<'a, K> {
    /// Positioned at row-major flat index `start` of `dims` (every dim > 0),
    /// with offsets `base + sum(idx[d] * strides[k][d])`.
    fn new(dims: &'a [usize], strides: [&'a [isize]; K], base: [isize; K], start: usize) -> Self {
        let mut idx = vec![0; dims.len()];
        let mut off = base;
        let mut rest = start;
        for d in (0..dims.len()).rev() {
            idx[d] = rest % dims[d];
            rest /= dims[d];
            for k in 0..K {
                off[k] = off[k].wrapping_add((idx[d] as isize).wrapping_mul(strides[k][d]));
            }
        }
        Odometer { dims, strides, idx, off }
    }

    /// Moves to the next index in row-major order (after the last one it
    /// wraps to all zeros).
    #[inline]
    fn step(&mut self) {
        for d in (0..self.dims.len()).rev() {
            self.idx[d] += 1;
            for k in 0..K {
                self.off[k] = self.off[k].wrapping_add(self.strides[k][d]);
            }
            if self.idx[d] < self.dims[d] {
                return;
            }
            for k in 0..K {
                self.off[k] = self.off[k].wrapping_sub(self.strides[k][d].wrapping_mul(self.dims[d] as isize));
            }
            self.idx[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests;
