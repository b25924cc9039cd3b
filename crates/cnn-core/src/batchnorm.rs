#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Batch normalisation over NHWC (Ioffe & Szegedy 2015,
//! arXiv:1502.03167), statistics per channel over `rows = n * h * w` (any
//! rank works: the channels are the last axis).
//!
//! Shapes: `x`, `y`, `dy`, `dx` are `[rows, c]`; `gamma`, `beta`, `mean`,
//! `var`, `moving_mean`, `moving_var`, `dgamma`, `dbeta` are `[c]`.
//!
//! Keras semantics (`keras/src/layers/normalization/batch_normalization.py`,
//! Keras 3): in training the layer normalises with the batch moments of
//! `ops.moments` (= `tf.nn.moments`: the mean, and the BIASED variance
//! `mean((x - mean)^2)`), and updates
//! `moving = moving * momentum + batch * (1 - momentum)` with that same
//! biased variance; inference uses the moving statistics. Defaults
//! `momentum = 0.99`, `epsilon = 1e-3`. TF.js layers does the same.
//! (Keras 2's fused TF kernel differed: it moved the variance with Bessel's
//! correction `n / (n - 1)`.)
//!
//! The output follows `tf.nn.batch_normalization`:
//! `a = gamma / sqrt(var + eps)`, `y = x * a + (beta - mean * a)`.
//!
//! Reductions (batch moments, `dgamma`, `dbeta`) go through
//! [`par::reduce_chunks`], so 1 and N threads give the same bits; the SIMD
//! versions associate sums per chunk and match the scalar twins to rounding.

use crate::error::{check_len, numel, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Floats per task below which splitting costs more than it saves.
const MIN_TASK_WORK: usize = 1 << 14;
/// Channels whose per-channel coefficients are kept on the stack at once.
const CB: usize = 64;

/// Shape and hyper-parameters. `momentum` and `epsilon` are doubles, as in
/// Keras and JS, and are rounded to f32 the way Keras does (`1 - momentum`
/// is formed in double first).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormParams {
    /// `n * h * w`: the samples each channel's statistics are taken over.
    pub rows: usize,
    pub channels: usize,
    /// Weight of the old moving statistics (Keras default 0.99).
    pub momentum: f64,
    /// Added to the variance before the square root (Keras default 1e-3).
    pub epsilon: f64,
}

impl BatchNormParams {
    /// Keras defaults: `momentum = 0.99`, `epsilon = 1e-3`.
    pub fn new(rows: usize, channels: usize) -> Self {
        BatchNormParams { rows, channels, momentum: 0.99, epsilon: 1e-3 }
    }

    fn check(&self, op: &'static str, rows_bufs: &[(&str, usize)], chan_bufs: &[(&str, usize)]) -> Result<()> {
        if self.channels == 0 {
            return Err(CoreError::new(op, "channel count must be at least 1, got 0"));
        }
        let valid = self.epsilon > 0.0 && (0.0..=1.0).contains(&self.momentum);
        if !valid {
            return Err(CoreError::new(op, format!("epsilon must be > 0 and momentum in [0, 1], got epsilon {} and momentum {}", self.epsilon, self.momentum)));
        }
        for (what, len) in rows_bufs {
            check_len(op, what, *len, numel(op, what, &[self.rows, self.channels])?)?;
        }
        for (what, len) in chan_bufs {
            check_len(op, what, *len, self.channels)?;
        }
        Ok(())
    }

    fn row_chunk(&self) -> usize {
        par::chunk_size(self.rows, MIN_TASK_WORK / self.channels)
    }
}

/// `dst[j] = f(dst[j], src[j])` four lanes at a time (`vf`), then the tail (`sf`).
#[inline(always)]
fn zip_inplace(dst: &mut [f32], src: &[f32], vf: impl Fn(F32x4, F32x4) -> F32x4, sf: impl Fn(f32, f32) -> f32) {
    let n = dst.len();
    assert!(src.len() >= n);
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n <= src.len().
        unsafe {
            let pd = dst.as_mut_ptr().add(i);
            vf(F32x4::load(pd), F32x4::load(src.as_ptr().add(i))).store(pd);
        }
        i += 4;
    }
    for i in i..n {
        dst[i] = sf(dst[i], src[i]);
    }
}

/// `v /= d` (a division, as TF's `reduce_mean`).
#[inline(always)]
fn div_inplace(v: &mut [f32], d: f32) {
    let vd = F32x4::splat(d);
    let mut i = 0;
    while i + 4 <= v.len() {
        // SAFETY: i + 4 <= len.
        unsafe {
            let pv = v.as_mut_ptr().add(i);
            F32x4::load(pv).div(vd).store(pv);
        }
        i += 4;
    }
    for x in &mut v[i..] {
        *x /= d;
    }
}

/// Batch mean and biased variance per channel (two passes, as
/// `tf.nn.moments`: the variance is the mean of `(x - mean)^2`).
fn f32_moments__simd128(p: &BatchNormParams, x: &[f32], mean: &mut [f32], var: &mut [f32]) {
    let c = p.channels;
    let count = p.rows as f32;
    par::reduce_chunks(p.rows, p.row_chunk(), mean, |rs, acc| {
        for r in rs {
            zip_inplace(acc, &x[r * c..][..c], |va, vx| va.add(vx), |a, v| a + v);
        }
    });
    div_inplace(mean, count);
    let mean = &*mean;
    par::reduce_chunks(p.rows, p.row_chunk(), var, |rs, acc| {
        for r in rs {
            let x_row = &x[r * c..][..c];
            let mut j = 0;
            while j + 4 <= c {
                // SAFETY: j + 4 <= c for every buffer here.
                unsafe {
                    let vd = F32x4::load(x_row.as_ptr().add(j)).sub(F32x4::load(mean.as_ptr().add(j)));
                    let pa = acc.as_mut_ptr().add(j);
                    F32x4::load(pa).mul_add(vd, vd).store(pa);
                }
                j += 4;
            }
            for j in j..c {
                let d = x_row[j] - mean[j];
                acc[j] += d * d;
            }
        }
    });
    div_inplace(var, count);
}

/// `y = x * a + b` with `a = gamma / sqrt(var + eps)`, `b = beta - mean * a`,
/// the coefficients computed for `CB` channels at a time on the stack.
fn f32_normalize__simd128(p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], mean: &[f32], var: &[f32], y: &mut [f32]) {
    let c = p.channels;
    let eps = p.epsilon as f32;
    if y.is_empty() {
        return;
    }
    par::for_each_out_chunk(y, c, p.row_chunk(), |r0, y| {
        for j0 in (0..c).step_by(CB) {
            let nb = CB.min(c - j0);
            let (mut a, mut b) = ([0.0f32; CB], [0.0f32; CB]);
            for j in 0..nb {
                a[j] = gamma[j0 + j] * (1.0 / (var[j0 + j] + eps).sqrt());
                b[j] = beta[j0 + j] - mean[j0 + j] * a[j];
            }
            for (i, y_row) in y.chunks_mut(c).enumerate() {
                let x_blk = &x[(r0 + i) * c + j0..][..nb];
                let y_blk = &mut y_row[j0..j0 + nb];
                let mut j = 0;
                while j + 4 <= nb {
                    // SAFETY: j + 4 <= nb for every block here.
                    unsafe {
                        let vx = F32x4::load(x_blk.as_ptr().add(j));
                        F32x4::load(b.as_ptr().add(j)).mul_add(vx, F32x4::load(a.as_ptr().add(j))).store(y_blk.as_mut_ptr().add(j));
                    }
                    j += 4;
                }
                for j in j..nb {
                    y_blk[j] = x_blk[j] * a[j] + b[j];
                }
            }
        }
    });
}

/// Scalar twin of the normalisation.
fn normalize_ref(p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], mean: &[f32], var: &[f32], y: &mut [f32]) {
    let c = p.channels;
    for r in 0..p.rows {
        for j in 0..c {
            let a = gamma[j] * (1.0 / (var[j] + p.epsilon as f32).sqrt());
            y[r * c + j] = x[r * c + j] * a + (beta[j] - mean[j] * a);
        }
    }
}

/// `moving = moving * momentum + batch * (1 - momentum)`.
fn update_moving(p: &BatchNormParams, moving: &mut [f32], batch: &[f32]) {
    let (m, k) = (p.momentum as f32, (1.0 - p.momentum) as f32);
    let (vm, vk) = (F32x4::splat(m), F32x4::splat(k));
    zip_inplace(moving, batch, |vmov, vb| vmov.mul(vm).add(vb.mul(vk)), |mov, b| mov * m + b * k);
}

#[allow(clippy::too_many_arguments)]
fn check_train(
    op: &'static str,
    p: &BatchNormParams,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    mm: &[f32],
    mv: &[f32],
    y: &[f32],
    mean: &[f32],
    var: &[f32],
) -> Result<()> {
    p.check(
        op,
        &[("x", x.len()), ("y", y.len())],
        &[("gamma", gamma.len()), ("beta", beta.len()), ("movingMean", mm.len()), ("movingVariance", mv.len()), ("mean", mean.len()), ("variance", var.len())],
    )?;
    if p.rows == 0 {
        return Err(CoreError::new(op, "training needs at least one sample per channel, got 0 rows"));
    }
    Ok(())
}

/// Training-mode forward: writes the batch `mean` and biased `var`,
/// normalises `x` with them into `y`, and moves `moving_mean` /
/// `moving_var` towards them (Keras momentum rule).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_train(
    p: &BatchNormParams,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    moving_mean: &mut [f32],
    moving_var: &mut [f32],
    y: &mut [f32],
    mean: &mut [f32],
    var: &mut [f32],
) -> Result<()> {
    check_train("batchNormTrain", p, x, gamma, beta, moving_mean, moving_var, y, mean, var)?;
    f32_moments__simd128(p, x, mean, var);
    f32_normalize__simd128(p, x, gamma, beta, mean, var, y);
    update_moving(p, moving_mean, mean);
    update_moving(p, moving_var, var);
    Ok(())
}

/// Scalar reference of [`batch_norm_train`].
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_train_ref(
    p: &BatchNormParams,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    moving_mean: &mut [f32],
    moving_var: &mut [f32],
    y: &mut [f32],
    mean: &mut [f32],
    var: &mut [f32],
) -> Result<()> {
    check_train("batchNormTrain", p, x, gamma, beta, moving_mean, moving_var, y, mean, var)?;
    let c = p.channels;
    for j in 0..c {
        let mut s = 0.0f32;
        for r in 0..p.rows {
            s += x[r * c + j];
        }
        mean[j] = s / p.rows as f32;
        let mut s2 = 0.0f32;
        for r in 0..p.rows {
            let d = x[r * c + j] - mean[j];
            s2 += d * d;
        }
        var[j] = s2 / p.rows as f32;
    }
    normalize_ref(p, x, gamma, beta, mean, var, y);
    let (m, k) = (p.momentum as f32, (1.0 - p.momentum) as f32);
    for j in 0..c {
        moving_mean[j] = moving_mean[j] * m + mean[j] * k;
        moving_var[j] = moving_var[j] * m + var[j] * k;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_inference(op: &'static str, p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], mm: &[f32], mv: &[f32], y: &[f32]) -> Result<()> {
    p.check(op, &[("x", x.len()), ("y", y.len())], &[("gamma", gamma.len()), ("beta", beta.len()), ("movingMean", mm.len()), ("movingVariance", mv.len())])
}

/// Inference-mode forward: normalises with the moving statistics.
pub fn batch_norm_inference(p: &BatchNormParams, x: &[f32], gamma: &[f32], beta: &[f32], moving_mean: &[f32], moving_var: &[f32], y: &mut [f32]) -> Result<()> {
    check_inference("batchNormInference", p, x, gamma, beta, moving_mean, moving_var, y)?;
    f32_normalize__simd128(p, x, gamma, beta, moving_mean, moving_var, y);
    Ok(())
}

/// Scalar reference of [`batch_norm_inference`].
pub fn batch_norm_inference_ref(
    p: &BatchNormParams,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    moving_mean: &[f32],
    moving_var: &[f32],
    y: &mut [f32],
) -> Result<()> {
    check_inference("batchNormInference", p, x, gamma, beta, moving_mean, moving_var, y)?;
    normalize_ref(p, x, gamma, beta, moving_mean, moving_var, y);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_backward(
    op: &'static str,
    p: &BatchNormParams,
    x: &[f32],
    dy: &[f32],
    gamma: &[f32],
    mean: &[f32],
    var: &[f32],
    dx: &[f32],
    dgamma: &[f32],
    dbeta: &[f32],
) -> Result<()> {
    p.check(
        op,
        &[("x", x.len()), ("dy", dy.len()), ("dx", dx.len())],
        &[("gamma", gamma.len()), ("mean", mean.len()), ("variance", var.len()), ("dgamma", dgamma.len()), ("dbeta", dbeta.len())],
    )?;
    if p.rows == 0 {
        return Err(CoreError::new(op, "training needs at least one sample per channel, got 0 rows"));
    }
    Ok(())
}

/// Training-mode backward, given the batch `mean` and `var` the forward
/// pass wrote. Overwrites `dx`, `dgamma = sum(dy * xhat)` and
/// `dbeta = sum(dy)`, where `xhat = (x - mean) / sqrt(var + eps)`:
/// `dx = gamma / sqrt(var + eps) * (dy - dbeta / m - xhat * dgamma / m)`,
/// `m = rows` (the gradient flows through the batch mean and variance too).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    p: &BatchNormParams,
    x: &[f32],
    dy: &[f32],
    gamma: &[f32],
    mean: &[f32],
    var: &[f32],
    dx: &mut [f32],
    dgamma: &mut [f32],
    dbeta: &mut [f32],
) -> Result<()> {
    check_backward("batchNormBackward", p, x, dy, gamma, mean, var, dx, dgamma, dbeta)?;
    let c = p.channels;
    let eps = p.epsilon as f32;
    par::reduce_chunks(p.rows, p.row_chunk(), dbeta, |rs, acc| {
        for r in rs {
            zip_inplace(acc, &dy[r * c..][..c], |va, v| va.add(v), |a, v| a + v);
        }
    });
    // dgamma = inv_std * sum(dy * (x - mean)): one multiply per channel
    // instead of one per element.
    par::reduce_chunks(p.rows, p.row_chunk(), dgamma, |rs, acc| {
        for r in rs {
            let (x_row, dy_row) = (&x[r * c..][..c], &dy[r * c..][..c]);
            let mut j = 0;
            while j + 4 <= c {
                // SAFETY: j + 4 <= c for every buffer here.
                unsafe {
                    let vd = F32x4::load(x_row.as_ptr().add(j)).sub(F32x4::load(mean.as_ptr().add(j)));
                    let pa = acc.as_mut_ptr().add(j);
                    F32x4::load(pa).mul_add(F32x4::load(dy_row.as_ptr().add(j)), vd).store(pa);
                }
                j += 4;
            }
            for j in j..c {
                acc[j] += dy_row[j] * (x_row[j] - mean[j]);
            }
        }
    });
    for j in 0..c {
        dgamma[j] *= 1.0 / (var[j] + eps).sqrt();
    }
    let (dgamma, dbeta) = (&*dgamma, &*dbeta);
    let m = p.rows as f32;
    // dx = k1 * ((dy - k2) - (x - mean) * k3), k1 = gamma * inv_std,
    // k2 = dbeta / m, k3 = inv_std * dgamma / m.
    par::for_each_out_chunk(dx, c, p.row_chunk(), |r0, dx| {
        for j0 in (0..c).step_by(CB) {
            let nb = CB.min(c - j0);
            let (mut k1, mut k2, mut k3) = ([0.0f32; CB], [0.0f32; CB], [0.0f32; CB]);
            for j in 0..nb {
                let inv_std = 1.0 / (var[j0 + j] + eps).sqrt();
                k1[j] = gamma[j0 + j] * inv_std;
                k2[j] = dbeta[j0 + j] / m;
                k3[j] = inv_std * dgamma[j0 + j] / m;
            }
            for (i, dx_row) in dx.chunks_mut(c).enumerate() {
                let o = (r0 + i) * c + j0;
                let (x_blk, dy_blk, mean_blk) = (&x[o..][..nb], &dy[o..][..nb], &mean[j0..][..nb]);
                let dx_blk = &mut dx_row[j0..j0 + nb];
                let mut j = 0;
                while j + 4 <= nb {
                    // SAFETY: j + 4 <= nb for every block here.
                    unsafe {
                        let ld = |s: &[f32]| F32x4::load(s.as_ptr().add(j));
                        let vxc = ld(x_blk).sub(ld(mean_blk));
                        let v = ld(dy_blk).sub(ld(&k2)).sub(vxc.mul(ld(&k3)));
                        v.mul(ld(&k1)).store(dx_blk.as_mut_ptr().add(j));
                    }
                    j += 4;
                }
                for j in j..nb {
                    dx_blk[j] = ((dy_blk[j] - k2[j]) - (x_blk[j] - mean_blk[j]) * k3[j]) * k1[j];
                }
            }
        }
    });
    Ok(())
}

/// Scalar reference of [`batch_norm_backward`], the textbook form
/// `dx = gamma * inv_std / m * (m * dy - dbeta - xhat * dgamma)`.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_ref(
    p: &BatchNormParams,
    x: &[f32],
    dy: &[f32],
    gamma: &[f32],
    mean: &[f32],
    var: &[f32],
    dx: &mut [f32],
    dgamma: &mut [f32],
    dbeta: &mut [f32],
) -> Result<()> {
    check_backward("batchNormBackward", p, x, dy, gamma, mean, var, dx, dgamma, dbeta)?;
    let c = p.channels;
    let m = p.rows as f32;
    for j in 0..c {
        let inv_std = 1.0 / (var[j] + p.epsilon as f32).sqrt();
        let xhat = |r: usize| (x[r * c + j] - mean[j]) * inv_std;
        let (mut sb, mut sg) = (0.0f32, 0.0f32);
        for r in 0..p.rows {
            sb += dy[r * c + j];
            sg += dy[r * c + j] * xhat(r);
        }
        dbeta[j] = sb;
        dgamma[j] = sg;
        for r in 0..p.rows {
            dx[r * c + j] = gamma[j] * inv_std / m * (m * dy[r * c + j] - sb - xhat(r) * sg);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
