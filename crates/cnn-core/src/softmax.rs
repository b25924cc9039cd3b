#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Softmax over the last axis and the cross-entropy losses of Keras.
//!
//! Shapes: `x`, `logits`, `probs`, `targets` are `[rows, classes]`
//! (row-major, one sample per row); `labels` is `[rows]` of class indices
//! stored as f32 (exact up to 2^24), checked to be integers in
//! `0..classes`. Losses are the mean over the batch (Keras'
//! `sum_over_batch_size` reduction), and the backward functions return the
//! gradient of that mean, so they already include the `1 / rows`.
//!
//! - [`softmax`]: `exp(x - max) * (1 / sum)`, TF's order of operations;
//!   [`softmax_backward`]: `dx = y * (dy - sum(y * dy))`.
//! - [`sparse_softmax_cross_entropy`]: fused softmax + sparse categorical
//!   cross-entropy from logits (TF `SparseSoftmaxCrossEntropyWithLogits`):
//!   `loss = ln(sum exp(z - max)) - (z[label] - max)`, never `ln(0)`.
//!   Keras takes this path whenever the model ends in a softmax activation
//!   (`_get_logits` in `keras/src/backend/tensorflow/nn.py` finds the
//!   logits behind the softmax). Backward: `(softmax - onehot) / rows`.
//! - [`categorical_cross_entropy`] on probabilities with one-hot (or soft)
//!   targets, as Keras' TF backend: `q = clip(p / sum(p), eps, 1 - eps)`,
//!   `loss = -sum(t * ln q)`, `eps = 1e-7`.
//! - [`sparse_categorical_cross_entropy`] on probabilities, as Keras' TF
//!   backend: `c = clip(p, eps, 1 - eps)`, then the softmax cross-entropy of
//!   the logits `ln c`, i.e. `loss = ln(sum c) - ln(c[label])`.
//!
//! Clipping passes the gradient where `eps <= value <= 1 - eps`, zero
//! outside (TF's `clip_by_value` gradient).
//!
//! SIMD versions vectorise the row reductions and scalings (`exp` and `ln`
//! stay scalar); their sums are associated four lanes at a time, so they
//! match the scalar twins to rounding, not bit for bit. Threads split rows;
//! the batch mean sums per-chunk partials in chunk order.

use crate::error::{check_len, numel, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Keras `backend.epsilon()`.
pub const EPSILON: f32 = 1e-7;
/// `1 - epsilon` as Keras computes it: in double, then cast to f32.
const ONE_MINUS_EPSILON: f32 = (1.0f64 - 1e-7f64) as f32;

/// Floats per task below which splitting costs more than it saves.
const MIN_TASK_WORK: usize = 1 << 12;

fn row_chunk(rows: usize, classes: usize) -> usize {
    par::chunk_size(rows, MIN_TASK_WORK / classes.max(1))
}

fn check_rows(op: &'static str, rows: usize, classes: usize) -> Result<()> {
    if rows == 0 || classes == 0 {
        return Err(CoreError::new(op, format!("batch and class count must be at least 1, got {rows} rows of {classes} classes")));
    }
    Ok(())
}

/// Checks that every label is an integer class index in `0..classes`.
fn check_labels(op: &'static str, labels: &[f32], rows: usize, classes: usize) -> Result<()> {
    check_len(op, "labels", labels.len(), rows)?;
    for (r, &l) in labels.iter().enumerate() {
        if !(l >= 0.0 && l < classes as f32 && l.fract() == 0.0) {
            return Err(CoreError::new(op, format!("label {l} of row {r} is not a class index, expected an integer in 0..{classes} ({classes} classes)")));
        }
    }
    Ok(())
}

/// Keras' clip; a NaN stays NaN (as `tf.clip_by_value` leaves it).
#[inline(always)]
fn clip(v: f32) -> f32 {
    v.clamp(EPSILON, ONE_MINUS_EPSILON)
}

#[inline(always)]
fn clip_passes(v: f32) -> bool {
    (EPSILON..=ONE_MINUS_EPSILON).contains(&v)
}

/// Sum of `v` four lanes at a time, lanes folded `(0+1)+(2+3)`, then the tail.
#[inline(always)]
fn f32_rsum__simd128(v: &[f32]) -> f32 {
    let mut vacc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= v.len() {
        // SAFETY: i + 4 <= len.
        vacc = vacc.add(unsafe { F32x4::load(v.as_ptr().add(i)) });
        i += 4;
    }
    let a = vacc.to_array();
    let mut s = (a[0] + a[1]) + (a[2] + a[3]);
    for &t in &v[i..] {
        s += t;
    }
    s
}

/// `y *= alpha`.
#[inline(always)]
fn f32_vscale_inplace__simd128(y: &mut [f32], alpha: f32) {
    let valpha = F32x4::splat(alpha);
    let mut i = 0;
    while i + 4 <= y.len() {
        // SAFETY: i + 4 <= len.
        unsafe {
            let p = y.as_mut_ptr().add(i);
            F32x4::load(p).mul(valpha).store(p);
        }
        i += 4;
    }
    for v in &mut y[i..] {
        *v *= alpha;
    }
}

// ---------------------------------------------------------------------------
// Softmax.

/// Softmax of one row into `y`; returns `(max, sum of exp(x - max))`.
fn f32_softmax_row__simd128(x: &[f32], y: &mut [f32]) -> (f32, f32) {
    let n = x.len();
    let mut vmax = F32x4::splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n.
        vmax = vmax.max(unsafe { F32x4::load(x.as_ptr().add(i)) });
        i += 4;
    }
    let mut m = f32::NEG_INFINITY;
    for v in vmax.to_array().into_iter().chain(x[i..].iter().copied()) {
        if v > m {
            m = v;
        }
    }
    for (o, v) in y.iter_mut().zip(x) {
        *o = (v - m).exp();
    }
    let sum = f32_rsum__simd128(y);
    f32_vscale_inplace__simd128(y, 1.0 / sum);
    (m, sum)
}

/// Scalar twin of the row kernel.
fn softmax_row_ref(x: &[f32], y: &mut [f32]) -> (f32, f32) {
    let mut m = f32::NEG_INFINITY;
    for &v in x {
        if v > m {
            m = v;
        }
    }
    let mut sum = 0.0f32;
    for (o, v) in y.iter_mut().zip(x) {
        *o = (v - m).exp();
        sum += *o;
    }
    let inv = 1.0 / sum;
    for o in y.iter_mut() {
        *o *= inv;
    }
    (m, sum)
}

fn check_softmax(rows: usize, classes: usize, x: &[f32], y: &[f32]) -> Result<()> {
    check_len("softmax", "x", x.len(), numel("softmax", "x", &[rows, classes])?)?;
    check_len("softmax", "y", y.len(), numel("softmax", "y", &[rows, classes])?)
}

/// Softmax over the last axis of `x [rows, classes]`, numerically stable
/// (the row max is subtracted first).
pub fn softmax(rows: usize, classes: usize, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_softmax(rows, classes, x, y)?;
    if y.is_empty() {
        return Ok(());
    }
    par::for_each_out_chunk(y, classes, row_chunk(rows, classes), |r0, y| {
        for (i, y_row) in y.chunks_mut(classes).enumerate() {
            f32_softmax_row__simd128(&x[(r0 + i) * classes..][..classes], y_row);
        }
    });
    Ok(())
}

/// Scalar reference of [`softmax`].
pub fn softmax_ref(rows: usize, classes: usize, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_softmax(rows, classes, x, y)?;
    if classes > 0 {
        for (x_row, y_row) in x.chunks(classes).zip(y.chunks_mut(classes)) {
            softmax_row_ref(x_row, y_row);
        }
    }
    Ok(())
}

fn check_softmax_backward(rows: usize, classes: usize, y: &[f32], dy: &[f32], dx: &[f32]) -> Result<()> {
    const OP: &str = "softmaxBackward";
    check_len(OP, "y", y.len(), numel(OP, "y", &[rows, classes])?)?;
    check_len(OP, "dy", dy.len(), numel(OP, "dy", &[rows, classes])?)?;
    check_len(OP, "dx", dx.len(), numel(OP, "dx", &[rows, classes])?)
}

/// `dx = y * (dy - sum(y * dy))` per row, from the softmax output `y`: the
/// backward of a softmax that is not fused with a cross-entropy.
pub fn softmax_backward(rows: usize, classes: usize, y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_softmax_backward(rows, classes, y, dy, dx)?;
    if dx.is_empty() {
        return Ok(());
    }
    par::for_each_out_chunk(dx, classes, row_chunk(rows, classes), |r0, dx| {
        for (i, dx_row) in dx.chunks_mut(classes).enumerate() {
            let o = (r0 + i) * classes;
            let (y_row, dy_row) = (&y[o..][..classes], &dy[o..][..classes]);
            let mut vdot = F32x4::zero();
            let mut j = 0;
            while j + 4 <= classes {
                // SAFETY: j + 4 <= classes = row length.
                unsafe { vdot = vdot.mul_add(F32x4::load(y_row.as_ptr().add(j)), F32x4::load(dy_row.as_ptr().add(j))) };
                j += 4;
            }
            let a = vdot.to_array();
            let mut dot = (a[0] + a[1]) + (a[2] + a[3]);
            for t in j..classes {
                dot += y_row[t] * dy_row[t];
            }
            let vdot = F32x4::splat(dot);
            let mut j = 0;
            while j + 4 <= classes {
                // SAFETY: as above.
                unsafe {
                    let vy = F32x4::load(y_row.as_ptr().add(j));
                    vy.mul(F32x4::load(dy_row.as_ptr().add(j)).sub(vdot)).store(dx_row.as_mut_ptr().add(j));
                }
                j += 4;
            }
            for t in j..classes {
                dx_row[t] = y_row[t] * (dy_row[t] - dot);
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`softmax_backward`].
pub fn softmax_backward_ref(rows: usize, classes: usize, y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_softmax_backward(rows, classes, y, dy, dx)?;
    for r in 0..rows {
        let o = r * classes;
        let mut dot = 0.0f32;
        for j in 0..classes {
            dot += y[o + j] * dy[o + j];
        }
        for j in 0..classes {
            dx[o + j] = y[o + j] * (dy[o + j] - dot);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Fused softmax + sparse categorical cross-entropy, from logits.

fn check_sparse_xent(op: &'static str, rows: usize, classes: usize, z: &[f32], labels: &[f32], out: &[f32]) -> Result<()> {
    check_rows(op, rows, classes)?;
    check_len(op, "logits", z.len(), numel(op, "logits", &[rows, classes])?)?;
    check_len(op, "probs", out.len(), numel(op, "probs", &[rows, classes])?)?;
    check_labels(op, labels, rows, classes)
}

/// Mean over the batch of `-ln softmax(logits)[label]`; writes the softmax
/// to `probs` (for the backward pass and for metrics).
pub fn sparse_softmax_cross_entropy(rows: usize, classes: usize, logits: &[f32], labels: &[f32], probs: &mut [f32]) -> Result<f32> {
    check_sparse_xent("sparseSoftmaxCrossEntropy", rows, classes, logits, labels, probs)?;
    let mut total = [0.0f32];
    par::for_each_out_chunk_reduce(probs, classes, row_chunk(rows, classes), &mut total, |r0, probs, acc| {
        for (i, p_row) in probs.chunks_mut(classes).enumerate() {
            let r = r0 + i;
            let z = &logits[r * classes..][..classes];
            let (m, sum) = f32_softmax_row__simd128(z, p_row);
            acc[0] += sum.ln() - (z[labels[r] as usize] - m);
        }
    });
    Ok(total[0] / rows as f32)
}

/// Scalar reference of [`sparse_softmax_cross_entropy`].
pub fn sparse_softmax_cross_entropy_ref(rows: usize, classes: usize, logits: &[f32], labels: &[f32], probs: &mut [f32]) -> Result<f32> {
    check_sparse_xent("sparseSoftmaxCrossEntropy", rows, classes, logits, labels, probs)?;
    let mut total = 0.0f32;
    for r in 0..rows {
        let z = &logits[r * classes..][..classes];
        let (m, sum) = softmax_row_ref(z, &mut probs[r * classes..][..classes]);
        total += sum.ln() - (z[labels[r] as usize] - m);
    }
    Ok(total / rows as f32)
}

fn check_sparse_xent_backward(op: &'static str, rows: usize, classes: usize, probs: &[f32], labels: &[f32], d: &[f32]) -> Result<()> {
    check_rows(op, rows, classes)?;
    check_len(op, "probs", probs.len(), numel(op, "probs", &[rows, classes])?)?;
    check_len(op, "dlogits", d.len(), numel(op, "dlogits", &[rows, classes])?)?;
    check_labels(op, labels, rows, classes)
}

/// Gradient of [`sparse_softmax_cross_entropy`] with respect to the logits,
/// from the `probs` it wrote: `(probs - onehot(label)) / rows`.
pub fn sparse_softmax_cross_entropy_backward(rows: usize, classes: usize, probs: &[f32], labels: &[f32], dlogits: &mut [f32]) -> Result<()> {
    check_sparse_xent_backward("sparseSoftmaxCrossEntropyBackward", rows, classes, probs, labels, dlogits)?;
    let inv_n = 1.0 / rows as f32;
    par::for_each_out_chunk(dlogits, classes, row_chunk(rows, classes), |r0, d| {
        for (i, d_row) in d.chunks_mut(classes).enumerate() {
            let r = r0 + i;
            d_row.copy_from_slice(&probs[r * classes..][..classes]);
            f32_vscale_inplace__simd128(d_row, inv_n);
            let l = labels[r] as usize;
            d_row[l] = (probs[r * classes + l] - 1.0) * inv_n;
        }
    });
    Ok(())
}

/// Scalar reference of [`sparse_softmax_cross_entropy_backward`].
pub fn sparse_softmax_cross_entropy_backward_ref(rows: usize, classes: usize, probs: &[f32], labels: &[f32], dlogits: &mut [f32]) -> Result<()> {
    check_sparse_xent_backward("sparseSoftmaxCrossEntropyBackward", rows, classes, probs, labels, dlogits)?;
    let inv_n = 1.0 / rows as f32;
    for r in 0..rows {
        for j in 0..classes {
            let onehot = if j == labels[r] as usize { 1.0 } else { 0.0 };
            dlogits[r * classes + j] = (probs[r * classes + j] - onehot) * inv_n;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Categorical cross-entropy on probabilities (one-hot or soft targets).

fn check_cce(op: &'static str, rows: usize, classes: usize, probs: &[f32], targets: &[f32]) -> Result<()> {
    check_rows(op, rows, classes)?;
    check_len(op, "probs", probs.len(), numel(op, "probs", &[rows, classes])?)?;
    check_len(op, "targets", targets.len(), numel(op, "targets", &[rows, classes])?)
}

/// Keras `categorical_crossentropy(targets, probs)` averaged over the batch:
/// each row is renormalised to sum 1, clipped to `[1e-7, 1 - 1e-7]`, and
/// `-sum(t * ln q)` taken.
pub fn categorical_cross_entropy(rows: usize, classes: usize, probs: &[f32], targets: &[f32]) -> Result<f32> {
    check_cce("categoricalCrossEntropy", rows, classes, probs, targets)?;
    let mut total = [0.0f32];
    par::reduce_chunks(rows, row_chunk(rows, classes), &mut total, |rs, acc| {
        for r in rs {
            let p = &probs[r * classes..][..classes];
            let t = &targets[r * classes..][..classes];
            let s = f32_rsum__simd128(p);
            let mut loss = 0.0f32;
            for j in 0..classes {
                loss -= t[j] * clip(p[j] / s).ln();
            }
            acc[0] += loss;
        }
    });
    Ok(total[0] / rows as f32)
}

/// Scalar reference of [`categorical_cross_entropy`].
pub fn categorical_cross_entropy_ref(rows: usize, classes: usize, probs: &[f32], targets: &[f32]) -> Result<f32> {
    check_cce("categoricalCrossEntropy", rows, classes, probs, targets)?;
    let mut total = 0.0f32;
    for r in 0..rows {
        let p = &probs[r * classes..][..classes];
        let s: f32 = p.iter().sum();
        let mut loss = 0.0f32;
        for j in 0..classes {
            loss -= targets[r * classes + j] * clip(p[j] / s).ln();
        }
        total += loss;
    }
    Ok(total / rows as f32)
}

/// Gradient of [`categorical_cross_entropy`] with respect to `probs`. With
/// `q^ = p / s` and `g_j = -t_j / q^_j` where the clip passes (else 0):
/// `dp_k = (g_k - sum_j g_j q^_j) / s / rows` (the renormalisation's
/// Jacobian is `(I - q^ 1^T) / s`).
pub fn categorical_cross_entropy_backward(rows: usize, classes: usize, probs: &[f32], targets: &[f32], dprobs: &mut [f32]) -> Result<()> {
    const OP: &str = "categoricalCrossEntropyBackward";
    check_cce(OP, rows, classes, probs, targets)?;
    check_len(OP, "dprobs", dprobs.len(), numel(OP, "dprobs", &[rows, classes])?)?;
    let inv_n = 1.0 / rows as f32;
    par::for_each_out_chunk(dprobs, classes, row_chunk(rows, classes), |r0, d| {
        for (i, d_row) in d.chunks_mut(classes).enumerate() {
            let r = r0 + i;
            let p = &probs[r * classes..][..classes];
            let t = &targets[r * classes..][..classes];
            let s = f32_rsum__simd128(p);
            let mut dot = 0.0f32;
            for j in 0..classes {
                let q = p[j] / s;
                d_row[j] = if clip_passes(q) { -t[j] / q } else { 0.0 };
                dot += d_row[j] * q;
            }
            // d = (g - dot) * (inv_n / s), four lanes at a time.
            let (vdot, vk) = (F32x4::splat(dot), F32x4::splat(inv_n / s));
            let mut j = 0;
            while j + 4 <= classes {
                // SAFETY: j + 4 <= classes = row length.
                unsafe {
                    let pd = d_row.as_mut_ptr().add(j);
                    F32x4::load(pd).sub(vdot).mul(vk).store(pd);
                }
                j += 4;
            }
            for v in &mut d_row[j..] {
                *v = (*v - dot) * (inv_n / s);
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`categorical_cross_entropy_backward`].
pub fn categorical_cross_entropy_backward_ref(rows: usize, classes: usize, probs: &[f32], targets: &[f32], dprobs: &mut [f32]) -> Result<()> {
    const OP: &str = "categoricalCrossEntropyBackward";
    check_cce(OP, rows, classes, probs, targets)?;
    check_len(OP, "dprobs", dprobs.len(), numel(OP, "dprobs", &[rows, classes])?)?;
    let inv_n = 1.0 / rows as f32;
    for r in 0..rows {
        let p = &probs[r * classes..][..classes];
        let s: f32 = p.iter().sum();
        let g = |j: usize| {
            let q = p[j] / s;
            if clip_passes(q) {
                -targets[r * classes + j] / q
            } else {
                0.0
            }
        };
        let dot: f32 = (0..classes).map(|j| g(j) * (p[j] / s)).sum();
        for k in 0..classes {
            dprobs[r * classes + k] = (g(k) - dot) * (inv_n / s);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Sparse categorical cross-entropy on probabilities.

fn check_scce(op: &'static str, rows: usize, classes: usize, probs: &[f32], labels: &[f32]) -> Result<()> {
    check_rows(op, rows, classes)?;
    check_len(op, "probs", probs.len(), numel(op, "probs", &[rows, classes])?)?;
    check_labels(op, labels, rows, classes)
}

/// Sum of the clipped probabilities of one row.
fn f32_clipped_sum__simd128(p: &[f32]) -> f32 {
    let (vlo, vhi) = (F32x4::splat(EPSILON), F32x4::splat(ONE_MINUS_EPSILON));
    let mut vacc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= p.len() {
        // SAFETY: i + 4 <= len. `max` then `min` is `clip` for non-NaN lanes.
        vacc = vacc.add(unsafe { F32x4::load(p.as_ptr().add(i)) }.max(vlo).min(vhi));
        i += 4;
    }
    let a = vacc.to_array();
    let mut s = (a[0] + a[1]) + (a[2] + a[3]);
    for &v in &p[i..] {
        s += clip(v);
    }
    s
}

/// Keras `sparse_categorical_crossentropy(labels, probs)` (TF backend)
/// averaged over the batch: `ln(sum_j c_j) - ln(c_label)` with
/// `c = clip(p, 1e-7, 1 - 1e-7)`; `-ln p[label]` when the row sums to 1 and
/// nothing is clipped.
pub fn sparse_categorical_cross_entropy(rows: usize, classes: usize, probs: &[f32], labels: &[f32]) -> Result<f32> {
    check_scce("sparseCategoricalCrossEntropy", rows, classes, probs, labels)?;
    let mut total = [0.0f32];
    par::reduce_chunks(rows, row_chunk(rows, classes), &mut total, |rs, acc| {
        for r in rs {
            let p = &probs[r * classes..][..classes];
            acc[0] += f32_clipped_sum__simd128(p).ln() - clip(p[labels[r] as usize]).ln();
        }
    });
    Ok(total[0] / rows as f32)
}

/// Scalar reference of [`sparse_categorical_cross_entropy`].
pub fn sparse_categorical_cross_entropy_ref(rows: usize, classes: usize, probs: &[f32], labels: &[f32]) -> Result<f32> {
    check_scce("sparseCategoricalCrossEntropy", rows, classes, probs, labels)?;
    let mut total = 0.0f32;
    for r in 0..rows {
        let p = &probs[r * classes..][..classes];
        let s: f32 = p.iter().map(|&v| clip(v)).sum();
        total += s.ln() - clip(p[labels[r] as usize]).ln();
    }
    Ok(total / rows as f32)
}

/// Gradient of [`sparse_categorical_cross_entropy`] with respect to
/// `probs`: `(1 / sum(c) - onehot / c_label) / rows` where the clip passes,
/// zero where it clipped.
pub fn sparse_categorical_cross_entropy_backward(rows: usize, classes: usize, probs: &[f32], labels: &[f32], dprobs: &mut [f32]) -> Result<()> {
    const OP: &str = "sparseCategoricalCrossEntropyBackward";
    check_scce(OP, rows, classes, probs, labels)?;
    check_len(OP, "dprobs", dprobs.len(), numel(OP, "dprobs", &[rows, classes])?)?;
    let inv_n = 1.0 / rows as f32;
    par::for_each_out_chunk(dprobs, classes, row_chunk(rows, classes), |r0, d| {
        for (i, d_row) in d.chunks_mut(classes).enumerate() {
            let r = r0 + i;
            let p = &probs[r * classes..][..classes];
            let inv_s = 1.0 / f32_clipped_sum__simd128(p);
            let g = inv_s * inv_n;
            for (o, &v) in d_row.iter_mut().zip(p) {
                *o = if clip_passes(v) { g } else { 0.0 };
            }
            let l = labels[r] as usize;
            if clip_passes(p[l]) {
                d_row[l] = (inv_s - 1.0 / p[l]) * inv_n;
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`sparse_categorical_cross_entropy_backward`].
pub fn sparse_categorical_cross_entropy_backward_ref(rows: usize, classes: usize, probs: &[f32], labels: &[f32], dprobs: &mut [f32]) -> Result<()> {
    const OP: &str = "sparseCategoricalCrossEntropyBackward";
    check_scce(OP, rows, classes, probs, labels)?;
    check_len(OP, "dprobs", dprobs.len(), numel(OP, "dprobs", &[rows, classes])?)?;
    let inv_n = 1.0 / rows as f32;
    for r in 0..rows {
        let p = &probs[r * classes..][..classes];
        let s: f32 = p.iter().map(|&v| clip(v)).sum();
        for j in 0..classes {
            let onehot = if j == labels[r] as usize { 1.0 / p[j] } else { 0.0 };
            dprobs[r * classes + j] = if clip_passes(p[j]) { (1.0 / s - onehot) * inv_n } else { 0.0 };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
