#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! Spatial resizing over NHWC (nearest neighbour and bilinear), forward and
//! backward: the kernels behind `layers.upSampling2d`.
//!
//! Shapes: `x [n, h, w, c]` to `y [n, out_h, out_w, c]`. Source coordinates
//! follow TensorFlow's `ResizeNearestNeighbor` / `ResizeBilinear` (and
//! TF.js's CPU kernels) with their two flags:
//! - scale `in / out`, or `(in - 1) / (out - 1)` with `align_corners`;
//! - nearest: `src = min(in - 1, f(s))` with `s = scale * o` (`scale *
//!   (o + 0.5)` with half-pixel centres), `f` = round with `align_corners`,
//!   floor otherwise;
//! - bilinear: `s = scale * o` (`scale * (o + 0.5) - 0.5` with half-pixel
//!   centres), `lo = max(0, floor(s))`, `hi = min(in - 1, ceil(s))`, `t = s -
//!   lo`; `y = top + (bottom - top) * ty` with `top = tl + (tr - tl) * tx`.
//!
//! Coordinates are computed in f64 as JavaScript does. Vectorised over the
//! contiguous channels (four per [`F32x4`], a scalar tail), with the same
//! operations in the same order as the scalar references, so they agree bit
//! for bit. Backward passes scatter each `dy` into the cells its output read
//! (nearest: one cell; bilinear: four, weighted `(1-ty)(1-tx)`, ...), one
//! image per task, so the sums are in the same order for any thread count.

use crate::error::{check_len, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Interpolation of [`Resize2d`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    Nearest,
    Bilinear,
}

/// Geometry and mode of a resize.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Resize2d {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub out_h: usize,
    pub out_w: usize,
    pub mode: Interpolation,
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

impl Resize2d {
    /// Number of words in the packed form read by [`Resize2d::from_words`].
    pub const WORDS: usize = 9;

    /// `[n, h, w, c, out_h, out_w, mode (0 nearest, 1 bilinear),
    /// align_corners, half_pixel_centers]`, as the JS side sends it.
    pub fn from_words(op: &'static str, v: &[u32]) -> Result<Resize2d> {
        if v.len() != Self::WORDS {
            return Err(CoreError::new(op, format!("resize spec has {} words, expected {}", v.len(), Self::WORDS)));
        }
        let mode = match v[6] {
            0 => Interpolation::Nearest,
            1 => Interpolation::Bilinear,
            m => return Err(CoreError::new(op, format!("unknown interpolation {m}, expected 0 (nearest) or 1 (bilinear)"))),
        };
        let u = |i: usize| v[i] as usize;
        Resize2d::new(op, [u(0), u(1), u(2), u(3)], [u(4), u(5)], mode, v[7] != 0, v[8] != 0)
    }

    pub fn new(op: &'static str, x: [usize; 4], out: [usize; 2], mode: Interpolation, align_corners: bool, half_pixel_centers: bool) -> Result<Resize2d> {
        let [n, h, w, c] = x;
        if h == 0 || w == 0 || c == 0 || out[0] == 0 || out[1] == 0 {
            return Err(CoreError::new(op, format!("sizes must be at least 1, got input [{n},{h},{w},{c}] and output size [{},{}]", out[0], out[1])));
        }
        if align_corners && half_pixel_centers {
            return Err(CoreError::new(op, "alignCorners and halfPixelCenters cannot both be true"));
        }
        Ok(Resize2d { n, h, w, c, out_h: out[0], out_w: out[1], mode, align_corners, half_pixel_centers })
    }

    pub fn input_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }
    pub fn output_len(&self) -> usize {
        self.n * self.out_h * self.out_w * self.c
    }

    fn scale(&self, input: usize, output: usize) -> f64 {
        if self.align_corners && output > 1 {
            (input - 1) as f64 / (output - 1) as f64
        } else {
            input as f64 / output as f64
        }
    }

    /// Source cell of output `o` on an axis of `input` cells, nearest mode.
    fn nearest(&self, input: usize, output: usize, o: usize) -> usize {
        let scale = self.scale(input, output);
        let s = if self.half_pixel_centers { scale * (o as f64 + 0.5) } else { scale * o as f64 };
        let s = if self.align_corners { s.round() } else { s.floor() };
        (s.max(0.0) as usize).min(input - 1)
    }

    /// `(lo, hi, t)` of output `o`, bilinear mode.
    fn linear(&self, input: usize, output: usize, o: usize) -> (usize, usize, f32) {
        let scale = self.scale(input, output);
        let s = if self.half_pixel_centers { scale * (o as f64 + 0.5) - 0.5 } else { scale * o as f64 };
        let lo = s.floor().max(0.0);
        let hi = (s.ceil().max(0.0) as usize).min(input - 1);
        ((lo as usize).min(input - 1), hi, (s - lo) as f32)
    }
}

fn check(op: &'static str, p: &Resize2d, input: usize, output: usize) -> Result<()> {
    check_len(op, "input", input, p.input_len())?;
    check_len(op, "output", output, p.output_len())
}

// ---------------------------------------------------------------------------
// Forward.

/// `y = resize(x)`; overwrites `y`.
pub fn resize2d(p: &Resize2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check("resize2d", p, x.len(), y.len())?;
    let row_len = p.out_w * p.c;
    let rows = p.n * p.out_h;
    let chunk = par::chunk_size(rows, (1 << 14) / row_len.max(1));
    par::for_each_out_chunk(y, row_len, chunk, |first, piece| {
        for (i, y_row) in piece.chunks_mut(row_len).enumerate() {
            let r = first + i;
            f32_resize_row__simd128(p, x, r / p.out_h, r % p.out_h, y_row);
        }
    });
    Ok(())
}

/// One output row `(b, oy)`.
fn f32_resize_row__simd128(p: &Resize2d, x: &[f32], b: usize, oy: usize, y_row: &mut [f32]) {
    let (w, c) = (p.w, p.c);
    let img = &x[b * p.h * w * c..][..p.h * w * c];
    match p.mode {
        Interpolation::Nearest => {
            let src = &img[p.nearest(p.h, p.out_h, oy) * w * c..][..w * c];
            for ox in 0..p.out_w {
                let ix = p.nearest(w, p.out_w, ox);
                y_row[ox * c..][..c].copy_from_slice(&src[ix * c..][..c]);
            }
        }
        Interpolation::Bilinear => {
            let (y0, y1, ty) = p.linear(p.h, p.out_h, oy);
            let (top, bot) = (&img[y0 * w * c..][..w * c], &img[y1 * w * c..][..w * c]);
            let vty = F32x4::splat(ty);
            for ox in 0..p.out_w {
                let (x0, x1, tx) = p.linear(w, p.out_w, ox);
                let vtx = F32x4::splat(tx);
                let out = &mut y_row[ox * c..][..c];
                let (tl, tr, bl, br) = (&top[x0 * c..][..c], &top[x1 * c..][..c], &bot[x0 * c..][..c], &bot[x1 * c..][..c]);
                let mut ch = 0;
                while ch + 4 <= c {
                    // SAFETY: all five slices have length c and ch + 4 <= c.
                    unsafe {
                        let (vtl, vtr) = (F32x4::load(tl.as_ptr().add(ch)), F32x4::load(tr.as_ptr().add(ch)));
                        let (vbl, vbr) = (F32x4::load(bl.as_ptr().add(ch)), F32x4::load(br.as_ptr().add(ch)));
                        let vtop = vtl.mul_add(vtr.sub(vtl), vtx);
                        let vbot = vbl.mul_add(vbr.sub(vbl), vtx);
                        vtop.mul_add(vbot.sub(vtop), vty).store(out.as_mut_ptr().add(ch));
                    }
                    ch += 4;
                }
                for ch in ch..c {
                    let t = tl[ch] + (tr[ch] - tl[ch]) * tx;
                    let u = bl[ch] + (br[ch] - bl[ch]) * tx;
                    out[ch] = t + (u - t) * ty;
                }
            }
        }
    }
}

/// Scalar reference of [`resize2d`].
pub fn resize2d_ref(p: &Resize2d, x: &[f32], y: &mut [f32]) -> Result<()> {
    check("resize2d", p, x.len(), y.len())?;
    let (h, w, c) = (p.h, p.w, p.c);
    let at = |b: usize, iy: usize, ix: usize, ch: usize| x[((b * h + iy) * w + ix) * c + ch];
    for b in 0..p.n {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for ch in 0..c {
                    let v = match p.mode {
                        Interpolation::Nearest => at(b, p.nearest(h, p.out_h, oy), p.nearest(w, p.out_w, ox), ch),
                        Interpolation::Bilinear => {
                            let (y0, y1, ty) = p.linear(h, p.out_h, oy);
                            let (x0, x1, tx) = p.linear(w, p.out_w, ox);
                            let t = at(b, y0, x0, ch) + (at(b, y0, x1, ch) - at(b, y0, x0, ch)) * tx;
                            let u = at(b, y1, x0, ch) + (at(b, y1, x1, ch) - at(b, y1, x0, ch)) * tx;
                            t + (u - t) * ty
                        }
                    };
                    y[((b * p.out_h + oy) * p.out_w + ox) * c + ch] = v;
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Backward.

/// `dx` of [`resize2d`] from `dy`; overwrites `dx`.
pub fn resize2d_backward(p: &Resize2d, dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check("resize2dBackward", p, dx.len(), dy.len())?;
    let img_len = p.h * p.w * p.c;
    par::for_each_out_chunk(dx, img_len, 1, |b, piece| {
        for (i, img) in piece.chunks_mut(img_len).enumerate() {
            f32_resize_backward_image__simd128(p, dy, b + i, img);
        }
    });
    Ok(())
}

/// `a[..] += v[..] * s` over `c` channels, four lanes at a time.
#[inline(always)]
fn axpy_row(a: &mut [f32], v: &[f32], s: f32) {
    let c = a.len();
    let vs = F32x4::splat(s);
    let mut ch = 0;
    while ch + 4 <= c {
        // SAFETY: a and v have length c, ch + 4 <= c.
        unsafe { F32x4::load(a.as_ptr().add(ch)).mul_add(F32x4::load(v.as_ptr().add(ch)), vs).store(a.as_mut_ptr().add(ch)) };
        ch += 4;
    }
    for ch in ch..c {
        a[ch] += v[ch] * s;
    }
}

/// Scatters image `b`'s output gradients into its `dx` image.
fn f32_resize_backward_image__simd128(p: &Resize2d, dy: &[f32], b: usize, img: &mut [f32]) {
    let (w, c) = (p.w, p.c);
    img.fill(0.0);
    let g_img = &dy[b * p.out_h * p.out_w * c..][..p.out_h * p.out_w * c];
    for oy in 0..p.out_h {
        for ox in 0..p.out_w {
            let g = &g_img[(oy * p.out_w + ox) * c..][..c];
            match p.mode {
                Interpolation::Nearest => {
                    let (iy, ix) = (p.nearest(p.h, p.out_h, oy), p.nearest(w, p.out_w, ox));
                    axpy_row(&mut img[(iy * w + ix) * c..][..c], g, 1.0);
                }
                Interpolation::Bilinear => {
                    let (y0, y1, ty) = p.linear(p.h, p.out_h, oy);
                    let (x0, x1, tx) = p.linear(w, p.out_w, ox);
                    for (iy, ix, s) in [(y0, x0, (1.0 - ty) * (1.0 - tx)), (y0, x1, (1.0 - ty) * tx), (y1, x0, ty * (1.0 - tx)), (y1, x1, ty * tx)] {
                        axpy_row(&mut img[(iy * w + ix) * c..][..c], g, s);
                    }
                }
            }
        }
    }
}

/// Scalar reference of [`resize2d_backward`].
pub fn resize2d_backward_ref(p: &Resize2d, dy: &[f32], dx: &mut [f32]) -> Result<()> {
    check("resize2dBackward", p, dx.len(), dy.len())?;
    let (h, w, c) = (p.h, p.w, p.c);
    dx.fill(0.0);
    for b in 0..p.n {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for ch in 0..c {
                    let g = dy[((b * p.out_h + oy) * p.out_w + ox) * c + ch];
                    let mut add = |iy: usize, ix: usize, s: f32| dx[((b * h + iy) * w + ix) * c + ch] += g * s;
                    match p.mode {
                        Interpolation::Nearest => add(p.nearest(h, p.out_h, oy), p.nearest(w, p.out_w, ox), 1.0),
                        Interpolation::Bilinear => {
                            let (y0, y1, ty) = p.linear(h, p.out_h, oy);
                            let (x0, x1, tx) = p.linear(w, p.out_w, ox);
                            add(y0, x0, (1.0 - ty) * (1.0 - tx));
                            add(y0, x1, (1.0 - ty) * tx);
                            add(y1, x0, ty * (1.0 - tx));
                            add(y1, x1, ty * tx);
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
