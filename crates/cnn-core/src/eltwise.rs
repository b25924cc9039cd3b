#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Element-wise kernels: ReLU forward and backward, the ReLU6 and softplus
//! gradients, add, bias add (broadcast over the last axis), scale, and
//! `axpy` (`y += a * x`, for accumulating gradients).
//!
//! Shapes: every buffer of one call has the same length, except
//! [`bias_add`]: `x [rows, c]`, `bias [c]`, `y [rows, c]`. Its backward (the
//! bias gradient, a sum over rows) lives with the convolution kernels as
//! `conv::bias_grad`.
//!
//! Each public kernel has a scalar twin (`_ref`). Both do the same IEEE
//! operation per element (mul and add rounded separately, no fused
//! multiply-add), so they agree bit for bit; threads split the output into
//! chunks that depend on its length only.

use crate::error::{check_len, numel, Result};
use crate::par;
use crate::simd::F32x4;
use crate::tensor::UnaryOp;

/// Elements per task below which splitting costs more than it saves (these
/// kernels are memory bound).
const MIN_CHUNK: usize = 1 << 14;

/// Runs `f(first_index, piece)` over chunks of `y` in parallel.
fn for_each_piece(y: &mut [f32], f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if y.is_empty() {
        return;
    }
    par::for_each_out_chunk(y, 1, par::chunk_size(y.len(), MIN_CHUNK), f);
}

/// Applies `vf` to blocks of four and `sf` to the tail: `y[i] = f(a[i], b[i])`.
#[inline(always)]
fn map2(a: &[f32], b: &[f32], y: &mut [f32], vf: impl Fn(F32x4, F32x4) -> F32x4, sf: impl Fn(f32, f32) -> f32) {
    let n = y.len();
    debug_assert!(a.len() >= n && b.len() >= n);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n <= every length.
        unsafe { vf(F32x4::load(a.as_ptr().add(i)), F32x4::load(b.as_ptr().add(i))).store(y.as_mut_ptr().add(i)) };
        i += 4;
    }
    for i in i..n {
        y[i] = sf(a[i], b[i]);
    }
}

// ---------------------------------------------------------------------------
// ReLU.

/// `y = max(x, 0)`. NaN stays NaN (the `pmax` rule `x < 0 ? 0 : x`).
pub fn relu(x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("relu", "y", y.len(), x.len())?;
    for_each_piece(y, |i0, y| f32_vrelu__simd128(&x[i0..][..y.len()], y));
    Ok(())
}

fn f32_vrelu__simd128(x: &[f32], y: &mut [f32]) {
    let vzero = F32x4::zero();
    map2(x, x, y, |vx, _| vx.max(vzero), |v, _| relu_scalar(v));
}

#[inline(always)]
fn relu_scalar(v: f32) -> f32 {
    if v < 0.0 {
        0.0
    } else {
        v
    }
}

/// Scalar reference of [`relu`].
pub fn relu_ref(x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("relu", "y", y.len(), x.len())?;
    for (o, v) in y.iter_mut().zip(x) {
        *o = relu_scalar(*v);
    }
    Ok(())
}

fn check_relu_backward(x: &[f32], dy: &[f32], dx: &[f32]) -> Result<()> {
    check_len("reluBackward", "dy", dy.len(), x.len())?;
    check_len("reluBackward", "dx", dx.len(), x.len())
}

/// `dx = dy where x > 0, else 0`. `x` may be the forward input or output
/// (TF's `ReluGrad` takes either: both are positive at the same places).
pub fn relu_backward(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_relu_backward(x, dy, dx)?;
    for_each_piece(dx, |i0, dx| f32_vrelu_backward__simd128(&x[i0..][..dx.len()], &dy[i0..][..dx.len()], dx));
    Ok(())
}

fn f32_vrelu_backward__simd128(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    let vzero = F32x4::zero();
    map2(x, dy, dx, |vx, vdy| vx.select_gt(vzero, vdy, vzero), |v, g| if v > 0.0 { g } else { 0.0 });
}

/// Scalar reference of [`relu_backward`].
pub fn relu_backward_ref(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_relu_backward(x, dy, dx)?;
    for i in 0..x.len() {
        dx[i] = if x[i] > 0.0 { dy[i] } else { 0.0 };
    }
    Ok(())
}

/// `dx = dy where 0 < x < 6, else 0`: the gradient of `relu6`. As TF's
/// `Relu6Grad`, a select (not a multiply by a mask), so `x` may be the
/// forward input or output, the gradient at exactly 0 and 6 is 0, and a
/// NaN `x` passes no gradient.
pub fn relu6_backward(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_len("relu6Backward", "dy", dy.len(), x.len())?;
    check_len("relu6Backward", "dx", dx.len(), x.len())?;
    for_each_piece(dx, |i0, dx| f32_vrelu6_backward__simd128(&x[i0..][..dx.len()], &dy[i0..][..dx.len()], dx));
    Ok(())
}

fn f32_vrelu6_backward__simd128(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    let (vzero, vsix) = (F32x4::zero(), F32x4::splat(6.0));
    map2(x, dy, dx, |vx, vdy| vsix.select_gt(vx, vx.select_gt(vzero, vdy, vzero), vzero), relu6_backward_scalar);
}

#[inline(always)]
fn relu6_backward_scalar(x: f32, dy: f32) -> f32 {
    if x > 0.0 && x < 6.0 {
        dy
    } else {
        0.0
    }
}

/// Scalar reference of [`relu6_backward`].
pub fn relu6_backward_ref(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_len("relu6Backward", "dy", dy.len(), x.len())?;
    check_len("relu6Backward", "dx", dx.len(), x.len())?;
    for i in 0..x.len() {
        dx[i] = relu6_backward_scalar(x[i], dy[i]);
    }
    Ok(())
}

/// `dx = dy * sigmoid(x)`: the gradient of softplus `log(1 + exp(x))` in
/// one pass (before: a sigmoid kernel, then a multiply). The sigmoid is the
/// `unary` kernel's, one element at a time in both twins.
pub fn softplus_backward(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_len("softplusBackward", "dy", dy.len(), x.len())?;
    check_len("softplusBackward", "dx", dx.len(), x.len())?;
    for_each_piece(dx, |i0, dx| {
        for (i, d) in dx.iter_mut().enumerate() {
            *d = dy[i0 + i] * UnaryOp::Sigmoid.apply(x[i0 + i]);
        }
    });
    Ok(())
}

/// Scalar reference of [`softplus_backward`]: one sequential loop.
pub fn softplus_backward_ref(x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_len("softplusBackward", "dy", dy.len(), x.len())?;
    check_len("softplusBackward", "dx", dx.len(), x.len())?;
    for i in 0..x.len() {
        dx[i] = dy[i] * UnaryOp::Sigmoid.apply(x[i]);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Add, bias add, scale, axpy.

fn check_add(a: &[f32], b: &[f32], y: &[f32]) -> Result<()> {
    check_len("add", "b", b.len(), a.len())?;
    check_len("add", "y", y.len(), a.len())
}

/// `y = a + b`, same shapes (Keras `layers.add` of two inputs; its backward
/// passes `dy` to both).
pub fn add(a: &[f32], b: &[f32], y: &mut [f32]) -> Result<()> {
    check_add(a, b, y)?;
    for_each_piece(y, |i0, y| map2(&a[i0..][..y.len()], &b[i0..][..y.len()], y, |va, vb| va.add(vb), |u, v| u + v));
    Ok(())
}

/// Scalar reference of [`add`].
pub fn add_ref(a: &[f32], b: &[f32], y: &mut [f32]) -> Result<()> {
    check_add(a, b, y)?;
    for i in 0..a.len() {
        y[i] = a[i] + b[i];
    }
    Ok(())
}

fn check_bias_add(rows: usize, c: usize, x: &[f32], bias: &[f32], y: &[f32]) -> Result<()> {
    check_len("biasAdd", "x", x.len(), numel("biasAdd", "x", &[rows, c])?)?;
    check_len("biasAdd", "bias", bias.len(), c)?;
    check_len("biasAdd", "y", y.len(), numel("biasAdd", "y", &[rows, c])?)
}

/// `y[r, j] = x[r, j] + bias[j]` for `x [rows, c]`.
pub fn bias_add(rows: usize, c: usize, x: &[f32], bias: &[f32], y: &mut [f32]) -> Result<()> {
    check_bias_add(rows, c, x, bias, y)?;
    if y.is_empty() {
        return Ok(());
    }
    let chunk = par::chunk_size(rows, MIN_CHUNK / c);
    par::for_each_out_chunk(y, c, chunk, |r0, y| {
        for (i, y_row) in y.chunks_mut(c).enumerate() {
            map2(&x[(r0 + i) * c..][..c], bias, y_row, |vx, vb| vx.add(vb), |u, v| u + v);
        }
    });
    Ok(())
}

/// Scalar reference of [`bias_add`].
pub fn bias_add_ref(rows: usize, c: usize, x: &[f32], bias: &[f32], y: &mut [f32]) -> Result<()> {
    check_bias_add(rows, c, x, bias, y)?;
    for r in 0..rows {
        for j in 0..c {
            y[r * c + j] = x[r * c + j] + bias[j];
        }
    }
    Ok(())
}

/// `y = alpha * x`.
pub fn scale(x: &[f32], alpha: f32, y: &mut [f32]) -> Result<()> {
    check_len("scale", "y", y.len(), x.len())?;
    let valpha = F32x4::splat(alpha);
    for_each_piece(y, |i0, y| {
        let x = &x[i0..][..y.len()];
        map2(x, x, y, |vx, _| vx.mul(valpha), |v, _| alpha * v)
    });
    Ok(())
}

/// Scalar reference of [`scale`].
pub fn scale_ref(x: &[f32], alpha: f32, y: &mut [f32]) -> Result<()> {
    check_len("scale", "y", y.len(), x.len())?;
    for (o, v) in y.iter_mut().zip(x) {
        *o = alpha * v;
    }
    Ok(())
}

/// `y += alpha * x` (BLAS `saxpy`), e.g. to add one micro-batch's gradient
/// into an accumulator. Mul and add are rounded separately.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("axpy", "y", y.len(), x.len())?;
    let valpha = F32x4::splat(alpha);
    for_each_piece(y, |i0, y| {
        let n = y.len();
        let x = &x[i0..][..n];
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 <= n for both slices.
            unsafe {
                let py = y.as_mut_ptr().add(i);
                F32x4::load(py).mul_add(valpha, F32x4::load(x.as_ptr().add(i))).store(py);
            }
            i += 4;
        }
        for i in i..n {
            y[i] += alpha * x[i];
        }
    });
    Ok(())
}

/// Scalar reference of [`axpy`].
pub fn axpy_ref(alpha: f32, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_len("axpy", "y", y.len(), x.len())?;
    for (o, v) in y.iter_mut().zip(x) {
        *o += alpha * v;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
