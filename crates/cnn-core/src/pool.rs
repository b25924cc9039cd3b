#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Max and average 2-D pooling over NHWC, forward and backward (global
//! pooling is in [`crate::global_pool`]).
//!
//! Shapes: `x [n, h, w, c]` to `y [n, out_h, out_w, c]` with the geometry of
//! [`Pool2d`] (the one place that resolves VALID / SAME / explicit padding).
//! Backward functions take the same arguments as their forward twin, with
//! `dy` in place of `y`, and overwrite `dx`.
//!
//! TensorFlow semantics (the product contract: results match TensorFlow's):
//! - padded cells never take part: a max is over the real cells of the
//!   window, and an average divides by the number of real cells (TF's
//!   `AvgPool` with SAME padding, and TF.js, do the same);
//! - max-pool backward routes each output gradient to the first maximal input
//!   in row-major window order (a strict `>` scan, as TF's CPU `MaxPoolGrad`
//!   and TF.js's `maxPoolBackprop`), adding up where windows overlap.
//!
//! Vectorised over channels, which are contiguous in NHWC: four channels per
//! [`F32x4`], a scalar tail for `c % 4`. The SIMD kernels and their scalar
//! twins do the same operations in the same order, so they agree bit for bit
//! (the tests check that).
//!
//! Threads: the forward passes split the output rows; the backward passes
//! split the rows of `dx`, and each task replays every window that touches
//! its band, so overlapping windows need no atomics and every `dx` element
//! receives its contributions in the same (row-major output) order whatever
//! the thread count.

use crate::error::{check_len, CoreError, Result};
use crate::par;
use crate::shape::{Axis, Pool2d};
use crate::simd::F32x4;

/// Window tap indices travel through `F32x4` lanes as f32, exact below
/// 2^24; beyond that the SIMD backward hands over to the scalar twin.
const F32_EXACT: usize = 1 << 24;

/// Rough floats touched per parallel task below which splitting costs more
/// than it saves.
const MIN_TASK_WORK: usize = 1 << 14;

// ---------------------------------------------------------------------------
// Geometry and validation.

/// Real (non-padded) input range `[lo, hi)` read by output `o` on one axis.
#[inline(always)]
fn window(a: &Axis, o: usize) -> (usize, usize) {
    let start = a.input_index(o, 0);
    let end = start + a.kernel as isize;
    (start.max(0) as usize, end.min(a.input as isize).max(0) as usize)
}

/// Outputs `[lo, hi)` on one axis whose windows touch inputs `[i0, i1)`.
fn outputs_touching(a: &Axis, i0: usize, i1: usize) -> (usize, usize) {
    let s = a.stride as isize;
    // Window o covers [o*s - pad, o*s - pad + k - 1].
    let first = i0 as isize + a.pad_before as isize - a.kernel as isize + 1;
    let lo = if first <= 0 { 0 } else { ((first + s - 1) / s) as usize };
    let hi = ((i1 as isize - 1 + a.pad_before as isize) / s + 1) as usize;
    (lo.min(a.output), hi.min(a.output))
}

/// Every window must hold at least one real cell, or its max and average
/// are undefined. VALID and SAME geometry always satisfy this; explicit
/// padding does when each pad is smaller than the pool size.
fn check_geometry(op: &'static str, p: &Pool2d) -> Result<()> {
    for (name, a) in [("height", &p.y), ("width", &p.x)] {
        if a.input == 0 {
            return Err(CoreError::new(op, format!("{name}: input size must be at least 1, got 0")));
        }
        if a.pad_before >= a.kernel || a.pad_after >= a.kernel {
            return Err(CoreError::new(
                op,
                format!(
                    "{name}: padding ({}, {}) must be smaller than the pool size {} so every window holds a real cell",
                    a.pad_before, a.pad_after, a.kernel
                ),
            ));
        }
    }
    Ok(())
}

fn check_forward(op: &'static str, p: &Pool2d, x: &[f32], y: &[f32]) -> Result<()> {
    check_geometry(op, p)?;
    check_len(op, "x", x.len(), p.input_len())?;
    check_len(op, "y", y.len(), p.output_len())
}

// ---------------------------------------------------------------------------
// Drivers: who runs which rows.

/// Calls `row(b, oy, y_row)` for every output row, in parallel.
fn forward_rows(p: &Pool2d, y: &mut [f32], row: impl Fn(usize, usize, &mut [f32]) + Sync + Send) {
    let row_len = p.x.output * p.c;
    let rows = p.n * p.y.output;
    if rows == 0 || row_len == 0 {
        return;
    }
    let per_row = row_len * p.y.kernel * p.x.kernel;
    let chunk = par::chunk_size(rows, MIN_TASK_WORK / per_row.max(1));
    par::for_each_out_chunk(y, row_len, chunk, |first, piece| {
        for (i, y_row) in piece.chunks_mut(row_len).enumerate() {
            let r = first + i;
            row(r / p.y.output, r % p.y.output, y_row);
        }
    });
}

/// Zeroes `dx` (unless `writes_all`: the band kernel stores every element
/// of its band) and calls `band(b, iy0, iy1, rows)` on bands of input rows
/// `iy0..iy1` of image `b` (`rows` is that part of `dx`), in parallel.
fn backward_bands(p: &Pool2d, dx: &mut [f32], writes_all: bool, band: impl Fn(usize, usize, usize, &mut [f32]) + Sync + Send) {
    let (h, row_len) = (p.y.input, p.x.input * p.c);
    let rows = p.n * h;
    if rows == 0 || row_len == 0 {
        return;
    }
    let chunk = par::chunk_size(rows, MIN_TASK_WORK / (row_len * p.y.kernel).max(1));
    par::for_each_out_chunk(dx, row_len, chunk, |first, piece| {
        if !writes_all {
            piece.fill(0.0);
        }
        let end = first + piece.len() / row_len;
        let mut r = first;
        while r < end {
            let (b, iy0) = (r / h, r % h);
            let iy1 = h.min(iy0 + (end - r));
            let off = (r - first) * row_len;
            band(b, iy0, iy1, &mut piece[off..off + (iy1 - iy0) * row_len]);
            r += iy1 - iy0;
        }
    });
}

// ---------------------------------------------------------------------------
// Max pooling.

/// `y = maxPool(x)`: the largest real cell of every window, per channel.
pub fn max_pool2d(p: &Pool2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_forward("maxPool2d", p, x, y)?;
    if windows_tile_input(p) && p.y.kernel == 2 && p.x.kernel == 2 && p.tuning.max_pool_2x2 {
        forward_rows(p, y, |b, oy, y_row| f32_maxpool2x2_row__simd128(p, x, b, oy, y_row));
        return Ok(());
    }
    forward_rows(p, y, |b, oy, y_row| f32_maxpool_row__simd128(p, x, b, oy, y_row));
    Ok(())
}

/// [`f32_maxpool_row__simd128`] for 2x2 windows of stride 2 that tile the
/// input (`Tuning::max_pool_2x2`): per window and 4 channels, four loads
/// and the same `max` sequence (first cell, then the four cells in
/// row-major order), without the general path's window arithmetic and
/// per-tap loops. The same bits.
fn f32_maxpool2x2_row__simd128(p: &Pool2d, x: &[f32], b: usize, oy: usize, y_row: &mut [f32]) {
    let (w, c, ow) = (p.x.input, p.c, p.x.output);
    let row = w * c;
    let r0 = &x[(b * p.y.input + 2 * oy) * row..][..2 * row];
    assert!(y_row.len() >= ow * c && 2 * ow * c <= row && c.is_multiple_of(4));
    let (x0, x1, out) = (r0.as_ptr(), r0[row..].as_ptr(), y_row.as_mut_ptr());
    for ox in 0..ow {
        let (o0, o1) = (2 * ox * c, (2 * ox + 1) * c);
        let mut ch = 0;
        while ch < c {
            // SAFETY: o1 + ch + 4 <= row (c % 4 == 0, 2 * ow <= w) in both rows; ox * c + ch + 4 <= y_row.len().
            unsafe {
                let a = F32x4::load(x0.add(o0 + ch));
                let mut m = a.max(a);
                m = m.max(F32x4::load(x0.add(o1 + ch)));
                m = m.max(F32x4::load(x1.add(o0 + ch)));
                m = m.max(F32x4::load(x1.add(o1 + ch)));
                m.store(out.add(ox * c + ch));
            }
            ch += 4;
        }
    }
}

/// One output row of max pooling. Register `vmax` holds four channels of
/// the running maximum; `pmax` keeps the old value unless the new one is
/// strictly greater, the scalar rule exactly.
fn f32_maxpool_row__simd128(p: &Pool2d, x: &[f32], b: usize, oy: usize, y_row: &mut [f32]) {
    let (w, c) = (p.x.input, p.c);
    let img = &x[b * p.y.input * w * c..][..p.y.input * w * c];
    let (y0, y1) = window(&p.y, oy);
    for ox in 0..p.x.output {
        let (x0, x1) = window(&p.x, ox);
        let out = &mut y_row[ox * c..][..c];
        let first = &img[(y0 * w + x0) * c..][..c];
        let mut ch = 0;
        while ch + 4 <= c {
            // SAFETY: every (iy, ix) is a real pixel of `img` and ch + 4 <= c.
            unsafe {
                let mut vmax = F32x4::load(first.as_ptr().add(ch));
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        vmax = vmax.max(F32x4::load(img.as_ptr().add((iy * w + ix) * c + ch)));
                    }
                }
                vmax.store(out.as_mut_ptr().add(ch));
            }
            ch += 4;
        }
        for ch in ch..c {
            let mut m = first[ch];
            for iy in y0..y1 {
                for ix in x0..x1 {
                    let v = img[(iy * w + ix) * c + ch];
                    if v > m {
                        m = v;
                    }
                }
            }
            out[ch] = m;
        }
    }
}

/// Scalar reference of [`max_pool2d`]: plain loops, no threads.
pub fn max_pool2d_ref(p: &Pool2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_forward("maxPool2d", p, x, y)?;
    let (h, w, c) = (p.y.input, p.x.input, p.c);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            let (y0, y1) = window(&p.y, oy);
            for ox in 0..p.x.output {
                let (x0, x1) = window(&p.x, ox);
                for ch in 0..c {
                    let mut m = x[((b * h + y0) * w + x0) * c + ch];
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            let v = x[((b * h + iy) * w + ix) * c + ch];
                            if v > m {
                                m = v;
                            }
                        }
                    }
                    y[((b * p.y.output + oy) * p.x.output + ox) * c + ch] = m;
                }
            }
        }
    }
    Ok(())
}

fn check_max_backward(op: &'static str, p: &Pool2d, x: &[f32], dy: &[f32], dx: &[f32]) -> Result<()> {
    check_geometry(op, p)?;
    check_len(op, "x", x.len(), p.input_len())?;
    check_len(op, "dy", dy.len(), p.output_len())?;
    check_len(op, "dx", dx.len(), p.input_len())
}

/// `dx` of max pooling: every `dy` goes to the first maximal real cell of
/// its window (row-major), summed where windows overlap.
pub fn max_pool2d_backward(p: &Pool2d, x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    const OP: &str = "maxPool2dBackward";
    check_max_backward(OP, p, x, dy, dx)?;
    if p.y.kernel * p.x.kernel >= F32_EXACT {
        return max_pool2d_backward_ref(p, x, dy, dx);
    }
    if tiles_exactly(p) && p.y.kernel == 2 && p.x.kernel == 2 && p.tuning.max_pool_backward_2x2 {
        backward_bands(p, dx, true, |b, iy0, iy1, band| f32_maxpool2x2_backward_band__simd128(p, x, dy, false, b, iy0, iy1, band));
        return Ok(());
    }
    backward_bands(p, dx, tiles_exactly(p), |b, iy0, iy1, band| f32_maxpool_backward_band__simd128(p, x, dy, b, iy0, iy1, band));
    Ok(())
}

/// Pixels per partial sum of [`max_pool2d_relu_bias_grad`]'s bias
/// gradient: `conv::relu_bias_grad`'s chunk, so both sum in the same order.
const BIAS_CHUNK: usize = 4096;

/// The gradient through a ReLU-fused convolution (bias and ReLU) followed by
/// this max pooling, in one pass: `dx = x > 0 ? maxPool2dBackward(x, dy) : 0`
/// (`x` the pool's input, the convolution's output) and `db[c]` the sum of
/// `dx[.., c]`. The same bits as `maxPool2dBackward` then `reluBiasGrad`
/// (the same 4096-pixel chunks, pixels in order); without the pooled
/// gradient written out and read back twice. Fast path: 2x2 stride-2
/// windows tiling the input, rows of the input an even divisor of the
/// chunk; other shapes run the two kernels.
pub fn max_pool2d_relu_bias_grad(p: &Pool2d, x: &[f32], dy: &[f32], dx: &mut [f32], db: &mut [f32]) -> Result<()> {
    const OP: &str = "maxPool2dReluBiasGrad";
    check_max_backward(OP, p, x, dy, dx)?;
    let c = p.c;
    check_len(OP, "bias gradient", db.len(), c)?;
    let pair = 2 * p.x.input;
    let fast = tiles_exactly(p) && p.y.kernel == 2 && p.x.kernel == 2 && p.tuning.max_pool_backward_2x2 && BIAS_CHUNK.is_multiple_of(pair);
    if !fast || dx.is_empty() {
        let mut g = vec![0.0f32; dx.len()];
        max_pool2d_backward(p, x, dy, &mut g)?;
        return crate::conv::relu_bias_grad(x, &g, c, dx, db);
    }
    // Chunks of whole window rows (chunk boundaries fall between row pairs,
    // as BIAS_CHUNK is a multiple of the pair's pixels): each writes its
    // rows' masked gradient, then adds them into its partial in pixel order
    // while they are in L1.
    par::for_each_out_chunk_reduce(dx, c, BIAS_CHUNK, db, |first, piece, acc| {
        let pair_len = pair * c;
        for (q, rows) in piece.chunks_exact_mut(pair_len).enumerate() {
            let r = first / pair + q; // row pair r: image r / oh, output row r % oh
            let (b, oy) = (r / p.y.output, r % p.y.output);
            f32_maxpool2x2_backward_band__simd128(p, x, dy, true, b, 2 * oy, 2 * oy + 2, rows);
            crate::conv::sum_rows_into(rows, c, acc);
        }
    });
    Ok(())
}

/// The common case of [`f32_maxpool_backward_band__simd128`] (2x2 windows,
/// stride 2, tiling the input: every CNN's max pooling) in straight-line
/// code: per window and 4 channels, the four cells' first strict maximum
/// (the scalar rule: a later cell wins only if greater, so NaNs never do)
/// and the four one-hot stores, without the general path's per-tap loops.
/// Stores every element of the band.
#[allow(clippy::too_many_arguments)]
fn f32_maxpool2x2_backward_band__simd128(p: &Pool2d, x: &[f32], dy: &[f32], relu: bool, b: usize, iy0: usize, iy1: usize, band: &mut [f32]) {
    let (w, c, ow) = (p.x.input, p.c, p.x.output);
    let row = w * c;
    let img = &x[b * p.y.input * row..][..p.y.input * row];
    let (oy_lo, oy_hi) = outputs_touching(&p.y, iy0, iy1);
    let zero = F32x4::zero();
    let (one, two, three) = (F32x4::splat(1.0), F32x4::splat(2.0), F32x4::splat(3.0));
    let (h1, h2, h3) = (F32x4::splat(0.5), F32x4::splat(1.5), F32x4::splat(2.5));
    for oy in oy_lo..oy_hi {
        let (r0, r1) = (2 * oy, 2 * oy + 1);
        let g = &dy[(b * p.y.output + oy) * ow * c..][..ow * c];
        let (x0, x1) = (&img[r0 * row..][..row], &img[r1 * row..][..row]);
        // The window's rows inside this band (a band may end between them).
        let d0 = (r0 >= iy0 && r0 < iy1).then(|| (r0 - iy0) * row);
        let d1 = (r1 >= iy0 && r1 < iy1).then(|| (r1 - iy0) * row);
        let bp = band.as_mut_ptr();
        assert!(band.len() >= (iy1 - iy0) * row);
        for ox in 0..ow {
            let mut ch = 0;
            while ch < c {
                let (o0, o1) = (2 * ox * c + ch, (2 * ox + 1) * c + ch);
                // SAFETY: o0, o1 + 4 <= row (c % 4 == 0, 2 * ow == w); the
                // band holds rows iy0..iy1 of `row` floats; g holds ow * c.
                unsafe {
                    let (va, vb) = (F32x4::load(x0.as_ptr().add(o0)), F32x4::load(x0.as_ptr().add(o1)));
                    let (vc, vd) = (F32x4::load(x1.as_ptr().add(o0)), F32x4::load(x1.as_ptr().add(o1)));
                    let mut gv = F32x4::load(g.as_ptr().add(ox * c + ch));
                    let mut m = va;
                    let mut idx = zero;
                    idx = vb.select_gt(m, one, idx);
                    m = vb.select_gt(m, vb, m);
                    idx = vc.select_gt(m, two, idx);
                    m = vc.select_gt(m, vc, m);
                    idx = vd.select_gt(m, three, idx);
                    if relu {
                        // The ReLU mask of the chosen cell, whose value is the window's max.
                        m = vd.select_gt(m, vd, m);
                        gv = m.select_gt(zero, gv, zero);
                    }
                    // Lane gets g where idx == t: (idx > t - 0.5) and not (idx > t + 0.5).
                    let at = |lo: F32x4, hi: F32x4| idx.select_gt(hi, zero, idx.select_gt(lo, gv, zero));
                    if let Some(d) = d0 {
                        idx.select_gt(h1, zero, gv).store(bp.add(d + o0));
                        at(h1, h2).store(bp.add(d + o1));
                    }
                    if let Some(d) = d1 {
                        at(h2, h3).store(bp.add(d + o0));
                        idx.select_gt(h3, gv, zero).store(bp.add(d + o1));
                    }
                }
                ch += 4;
            }
        }
    }
}

/// True when the max-pool backward's disjoint path stores every element of
/// `dx` (so `dx` needs no zeroing first, one memory pass less: 2x2 stride 2
/// VALID pooling of an even-sized input with channels in fours): the windows
/// do not overlap, leave no input cell out, and every channel is a vector lane.
fn tiles_exactly(p: &Pool2d) -> bool {
    p.tuning.max_pool_backward_disjoint && windows_tile_input(p)
}

/// The windows do not overlap, leave no input cell out, and every channel
/// is a vector lane (`c % 4 == 0`).
fn windows_tile_input(p: &Pool2d) -> bool {
    let exact = |a: &Axis| a.kernel == a.stride && a.pad_before == 0 && a.pad_after == 0 && a.output * a.stride == a.input;
    exact(&p.y) && exact(&p.x) && p.c.is_multiple_of(4)
}

/// Scatters the gradients of all windows touching rows `iy0..iy1` of image
/// `b` into `band`. `vidx` holds, per lane, the window tap (as f32) of the
/// running maximum; it moves only when a value is strictly greater, so it
/// ends on the first maximal tap.
fn f32_maxpool_backward_band__simd128(p: &Pool2d, x: &[f32], dy: &[f32], b: usize, iy0: usize, iy1: usize, band: &mut [f32]) {
    let (w, c) = (p.x.input, p.c);
    let img = &x[b * p.y.input * w * c..][..p.y.input * w * c];
    let (oy_lo, oy_hi) = outputs_touching(&p.y, iy0, iy1);
    // Windows do not overlap (e.g. 2x2 stride 2): no pixel gets two gradients.
    let disjoint = p.y.stride >= p.y.kernel && p.x.stride >= p.x.kernel && p.tuning.max_pool_backward_disjoint;
    for oy in oy_lo..oy_hi {
        let (y0, y1) = window(&p.y, oy);
        for ox in 0..p.x.output {
            let (x0, x1) = window(&p.x, ox);
            let ww = x1 - x0;
            let g = &dy[((b * p.y.output + oy) * p.x.output + ox) * c..][..c];
            // Adds `gv` to input pixel tap `t` of this window if it is in the band.
            let route = |band: &mut [f32], t: usize, ch: usize, gv: f32| {
                let iy = y0 + t / ww;
                if iy >= iy0 && iy < iy1 {
                    band[((iy - iy0) * w + x0 + t % ww) * c + ch] += gv;
                }
            };
            let mut ch = 0;
            while ch + 4 <= c {
                // SAFETY: every (iy, ix) is a real pixel of `img` and ch + 4 <= c.
                let vidx = unsafe {
                    let mut vmax = F32x4::load(img.as_ptr().add((y0 * w + x0) * c + ch));
                    let mut vidx = F32x4::zero();
                    let mut vt = F32x4::zero();
                    let vone = F32x4::splat(1.0);
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            let vx = F32x4::load(img.as_ptr().add((iy * w + ix) * c + ch));
                            vidx = vx.select_gt(vmax, vt, vidx);
                            vmax = vmax.max(vx);
                            vt = vt.add(vone);
                        }
                    }
                    vidx
                };
                if disjoint {
                    // Each input pixel is in this window only: write the
                    // one-hot gradient of every tap (lanes whose argmax is
                    // tap t get g, the others 0) as whole vectors.
                    let gv = unsafe { F32x4::load(g.as_ptr().add(ch)) };
                    let zero = F32x4::zero();
                    let mut t = 0.0f32;
                    for iy in y0..y1 {
                        let in_band = iy >= iy0 && iy < iy1;
                        for ix in x0..x1 {
                            if in_band {
                                let r = vidx.select_gt(F32x4::splat(t + 0.5), zero, gv);
                                let r = vidx.select_gt(F32x4::splat(t - 0.5), r, zero);
                                // SAFETY: (iy, ix) is a real pixel of the band.
                                unsafe { r.store(band.as_mut_ptr().add(((iy - iy0) * w + ix) * c + ch)) };
                            }
                            t += 1.0;
                        }
                    }
                } else {
                    for (lane, t) in vidx.to_array().iter().enumerate() {
                        route(band, *t as usize, ch + lane, g[ch + lane]);
                    }
                }
                ch += 4;
            }
            for ch in ch..c {
                let (mut m, mut arg, mut t) = (img[(y0 * w + x0) * c + ch], 0, 0);
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        let v = img[(iy * w + ix) * c + ch];
                        if v > m {
                            (m, arg) = (v, t);
                        }
                        t += 1;
                    }
                }
                route(band, arg, ch, g[ch]);
            }
        }
    }
}

/// Scalar reference of [`max_pool2d_backward`].
pub fn max_pool2d_backward_ref(p: &Pool2d, x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_max_backward("maxPool2dBackward", p, x, dy, dx)?;
    let (h, w, c) = (p.y.input, p.x.input, p.c);
    dx.fill(0.0);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            let (y0, y1) = window(&p.y, oy);
            for ox in 0..p.x.output {
                let (x0, x1) = window(&p.x, ox);
                for ch in 0..c {
                    let mut arg = ((b * h + y0) * w + x0) * c + ch;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            let i = ((b * h + iy) * w + ix) * c + ch;
                            if x[i] > x[arg] {
                                arg = i;
                            }
                        }
                    }
                    dx[arg] += dy[((b * p.y.output + oy) * p.x.output + ox) * c + ch];
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Average pooling.

/// `y = avgPool(x)`: the mean of the real cells of every window.
pub fn avg_pool2d(p: &Pool2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_forward("avgPool2d", p, x, y)?;
    forward_rows(p, y, |b, oy, y_row| f32_avgpool_row__simd128(p, x, b, oy, y_row));
    Ok(())
}

/// One output row of average pooling: sum the real taps in row-major order
/// from zero, then divide by their count (as TF does, a division, not a
/// multiplication by the reciprocal).
fn f32_avgpool_row__simd128(p: &Pool2d, x: &[f32], b: usize, oy: usize, y_row: &mut [f32]) {
    let (w, c) = (p.x.input, p.c);
    let img = &x[b * p.y.input * w * c..][..p.y.input * w * c];
    let (y0, y1) = window(&p.y, oy);
    for ox in 0..p.x.output {
        let (x0, x1) = window(&p.x, ox);
        let count = ((y1 - y0) * (x1 - x0)) as f32;
        let out = &mut y_row[ox * c..][..c];
        let mut ch = 0;
        while ch + 4 <= c {
            // SAFETY: every (iy, ix) is a real pixel of `img` and ch + 4 <= c.
            unsafe {
                let mut vacc = F32x4::zero();
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        vacc = vacc.add(F32x4::load(img.as_ptr().add((iy * w + ix) * c + ch)));
                    }
                }
                vacc.div(F32x4::splat(count)).store(out.as_mut_ptr().add(ch));
            }
            ch += 4;
        }
        for ch in ch..c {
            let mut s = 0.0f32;
            for iy in y0..y1 {
                for ix in x0..x1 {
                    s += img[(iy * w + ix) * c + ch];
                }
            }
            out[ch] = s / count;
        }
    }
}

/// Scalar reference of [`avg_pool2d`].
pub fn avg_pool2d_ref(p: &Pool2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check_forward("avgPool2d", p, x, y)?;
    let (h, w, c) = (p.y.input, p.x.input, p.c);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            let (y0, y1) = window(&p.y, oy);
            for ox in 0..p.x.output {
                let (x0, x1) = window(&p.x, ox);
                let count = ((y1 - y0) * (x1 - x0)) as f32;
                for ch in 0..c {
                    let mut s = 0.0f32;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            s += x[((b * h + iy) * w + ix) * c + ch];
                        }
                    }
                    y[((b * p.y.output + oy) * p.x.output + ox) * c + ch] = s / count;
                }
            }
        }
    }
    Ok(())
}

fn check_avg_backward(op: &'static str, p: &Pool2d, dy: &[f32], dx: &[f32]) -> Result<()> {
    check_geometry(op, p)?;
    check_len(op, "dy", dy.len(), p.output_len())?;
    check_len(op, "dx", dx.len(), p.input_len())
}

/// `dx` of average pooling: every real cell of a window receives
/// `dy / count`, summed where windows overlap.
pub fn avg_pool2d_backward(p: &Pool2d, dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_avg_backward("avgPool2dBackward", p, dy, dx)?;
    backward_bands(p, dx, false, |b, iy0, iy1, band| f32_avgpool_backward_band__simd128(p, dy, b, iy0, iy1, band));
    Ok(())
}

fn f32_avgpool_backward_band__simd128(p: &Pool2d, dy: &[f32], b: usize, iy0: usize, iy1: usize, band: &mut [f32]) {
    let (w, c) = (p.x.input, p.c);
    let (oy_lo, oy_hi) = outputs_touching(&p.y, iy0, iy1);
    for oy in oy_lo..oy_hi {
        let (y0, y1) = window(&p.y, oy);
        let (r0, r1) = (y0.max(iy0), y1.min(iy1));
        for ox in 0..p.x.output {
            let (x0, x1) = window(&p.x, ox);
            let count = ((y1 - y0) * (x1 - x0)) as f32;
            let g = &dy[((b * p.y.output + oy) * p.x.output + ox) * c..][..c];
            let mut ch = 0;
            while ch + 4 <= c {
                // SAFETY: rows r0..r1 lie in the band, columns in the image, ch + 4 <= c.
                unsafe {
                    let vg = F32x4::load(g.as_ptr().add(ch)).div(F32x4::splat(count));
                    for iy in r0..r1 {
                        for ix in x0..x1 {
                            let d = band.as_mut_ptr().add(((iy - iy0) * w + ix) * c + ch);
                            F32x4::load(d).add(vg).store(d);
                        }
                    }
                }
                ch += 4;
            }
            for ch in ch..c {
                let gv = g[ch] / count;
                for iy in r0..r1 {
                    for ix in x0..x1 {
                        band[((iy - iy0) * w + ix) * c + ch] += gv;
                    }
                }
            }
        }
    }
}

/// Scalar reference of [`avg_pool2d_backward`].
pub fn avg_pool2d_backward_ref(p: &Pool2d, dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check_avg_backward("avgPool2dBackward", p, dy, dx)?;
    let (h, w, c) = (p.y.input, p.x.input, p.c);
    dx.fill(0.0);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            let (y0, y1) = window(&p.y, oy);
            for ox in 0..p.x.output {
                let (x0, x1) = window(&p.x, ox);
                let count = ((y1 - y0) * (x1 - x0)) as f32;
                for ch in 0..c {
                    let gv = dy[((b * p.y.output + oy) * p.x.output + ox) * c + ch] / count;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            dx[((b * h + iy) * w + ix) * c + ch] += gv;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
