//! Implicit im2col: the patch matrix `[out_pixels, kh*kw*cin]` never
//! exists. For the forward pass each patch row is described to the GEMM as
//! one segment per filter tap, pointing at that tap's input pixel (its `cin`
//! channels are contiguous in NHWC) or at a row of zeros where the tap falls
//! in the padding — XNNPACK's indirection idea. The filter gradient needs
//! the transpose and gathers it into the GEMM's scratch instead.

use crate::gemm::{fill_rows, RowScratch, RowSource, Seg, KC, MR};
use crate::shape::Conv2d;

/// Decomposes output pixel `m` (over the batch) into `(image, oy, ox)`.
#[inline(always)]
fn pixel(p: &Conv2d, m: usize) -> (usize, usize, usize) {
    let ow = p.x.output;
    let oh = p.y.output;
    (m / (oh * ow), (m / ow) % oh, m % ow)
}

/// Offset of input pixel `(n, iy, ix)` if it is inside the image.
#[inline(always)]
fn input_offset(p: &Conv2d, n: usize, iy: isize, ix: isize) -> Option<usize> {
    if iy < 0 || ix < 0 || iy as usize >= p.y.input || ix as usize >= p.x.input {
        return None;
    }
    Some(((n * p.y.input + iy as usize) * p.x.input + ix as usize) * p.cin)
}

/// Rows = output pixels `m`, inner index = patch position
/// `k = (ky * kw + kx) * cin + ci`. The forward pass's A.
pub struct Patches<'a> {
    pub p: &'a Conv2d,
    pub x: &'a [f32],
    /// At least `kw * cin` zeros: where taps in the top/bottom padding point.
    pub zeros: &'a [f32],
}

impl RowSource for Patches<'_> {
    fn rows(&self, r0: usize, rows: usize, k0: usize, kc: usize, scratch: &mut RowScratch, segs: &mut Vec<Seg>) {
        let p = self.p;
        let cin = p.cin;
        let pix: [(usize, usize, usize); MR] = core::array::from_fn(|r| pixel(p, r0 + r.min(rows - 1)));
        // Without horizontal dilation the kw taps of one kernel row are
        // consecutive pixels, so their kw * cin values are contiguous in
        // NHWC: one segment per kernel row instead of one per tap (with
        // cin = 3 that is 9 values per segment instead of 3).
        let merged = p.x.dilation == 1 && crate::par::tuning(0, 2) == 2;
        let run_len = if merged { p.x.kernel * cin } else { cin };
        let mut k = k0;
        while k < k0 + kc {
            let (tap_row, within) = (k / run_len, k % run_len);
            let len = (run_len - within).min(k0 + kc - k);
            let a = core::array::from_fn(|r| {
                let (n, oy, ox) = pix[r];
                // First (kernel row, tap) of this segment.
                let (ky, kx0) = if merged { (tap_row, within / cin) } else { (tap_row / p.x.kernel, tap_row % p.x.kernel) };
                let ci0 = within % cin;
                let iy = p.y.input_index(oy, ky);
                if iy < 0 || iy as usize >= p.y.input {
                    return self.zeros[..len].as_ptr();
                }
                let last = within + len - 1;
                let kx1 = if merged { last / cin } else { kx0 };
                let (ix0, ix1) = (p.x.input_index(ox, kx0), p.x.input_index(ox, kx1));
                if ix0 >= 0 && (ix1 as usize) < p.x.input {
                    let off = ((n * p.y.input + iy as usize) * p.x.input + ix0 as usize) * cin + ci0;
                    return self.x[off..off + len].as_ptr();
                }
                // The segment crosses the left or right padding: gather it
                // into this row's scratch with zeros where the taps fall out.
                let dst = &mut scratch[r * KC + (k - k0)..r * KC + (k - k0) + len];
                for (e, d) in dst.iter_mut().enumerate() {
                    let w = within + e;
                    let ix = p.x.input_index(ox, if merged { w / cin } else { kx0 });
                    *d = if ix >= 0 && (ix as usize) < p.x.input { self.x[((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin + w % cin] } else { 0.0 };
                }
                dst.as_ptr()
            });
            segs.push(Seg { a, len });
            k += len;
        }
    }
}

/// The transpose: rows = patch positions `k`, inner index = output pixels
/// `m` (offset by `m0`). The filter gradient's A (`dW = patches^T * dy`).
pub struct PatchesT<'a> {
    pub p: &'a Conv2d,
    pub x: &'a [f32],
    /// First output pixel of the chunk this source covers.
    pub m0: usize,
}

impl RowSource for PatchesT<'_> {
    fn rows(&self, r0: usize, rows: usize, k0: usize, kc: usize, scratch: &mut RowScratch, segs: &mut Vec<Seg>) {
        let p = self.p;
        let cin = p.cin;
        // Per row: its tap offsets (in dilated input pixels) and channel.
        let mut dy = [0isize; MR];
        let mut dx = [0isize; MR];
        let mut ch = [0usize; MR];
        for r in 0..rows {
            let k = r0 + r;
            let tap = k / cin;
            ch[r] = k % cin;
            dy[r] = ((tap / p.x.kernel) * p.y.dilation) as isize;
            dx[r] = ((tap % p.x.kernel) * p.x.dilation) as isize;
        }
        // Rows that are consecutive channels of one tap read MR contiguous
        // input values per pixel (the common case when cin % 4 == 0).
        let same_tap = rows == MR && (1..MR).all(|r| dy[r] == dy[0] && dx[r] == dx[0] && ch[r] == ch[0] + r);
        // Offset of each row's value from the window's top-left input value,
        // for pixels whose whole window lies inside the image (no bounds
        // check per row there).
        let mut rel = [0usize; MR];
        for r in 0..rows {
            rel[r] = (dy[r] as usize * p.x.input + dx[r] as usize) * cin + ch[r];
        }
        let ky_max = ((p.y.kernel - 1) * p.y.dilation) as isize;
        let kx_max = ((p.x.kernel - 1) * p.x.dilation) as isize;
        let interior_fast = crate::par::tuning(3, 2) == 2;
        let (mut n, mut oy, mut ox) = pixel(p, self.m0 + k0);
        for pp in 0..kc {
            let iy0 = (oy * p.y.stride) as isize - p.y.pad_before as isize;
            let ix0 = (ox * p.x.stride) as isize - p.x.pad_before as isize;
            if same_tap {
                match input_offset(p, n, iy0 + dy[0], ix0 + dx[0]) {
                    Some(off) => {
                        let v = &self.x[off + ch[0]..off + ch[0] + MR];
                        for r in 0..MR {
                            scratch[r * KC + pp] = v[r];
                        }
                    }
                    None => {
                        for r in 0..MR {
                            scratch[r * KC + pp] = 0.0;
                        }
                    }
                }
            } else if interior_fast && iy0 >= 0 && ix0 >= 0 && iy0 + ky_max < p.y.input as isize && ix0 + kx_max < p.x.input as isize {
                let base = ((n * p.y.input + iy0 as usize) * p.x.input + ix0 as usize) * cin;
                let win = &self.x[base..];
                for r in 0..rows {
                    scratch[r * KC + pp] = win[rel[r]];
                }
            } else {
                for r in 0..rows {
                    scratch[r * KC + pp] = match input_offset(p, n, iy0 + dy[r], ix0 + dx[r]) {
                        Some(off) => self.x[off + ch[r]],
                        None => 0.0,
                    };
                }
            }
            // Next output pixel.
            ox += 1;
            if ox == p.x.output {
                ox = 0;
                oy += 1;
                if oy == p.y.output {
                    oy = 0;
                    n += 1;
                }
            }
        }
        let mut ptrs = [core::ptr::null(); MR];
        for (r, ptr) in ptrs.iter_mut().enumerate().take(rows) {
            *ptr = scratch[r * KC..].as_ptr();
        }
        segs.push(Seg { a: fill_rows(ptrs, rows), len: kc });
    }
}
