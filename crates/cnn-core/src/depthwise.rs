#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Depthwise 2-D convolution over NHWC, forward and both gradients.
//!
//! ```text
//! forward          y[n,oy,ox,c*m+q]  = sum_{ky,kx} x[n,iy,ix,c] * w[ky,kx,c,q] + b[c*m+q]
//! backward input   dx[n,iy,ix,c]     = sum_{ky,kx,q} dy[n,oy,ox,c*m+q] * w[ky,kx,c,q]
//! backward filter  dw[ky,kx,c,q]     = sum_{n,oy,ox} x[n,iy,ix,c] * dy[n,oy,ox,c*m+q]
//! with iy = oy*sy + ky*dy - pad_top, ix = ox*sx + kx*dx - pad_left
//! ```
//!
//! Shapes: `x [n, h, w, c]`, filter `[kh, kw, c, m]` (TF's depthwise layout,
//! `m` the depth multiplier), `y [n, out_h, out_w, c*m]`. The geometry is a
//! [`Conv2d`] with `cin = c`, `cout = c*m` (so the wasm boundary reuses the
//! 16-word convolution spec), resolved by [`crate::shape`].
//!
//! Layout of the SIMD kernels (after XNNPACK's `dwconv` micro-kernels: one
//! output pixel at a time, channels in register tiles, the taps in the inner
//! loop): with `m = 1` the filter `[kh*kw, c]` and the input pixel are both
//! contiguous in the channel, so a tile of 8 (then 4) channels is two (one)
//! `F32x4` accumulators fed by one load of input and one of filter per tap;
//! a scalar tail takes `c % 4`. A multiplier `m > 1` is reduced to `m = 1`
//! on `C = c*m` channels by expanding the input (`xe[.., c*m+q] = x[.., c]`)
//! and, for the input gradient, summing the `m` expanded gradients back; it
//! is rare (MobileNets use 1) and costs one extra pass over the input.
//!
//! Order of operations: every output starts from its bias (or 0) and adds
//! its taps in row-major `(ky, kx)` order, in the SIMD kernels and in the
//! scalar references alike, so forward and input gradient agree bit for bit
//! with the references. The filter gradient sums over output rows in fixed
//! chunks ([`par::reduce_chunks`]), so it is bit-identical for any thread
//! count and within rounding of its reference.
//!
//! Threads: forward splits output rows; the input gradient is a gather (each
//! `dx` pixel reads the outputs whose windows cover it), split by `dx` rows;
//! the filter gradient reduces per-chunk partials in chunk order.

use crate::error::{check_len, CoreError, Result};
use crate::gemm::Activation;
use crate::par;
use crate::shape::{Axis, Conv2d, Conv2dArgs};
use crate::simd::F32x4;

/// Rough multiply-adds per parallel task below which splitting costs more
/// than it saves.
const MIN_TASK_WORK: usize = 1 << 14;

/// Geometry of a depthwise convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Depthwise2d {
    pub n: usize,
    /// Input channels.
    pub c: usize,
    /// Depth multiplier: output channels per input channel.
    pub m: usize,
    pub y: Axis,
    pub x: Axis,
}

impl Depthwise2d {
    /// `a.cin` is the input depth `c`, `a.cout` the output depth `c*m`.
    pub fn new(op: &'static str, a: &Conv2dArgs) -> Result<Depthwise2d> {
        let p = Conv2d::new(op, a)?;
        if p.cout % p.cin != 0 {
            return Err(CoreError::new(op, format!("output depth {} must be a multiple of the input depth {} (depth multiplier)", p.cout, p.cin)));
        }
        Ok(Depthwise2d { n: p.n, c: p.cin, m: p.cout / p.cin, y: p.y, x: p.x })
    }

    /// Output channels `c*m`.
    pub fn cout(&self) -> usize {
        self.c * self.m
    }
    pub fn input_len(&self) -> usize {
        self.n * self.y.input * self.x.input * self.c
    }
    pub fn filter_len(&self) -> usize {
        self.y.kernel * self.x.kernel * self.cout()
    }
    pub fn output_len(&self) -> usize {
        self.n * self.y.output * self.x.output * self.cout()
    }
    /// The same geometry on `c*m` channels with multiplier 1 (the expanded input).
    fn expanded(&self) -> Depthwise2d {
        Depthwise2d { c: self.cout(), m: 1, ..*self }
    }
}

/// Kernel taps `[lo, hi)` of output `o` that read real (non-padded) input.
#[inline(always)]
fn taps(a: &Axis, o: usize) -> (usize, usize) {
    let base = (o * a.stride) as isize - a.pad_before as isize;
    let d = a.dilation as isize;
    let lo = if base >= 0 { 0 } else { ((-base + d - 1) / d) as usize };
    let last = a.input as isize - 1 - base;
    let hi = if last < 0 { 0 } else { (last / d + 1) as usize };
    (lo.min(a.kernel), hi.min(a.kernel).max(lo.min(a.kernel)))
}

/// The output index whose tap `t` reads input `i`, if there is one.
#[inline(always)]
fn output_of(a: &Axis, i: usize, t: usize) -> Option<usize> {
    let num = (i + a.pad_before) as isize - (t * a.dilation) as isize;
    if num < 0 || !(num as usize).is_multiple_of(a.stride) {
        return None;
    }
    let o = num as usize / a.stride;
    (o < a.output).then_some(o)
}

fn check_forward(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, y: &[f32]) -> Result<()> {
    const OP: &str = "depthwiseConv2d";
    check_len(OP, "input", x.len(), p.input_len())?;
    check_len(OP, "filter", w.len(), p.filter_len())?;
    check_len(OP, "output", y.len(), p.output_len())?;
    if let Some(b) = bias {
        check_len(OP, "bias", b.len(), p.cout())?;
    }
    Ok(())
}

/// `xe[.., c*m+q] = x[.., c]`: the input on `c*m` channels.
fn expand_input(p: &Depthwise2d, x: &[f32]) -> Vec<f32> {
    let (c, m) = (p.c, p.m);
    let mut xe = vec![0.0; x.len() * m];
    for (dst, src) in xe.chunks_exact_mut(c * m).zip(x.chunks_exact(c)) {
        for (d, v) in dst.chunks_exact_mut(m).zip(src) {
            d.fill(*v);
        }
    }
    xe
}

// ---------------------------------------------------------------------------
// Forward.

/// `y = depthwiseConv2d(x, w) + bias` (bias optional); overwrites `y`.
pub fn depthwise_conv2d(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, y: &mut [f32]) -> Result<()> {
    depthwise_conv2d_act(p, x, w, bias, Activation::Linear, y)
}

/// `y = act(depthwiseConv2d(x, w) + bias)`: the activation applied in the
/// store (MobileNetV2's depthwise + folded batch norm + ReLU6 at inference).
pub fn depthwise_conv2d_act(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) -> Result<()> {
    check_forward(p, x, w, bias, y)?;
    if p.m == 1 {
        forward_m1(p, x, w, bias, act, y);
    } else {
        let xe = expand_input(p, x);
        forward_m1(&p.expanded(), &xe, w, bias, act, y);
    }
    Ok(())
}

fn forward_m1(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
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
            f32_dwconv_row__simd128(p, x, w, bias, act, r / p.y.output, r % p.y.output, y_row);
        }
    });
}

/// `out[ch] = init[ch] + sum_{(i, j) in taps} a[i + ch] * b[j + ch]` for
/// every channel `ch < out.len()`, the taps in the iterator's order, then
/// `act` (the input gradient passes `Linear`): the
/// inner loop of both the forward pass (`a` the input image, `b` the
/// filter) and the input gradient (`a` the output gradient, `b` the
/// filter). Registers `vacc0`, `vacc1` hold channels `ch..ch+8`, then one
/// `F32x4` takes four more, then a scalar tail.
///
/// Contract: every tap has `i + out.len() <= a.len()` and `j + out.len() <= b.len()`.
#[inline(always)]
fn f32_dwconv_pixel__simd128<I: Iterator<Item = (usize, usize)> + Clone>(
    out: &mut [f32],
    init: Option<&[f32]>,
    a: &[f32],
    b: &[f32],
    act: Activation,
    taps: I,
) {
    let c = out.len();
    let start = |ch: usize| match init {
        // SAFETY: ch + 4 <= c = init.len().
        Some(v) => unsafe { F32x4::load(v.as_ptr().add(ch)) },
        None => F32x4::zero(),
    };
    let mut ch = 0;
    while ch + 8 <= c {
        let (mut vacc0, mut vacc1) = (start(ch), start(ch + 4));
        for (i, j) in taps.clone() {
            debug_assert!(i + c <= a.len() && j + c <= b.len());
            // SAFETY: the contract above and ch + 8 <= c.
            unsafe {
                let (ap, bp) = (a.as_ptr().add(i + ch), b.as_ptr().add(j + ch));
                vacc0 = vacc0.mul_add(F32x4::load(ap), F32x4::load(bp));
                vacc1 = vacc1.mul_add(F32x4::load(ap.add(4)), F32x4::load(bp.add(4)));
            }
        }
        // SAFETY: ch + 8 <= c = out.len().
        unsafe {
            act.apply4(vacc0).store(out.as_mut_ptr().add(ch));
            act.apply4(vacc1).store(out.as_mut_ptr().add(ch + 4));
        }
        ch += 8;
    }
    if ch + 4 <= c {
        let mut vacc = start(ch);
        for (i, j) in taps.clone() {
            // SAFETY: as above, ch + 4 <= c.
            unsafe { vacc = vacc.mul_add(F32x4::load(a.as_ptr().add(i + ch)), F32x4::load(b.as_ptr().add(j + ch))) };
        }
        unsafe { act.apply4(vacc).store(out.as_mut_ptr().add(ch)) };
        ch += 4;
    }
    for ch in ch..c {
        let mut acc = init.map_or(0.0, |v| v[ch]);
        for (i, j) in taps.clone() {
            acc += a[i + ch] * b[j + ch];
        }
        out[ch] = act.apply(acc);
    }
}

/// One output row `(b, oy)` with multiplier 1: each pixel sums its real
/// taps (input pixel, filter tap) in row-major order, from the bias.
#[allow(clippy::too_many_arguments)]
fn f32_dwconv_row__simd128(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, b: usize, oy: usize, y_row: &mut [f32]) {
    let (wd, c, kw) = (p.x.input, p.c, p.x.kernel);
    let img = &x[b * p.y.input * wd * c..][..p.y.input * wd * c];
    let (ty0, ty1) = taps(&p.y, oy);
    for ox in 0..p.x.output {
        let (tx0, tx1) = taps(&p.x, ox);
        let pixel_taps = (ty0..ty1).flat_map(move |ty| {
            let iy = oy * p.y.stride + ty * p.y.dilation - p.y.pad_before;
            (tx0..tx1).map(move |tx| ((iy * wd + ox * p.x.stride + tx * p.x.dilation - p.x.pad_before) * c, (ty * kw + tx) * c))
        });
        f32_dwconv_pixel__simd128(&mut y_row[ox * c..][..c], bias, img, w, act, pixel_taps);
    }
}

/// Scalar reference of [`depthwise_conv2d`]: plain loops over any
/// multiplier, no expansion, no threads.
pub fn depthwise_conv2d_ref(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, y: &mut [f32]) -> Result<()> {
    depthwise_conv2d_act_ref(p, x, w, bias, Activation::Linear, y)
}

/// Scalar reference of [`depthwise_conv2d_act`].
pub fn depthwise_conv2d_act_ref(p: &Depthwise2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) -> Result<()> {
    check_forward(p, x, w, bias, y)?;
    let (h, wd, c, m, kw) = (p.y.input, p.x.input, p.c, p.m, p.x.kernel);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            for ox in 0..p.x.output {
                for ci in 0..c {
                    for q in 0..m {
                        let k = ci * m + q;
                        let mut acc = bias.map_or(0.0, |bs| bs[k]);
                        for ty in 0..p.y.kernel {
                            let iy = p.y.input_index(oy, ty);
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            for tx in 0..kw {
                                let ix = p.x.input_index(ox, tx);
                                if ix < 0 || ix >= wd as isize {
                                    continue;
                                }
                                acc += x[((b * h + iy as usize) * wd + ix as usize) * c + ci] * w[(ty * kw + tx) * c * m + k];
                            }
                        }
                        y[((b * p.y.output + oy) * p.x.output + ox) * c * m + k] = act.apply(acc);
                    }
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Input gradient.

fn check_backward_input(p: &Depthwise2d, dy: &[f32], w: &[f32], dx: &[f32]) -> Result<()> {
    const OP: &str = "depthwiseConv2dBackpropInput";
    check_len(OP, "dy", dy.len(), p.output_len())?;
    check_len(OP, "filter", w.len(), p.filter_len())?;
    check_len(OP, "dx", dx.len(), p.input_len())
}

/// `dx` from `dy` and the filter; overwrites `dx`.
pub fn depthwise_conv2d_backward_input(p: &Depthwise2d, dy: &[f32], w: &[f32], dx: &mut [f32]) -> Result<()> {
    check_backward_input(p, dy, w, dx)?;
    if p.m == 1 {
        backward_input_m1(p, dy, w, dx);
    } else {
        let (c, m) = (p.c, p.m);
        let mut dxe = vec![0.0; dx.len() * m];
        backward_input_m1(&p.expanded(), dy, w, &mut dxe);
        for (d, src) in dx.iter_mut().zip(dxe.chunks_exact(m)) {
            *d = src.iter().fold(0.0, |a, v| a + v);
        }
        debug_assert_eq!(dx.len(), p.n * p.y.input * p.x.input * c);
    }
    Ok(())
}

fn backward_input_m1(p: &Depthwise2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    let row_len = p.x.input * p.c;
    let rows = p.n * p.y.input;
    if rows == 0 || row_len == 0 {
        return;
    }
    let per_row = row_len * p.y.kernel * p.x.kernel;
    let chunk = par::chunk_size(rows, MIN_TASK_WORK / per_row.max(1));
    par::for_each_out_chunk(dx, row_len, chunk, |first, piece| {
        for (i, dx_row) in piece.chunks_mut(row_len).enumerate() {
            let r = first + i;
            f32_dwconv_backward_input_row__simd128(p, dy, w, r / p.y.input, r % p.y.input, dx_row);
        }
    });
}

/// One `dx` row `(b, iy)` with multiplier 1: each pixel gathers `dy * w`
/// over the taps whose output covers it, in row-major tap order.
fn f32_dwconv_backward_input_row__simd128(p: &Depthwise2d, dy: &[f32], w: &[f32], b: usize, iy: usize, dx_row: &mut [f32]) {
    let (c, kw, ow) = (p.c, p.x.kernel, p.x.output);
    let img = &dy[b * p.y.output * ow * c..][..p.y.output * ow * c];
    for ix in 0..p.x.input {
        let pixel_taps = (0..p.y.kernel)
            .filter_map(move |ty| output_of(&p.y, iy, ty).map(|oy| (ty, oy)))
            .flat_map(move |(ty, oy)| (0..kw).filter_map(move |tx| output_of(&p.x, ix, tx).map(|ox| ((oy * ow + ox) * c, (ty * kw + tx) * c))));
        f32_dwconv_pixel__simd128(&mut dx_row[ix * c..][..c], None, img, w, Activation::Linear, pixel_taps);
    }
}

/// Scalar reference of [`depthwise_conv2d_backward_input`]: scatters every
/// `dy` through the forward's windows (a different algorithm from the
/// gather, so compared with a tolerance).
pub fn depthwise_conv2d_backward_input_ref(p: &Depthwise2d, dy: &[f32], w: &[f32], dx: &mut [f32]) -> Result<()> {
    check_backward_input(p, dy, w, dx)?;
    let (h, wd, c, m, kw) = (p.y.input, p.x.input, p.c, p.m, p.x.kernel);
    dx.fill(0.0);
    for b in 0..p.n {
        for oy in 0..p.y.output {
            for ox in 0..p.x.output {
                for ty in 0..p.y.kernel {
                    let iy = p.y.input_index(oy, ty);
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    for tx in 0..kw {
                        let ix = p.x.input_index(ox, tx);
                        if ix < 0 || ix >= wd as isize {
                            continue;
                        }
                        for ci in 0..c {
                            for q in 0..m {
                                let k = ci * m + q;
                                dx[((b * h + iy as usize) * wd + ix as usize) * c + ci] +=
                                    dy[((b * p.y.output + oy) * p.x.output + ox) * c * m + k] * w[(ty * kw + tx) * c * m + k];
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Filter gradient.

fn check_backward_filter(p: &Depthwise2d, x: &[f32], dy: &[f32], dw: &[f32]) -> Result<()> {
    const OP: &str = "depthwiseConv2dBackpropFilter";
    check_len(OP, "input", x.len(), p.input_len())?;
    check_len(OP, "dy", dy.len(), p.output_len())?;
    check_len(OP, "dw", dw.len(), p.filter_len())
}

/// `dw` from the input and `dy`; overwrites `dw`.
pub fn depthwise_conv2d_backward_filter(p: &Depthwise2d, x: &[f32], dy: &[f32], dw: &mut [f32]) -> Result<()> {
    check_backward_filter(p, x, dy, dw)?;
    if p.m == 1 {
        backward_filter_m1(p, x, dy, dw);
    } else {
        let xe = expand_input(p, x);
        backward_filter_m1(&p.expanded(), &xe, dy, dw);
    }
    Ok(())
}

fn backward_filter_m1(p: &Depthwise2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let rows = p.n * p.y.output;
    let per_row = p.x.output * p.c * p.y.kernel * p.x.kernel;
    // Each chunk owns a partial of the whole filter: keep chunks large
    // enough that summing the partials stays small next to the work.
    let chunk = par::chunk_size(rows, (MIN_TASK_WORK.max(4 * dw.len())) / per_row.max(1));
    par::reduce_chunks(rows, chunk, dw, |range, partial| {
        for r in range {
            f32_dwconv_backward_filter_row__simd128(p, x, dy, r / p.y.output, r % p.y.output, partial);
        }
    });
}

/// Adds output row `(b, oy)`'s contributions `x * dy` into `dw`.
fn f32_dwconv_backward_filter_row__simd128(p: &Depthwise2d, x: &[f32], dy: &[f32], b: usize, oy: usize, dw: &mut [f32]) {
    let (wd, c, kw) = (p.x.input, p.c, p.x.kernel);
    let img = &x[b * p.y.input * wd * c..][..p.y.input * wd * c];
    let g_row = &dy[(b * p.y.output + oy) * p.x.output * c..][..p.x.output * c];
    let (ty0, ty1) = taps(&p.y, oy);
    for ox in 0..p.x.output {
        let (tx0, tx1) = taps(&p.x, ox);
        let g = &g_row[ox * c..][..c];
        for ty in ty0..ty1 {
            let iy = oy * p.y.stride + ty * p.y.dilation - p.y.pad_before;
            for tx in tx0..tx1 {
                let ix = ox * p.x.stride + tx * p.x.dilation - p.x.pad_before;
                let xs = &img[(iy * wd + ix) * c..][..c];
                let acc = &mut dw[(ty * kw + tx) * c..][..c];
                let mut ch = 0;
                while ch + 4 <= c {
                    // SAFETY: ch + 4 <= c for all three slices of length c.
                    unsafe {
                        let va = F32x4::load(acc.as_ptr().add(ch));
                        va.mul_add(F32x4::load(xs.as_ptr().add(ch)), F32x4::load(g.as_ptr().add(ch))).store(acc.as_mut_ptr().add(ch));
                    }
                    ch += 4;
                }
                for ch in ch..c {
                    acc[ch] += xs[ch] * g[ch];
                }
            }
        }
    }
}

/// Scalar reference of [`depthwise_conv2d_backward_filter`]: one running sum
/// per filter element over the whole batch.
pub fn depthwise_conv2d_backward_filter_ref(p: &Depthwise2d, x: &[f32], dy: &[f32], dw: &mut [f32]) -> Result<()> {
    check_backward_filter(p, x, dy, dw)?;
    let (h, wd, c, m, kw) = (p.y.input, p.x.input, p.c, p.m, p.x.kernel);
    for ty in 0..p.y.kernel {
        for tx in 0..kw {
            for ci in 0..c {
                for q in 0..m {
                    let k = ci * m + q;
                    let mut acc = 0.0f32;
                    for b in 0..p.n {
                        for oy in 0..p.y.output {
                            let iy = p.y.input_index(oy, ty);
                            if iy < 0 || iy >= h as isize {
                                continue;
                            }
                            for ox in 0..p.x.output {
                                let ix = p.x.input_index(ox, tx);
                                if ix < 0 || ix >= wd as isize {
                                    continue;
                                }
                                acc += x[((b * h + iy as usize) * wd + ix as usize) * c + ci] * dy[((b * p.y.output + oy) * p.x.output + ox) * c * m + k];
                            }
                        }
                    }
                    dw[(ty * kw + tx) * c * m + k] = acc;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
