//! Implicit im2col: the patch matrix `[out_pixels, kh*kw*cin]` never
//! exists. For the forward pass each patch row is described to the GEMM as
//! one segment per filter tap, pointing at that tap's input pixel (its `cin`
//! channels are contiguous in NHWC) or at a row of zeros where the tap falls
//! in the padding — XNNPACK's indirection idea. The filter gradient needs
//! the transpose and gathers it into the GEMM's scratch instead.

use crate::gemm::{PanelSource, RowScratch, RowSource, Seg, KC, MR};
use crate::par::SharedMut;
use crate::shape::Conv2d;
use crate::simd::F32x4;

/// Decomposes output pixel `m` (over the batch) into `(image, oy, ox)`.
#[inline(always)]
fn pixel(p: &Conv2d, m: usize) -> (usize, usize, usize) {
    let ow = p.x.output;
    let oh = p.y.output;
    (m / (oh * ow), (m / ow) % oh, m % ow)
}

/// Moves output pixel `pos = (image, oy, ox)` on by `step` pixels of its
/// output row (`ox + step <= output width`), wrapping to the next row and
/// image at the row's end.
#[inline(always)]
fn advance(p: &Conv2d, pos: &mut (usize, usize, usize), step: usize) {
    pos.2 += step;
    if pos.2 == p.x.output {
        pos.2 = 0;
        pos.1 += 1;
        if pos.1 == p.y.output {
            pos.1 = 0;
            pos.0 += 1;
        }
    }
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
        // Without horizontal dilation the kw taps of one kernel row are
        // consecutive pixels, so their kw * cin values are contiguous in
        // NHWC: one segment per kernel row instead of one per tap (with
        // cin = 3 that is 9 values per segment instead of 3).
        let merged = p.x.dilation == 1 && p.tuning.merged_patch_rows;
        let run_len = if merged { p.x.kernel * cin } else { cin };
        if merged && rows == MR && p.tuning.interior_row_panels && self.interior_row_panel(r0, k0, kc, run_len, segs) {
            return;
        }
        let pix: [(usize, usize, usize); MR] = core::array::from_fn(|r| pixel(p, r0 + r.min(rows - 1)));
        // Short runs (cin 3 with a 3x3 kernel: 9 values) are cheaper to
        // gather than to cut into pieces of a few values (A/B: 64x32x32x3->16
        // 7.16 ms gathered, 7.26 cut).
        if merged && run_len >= 16 && p.tuning.split_edge_segments {
            self.split_edge_rows(&pix, k0, kc, run_len, segs);
            return;
        }
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
                    *d = if ix >= 0 && (ix as usize) < p.x.input {
                        self.x[((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin + w % cin]
                    } else {
                        0.0
                    };
                }
                dst.as_ptr()
            });
            segs.push(Seg::new(a, len));
            k += len;
        }
    }
}

impl Patches<'_> {
    /// Row panels at the image's edges (merged kernel rows, no horizontal
    /// dilation): each kernel row's run of `kw * cin` values is cut where
    /// any of the `MR` rows goes from padding to image or back, so every
    /// piece is, for each row, either a contiguous run of its input row or
    /// zeros. Nothing is gathered: before, a row whose taps crossed the
    /// left or right padding copied its whole run (96-192 values on
    /// ResNet-style layers) value by value into the scratch, for every K
    /// block, and a stride-2 layer of width 8 has no interior panels at
    /// all. The same values in the same k order as the gather.
    #[inline(always)]
    fn split_edge_rows(&self, pix: &[(usize, usize, usize); MR], k0: usize, kc: usize, run_len: usize, segs: &mut Vec<Seg>) {
        let p = self.p;
        let cin = p.cin;
        let zeros = self.zeros.as_ptr();
        let mut k = k0;
        while k < k0 + kc {
            let (ky, within) = (k / run_len, k % run_len);
            let len = (run_len - within).min(k0 + kc - k);
            // Per row: the valid values [lo, hi) of this run and where its
            // value 0 (tap 0, channel 0) would be in x (maybe before x).
            let mut lo = [0usize; MR];
            let mut hi = [0usize; MR];
            let mut base = [0isize; MR];
            for r in 0..MR {
                let (n, oy, ox) = pix[r];
                let iy = p.y.input_index(oy, ky);
                if iy < 0 || iy as usize >= p.y.input {
                    continue; // a padding row: lo = hi = 0, all zeros
                }
                let ix0 = p.x.input_index(ox, 0);
                let first = (-ix0).max(0) as usize;
                let last = (p.x.input as isize - ix0).clamp(0, p.x.kernel as isize) as usize;
                if first < last {
                    lo[r] = first * cin;
                    hi[r] = last * cin;
                }
                base[r] = (((n * p.y.input + iy as usize) * p.x.input) as isize + ix0) * cin as isize;
            }
            // Cut points inside [within, within + len), in order.
            let end = within + len;
            let mut cuts = [0usize; 2 * MR + 2];
            let mut nc = 0;
            cuts[nc] = within;
            nc += 1;
            for &c in lo.iter().chain(hi.iter()) {
                if c > within && c < end {
                    cuts[nc] = c;
                    nc += 1;
                }
            }
            cuts[nc] = end;
            nc += 1;
            cuts[..nc].sort_unstable();
            for w in cuts[..nc].windows(2) {
                let (a, b) = (w[0], w[1]);
                if a == b {
                    continue;
                }
                let ptrs = core::array::from_fn(|r| {
                    if lo[r] <= a && b <= hi[r] {
                        // a >= lo[r]: the pixel is inside the image, so the offset is >= 0.
                        self.x[(base[r] + a as isize) as usize..][..b - a].as_ptr()
                    } else {
                        zeros
                    }
                });
                segs.push(Seg::new(ptrs, b - a));
            }
            k += len;
        }
    }

    /// The common case, without per-row work: the `MR` rows are pixels of
    /// one output row whose taps all fall inside the image horizontally
    /// (vertical padding makes a whole kernel row zeros, the same for all
    /// rows). Row `r`'s segment for kernel row `ky` then starts `r * sx`
    /// pixels after row 0's. False (nothing pushed) otherwise.
    #[inline(always)]
    fn interior_row_panel(&self, r0: usize, k0: usize, kc: usize, run_len: usize, segs: &mut Vec<Seg>) -> bool {
        let p = self.p;
        let cin = p.cin;
        let (n, oy, ox0) = pixel(p, r0);
        if ox0 + MR > p.x.output {
            return false;
        }
        let ix_first = p.x.input_index(ox0, 0);
        let ix_last = p.x.input_index(ox0 + MR - 1, p.x.kernel - 1);
        if ix_first < 0 || ix_last as usize >= p.x.input {
            return false;
        }
        let step = p.x.stride * cin;
        let mut k = k0;
        let (mut ky, mut within) = (k0 / run_len, k0 % run_len);
        while k < k0 + kc {
            let len = (run_len - within).min(k0 + kc - k);
            let iy = p.y.input_index(oy, ky);
            let a = if iy < 0 || iy as usize >= p.y.input {
                let z = self.zeros[..len].as_ptr();
                [z; MR]
            } else {
                let off = ((n * p.y.input + iy as usize) * p.x.input + ix_first as usize) * cin + within;
                let base = self.x[off..off + (MR - 1) * step + len].as_ptr();
                // SAFETY: the slice above covers all MR segments.
                core::array::from_fn(|r| unsafe { base.add(r * step) })
            };
            segs.push(Seg::new(a, len));
            k += len;
            ky += 1;
            within = 0;
        }
        true
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
        let interior_fast = p.tuning.filter_grad_interior_gather;
        // Runs of at least this many consecutive interior pixels of one
        // output row are read in place (a strided segment) instead of
        // gathered; shorter ones are not worth a segment. Not for same-tap
        // rows, whose 4-value gather is cheap (A/B: no gain on
        // 16x16x32->64 s2; 64x32x32x3->16 5.9 -> 3.5 ms, wasm, 1 thread).
        let strided = p.tuning.filter_grad_strided_runs && interior_fast;
        let min_run: usize = if same_tap { 16 } else { 8 };
        let step = p.x.stride * cin;
        let mut pos = pixel(p, self.m0 + k0);
        // Gathered values since `gathered_from` wait in scratch for their segment.
        let mut gathered_from = 0;
        let scratch_seg = |from: usize, to: usize, scratch: &RowScratch, segs: &mut Vec<Seg>| {
            if to > from {
                let ptrs: [*const f32; MR] = core::array::from_fn(|r| scratch[r.min(rows - 1) * KC + from..].as_ptr());
                segs.push(Seg::new(ptrs, to - from));
            }
        };
        let mut pp = 0;
        let mut short_until = 0;
        while pp < kc {
            let (n, oy, ox) = pos;
            let iy0 = (oy * p.y.stride) as isize - p.y.pad_before as isize;
            let ix0 = (ox * p.x.stride) as isize - p.x.pad_before as isize;
            let inside = iy0 >= 0 && ix0 >= 0 && iy0 + ky_max < p.y.input as isize && ix0 + kx_max < p.x.input as isize;
            if strided && inside && pp >= short_until {
                // Interior pixels left in this output row (and this block).
                let ix_limit = p.x.input as isize - 1 - kx_max + p.x.pad_before as isize;
                let last_ox = ((ix_limit as usize) / p.x.stride).min(p.x.output - 1);
                let run = (last_ox + 1 - ox).min(kc - pp);
                if run >= min_run {
                    scratch_seg(gathered_from, pp, scratch, segs);
                    let base = ((n * p.y.input + iy0 as usize) * p.x.input + ix0 as usize) * cin;
                    let span = &self.x[base..base + (run - 1) * step + rel[..rows].iter().max().unwrap() + 1];
                    let ptrs: [*const f32; MR] = core::array::from_fn(|r| span[rel[r.min(rows - 1)]..].as_ptr());
                    segs.push(Seg { a: ptrs, len: run, stride: step });
                    pp += run;
                    gathered_from = pp;
                    advance(p, &mut pos, run);
                    continue;
                }
                // Too short: gather this run without asking again.
                short_until = pp + run;
            }
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
            } else if interior_fast && inside {
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
            pp += 1;
            advance(p, &mut pos, 1);
        }
        scratch_seg(gathered_from, kc, scratch, segs);
    }
}

/// The patch matrix as the B side of `dW^T = dy^T * P` (the filter
/// gradient when `cin % 8 == 0`, which this source requires): panel rows
/// are patch positions (columns of P), the inner index is output pixels
/// `m0 + k`. The 8 positions of a panel are 8 channels of one tap, so each
/// pixel packs one contiguous copy (or zeros in the padding).
pub struct PatchesB<'a> {
    pub p: &'a Conv2d,
    pub x: &'a [f32],
    pub m0: usize,
}

impl PanelSource for PatchesB<'_> {
    fn pack(&self, r0: usize, rows: usize, k0: usize, kc: usize, pw: usize, out: &mut [f32]) {
        let p = self.p;
        let cin = p.cin;
        let out = &mut out[..kc * pw];
        let tap = |k: usize| ((k / cin / p.x.kernel * p.y.dilation) as isize, (k / cin % p.x.kernel * p.x.dilation) as isize, k % cin);
        let (ty, tx, ci0) = tap(r0);
        // Panels start at multiples of 8 positions and cin % 8 == 0: one tap.
        debug_assert!(ci0 + rows <= cin, "PatchesB needs cin % 8 == 0");
        let mut pos = pixel(p, self.m0 + k0);
        // Full panels (the common case): two vector copies per pixel rather
        // than `copy_from_slice` and `fill`, which in wasm are calls to
        // memory.copy / memory.fill for 32 bytes.
        if rows == 8 && pw == 8 {
            let zero = F32x4::zero();
            for kk in 0..kc {
                let (n, oy, ox) = pos;
                let dst = out[kk * 8..(kk + 1) * 8].as_mut_ptr();
                let iy0 = (oy * p.y.stride) as isize - p.y.pad_before as isize;
                let ix0 = (ox * p.x.stride) as isize - p.x.pad_before as isize;
                // SAFETY: dst holds 8 floats (the slice above); src is a
                // bounds-checked slice of 8 floats.
                match input_offset(p, n, iy0 + ty, ix0 + tx) {
                    Some(off) => unsafe {
                        let src = self.x[off + ci0..off + ci0 + 8].as_ptr();
                        F32x4::load(src).store(dst);
                        F32x4::load(src.add(4)).store(dst.add(4));
                    },
                    None => unsafe {
                        zero.store(dst);
                        zero.store(dst.add(4));
                    },
                }
                advance(p, &mut pos, 1);
            }
            return;
        }
        for kk in 0..kc {
            let (n, oy, ox) = pos;
            let dst = &mut out[kk * pw..(kk + 1) * pw];
            let iy0 = (oy * p.y.stride) as isize - p.y.pad_before as isize;
            let ix0 = (ox * p.x.stride) as isize - p.x.pad_before as isize;
            match input_offset(p, n, iy0 + ty, ix0 + tx) {
                Some(off) => {
                    dst[..rows].copy_from_slice(&self.x[off + ci0..off + ci0 + rows]);
                    dst[rows..].fill(0.0);
                }
                None => dst.fill(0.0),
            }
            advance(p, &mut pos, 1);
        }
    }
}

/// [`PatchesB`]'s panels for output pixels `m0..m0 + len`, packed in one
/// pass over the pixels (`Tuning::filter_grad_pack_by_pixel`): each pixel's
/// window is located once and each tap's `cin` channels copied into its
/// `cin / 8` panels, instead of every panel walking all pixels again
/// (36 walks on a 3x3x32 patch). The panels are not zero-filled first:
/// every row of every panel is written (zeros in the padding). Parallel
/// over pixel blocks; pure copies, so any split gives the same bits.
/// Needs `cin % 8 == 0`, as [`PatchesB`].
pub fn pack_patches_b(p: &Conv2d, x: &[f32], m0: usize, len: usize) -> crate::gemm::PackedB<'static> {
    use crate::gemm::NR;
    let cin = p.cin;
    debug_assert!(cin.is_multiple_of(NR));
    let k = p.patch_len();
    let cpan = cin / NR;
    let panels = k / NR;
    let total = panels * len * NR;
    let mut data: Vec<f32> = Vec::with_capacity(total);
    let out = SharedMut::from_raw(data.as_mut_ptr());
    let block = 64usize;
    let zero = F32x4::zero();
    crate::par::for_each_chunk(len.div_ceil(block), if total >= 1 << 16 { 1 } else { usize::MAX }, |blocks| {
        for b in blocks {
            let (kk0, kk1) = (b * block, ((b + 1) * block).min(len));
            let mut pos = pixel(p, m0 + kk0);
            for kk in kk0..kk1 {
                let (n, oy, ox) = pos;
                for ky in 0..p.y.kernel {
                    let iy = p.y.input_index(oy, ky);
                    let row_ok = iy >= 0 && (iy as usize) < p.y.input;
                    for kx in 0..p.x.kernel {
                        let ix = p.x.input_index(ox, kx);
                        let tap = ky * p.x.kernel + kx;
                        let src = (row_ok && ix >= 0 && (ix as usize) < p.x.input).then(|| ((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin);
                        for c in 0..cpan {
                            // SAFETY: panel (tap * cpan + c), row kk lies inside the
                            // capacity (total floats); each kk is written by one task.
                            unsafe {
                                let dst = out.at(((tap * cpan + c) * len + kk) * NR);
                                match src {
                                    Some(o) => {
                                        let s = x[o + c * NR..o + c * NR + NR].as_ptr();
                                        F32x4::load(s).store(dst);
                                        F32x4::load(s.add(4)).store(dst.add(4));
                                    }
                                    None => {
                                        zero.store(dst);
                                        zero.store(dst.add(4));
                                    }
                                }
                            }
                        }
                    }
                }
                advance(p, &mut pos, 1);
            }
        }
    });
    // SAFETY: the loop above wrote every row of every panel.
    unsafe { data.set_len(total) };
    crate::gemm::PackedB::from_panels(data, len, k).expect("sized for its panels")
}

/// `dy^T` as the A side of `dW^T = dy^T * P`: row `co` is channel `co` of
/// the output gradient over pixels `m0 + k`, read in place (`cout` floats
/// apart, a strided segment). The same matrix as a transposed `Dense`,
/// which gathers instead: gathering wins when many column panels reuse the
/// A panel (transposed matMul 512x512x2048: 38 vs 43 ms strided), reading
/// in place wins here (64x16x16x32->64 s2 filter gradient: 6.4 vs 7.2 ms
/// gathered; wasm, 1 thread, A/B in one process).
pub struct GradT<'a> {
    pub dy: &'a [f32],
    pub cout: usize,
    pub m0: usize,
}

impl RowSource for GradT<'_> {
    fn rows(&self, r0: usize, rows: usize, k0: usize, kc: usize, _scratch: &mut RowScratch, segs: &mut Vec<Seg>) {
        let first = (self.m0 + k0) * self.cout + r0;
        let span = &self.dy[first..first + (kc - 1) * self.cout + rows];
        let a = core::array::from_fn(|r| span[r.min(rows - 1)..].as_ptr());
        segs.push(Seg { a, len: kc, stride: self.cout });
    }
}

/// Writes the patch rows of output pixels `m0..m0 + len` as a row-major
/// `[len, ld]` matrix (`ld >= patch_len`, the columns past it zero): row
/// `i` holds `x` at every tap of pixel `m0 + i`'s window, zeros where a
/// tap falls in the padding. An explicit im2col of a block of pixels, for
/// layers whose patch is short (a first layer: 3x3x3 = 27 values), where
/// one copy of the block feeds a GEMM that reads it in place.
pub fn fill_patch_rows(p: &Conv2d, x: &[f32], m0: usize, len: usize, ld: usize, out: &mut [f32]) {
    let cin = p.cin;
    let k = p.patch_len();
    let run = p.x.kernel * cin;
    debug_assert!(ld >= k && out.len() >= len * ld);
    let mut pos = pixel(p, m0);
    for row in out[..len * ld].chunks_exact_mut(ld) {
        let (n, oy, ox) = pos;
        for ky in 0..p.y.kernel {
            let dst = &mut row[ky * run..(ky + 1) * run];
            let iy = p.y.input_index(oy, ky);
            if iy < 0 || iy as usize >= p.y.input {
                zero(dst);
                continue;
            }
            let line = &x[(n * p.y.input + iy as usize) * p.x.input * cin..][..p.x.input * cin];
            let (ix0, ix1) = (p.x.input_index(ox, 0), p.x.input_index(ox, p.x.kernel - 1));
            if p.x.dilation == 1 && ix0 >= 0 && (ix1 as usize) < p.x.input {
                // The kw taps are consecutive pixels: one contiguous copy.
                copy(dst, &line[ix0 as usize * cin..][..run]);
                continue;
            }
            for (kx, d) in dst.chunks_exact_mut(cin).enumerate() {
                let ix = p.x.input_index(ox, kx);
                if ix < 0 || ix as usize >= p.x.input {
                    zero(d);
                } else {
                    copy(d, &line[ix as usize * cin..][..cin]);
                }
            }
        }
        zero(&mut row[k..]);
        advance(p, &mut pos, 1);
    }
}

/// `dst = src` by vectors and scalars: a few floats at a time, where
/// `copy_from_slice` would be a call to wasm's `memory.copy`.
#[inline(always)]
fn copy(dst: &mut [f32], src: &[f32]) {
    let len = dst.len().min(src.len());
    let mut i = 0;
    while i + 4 <= len {
        // SAFETY: i + 4 <= len for both slices.
        unsafe { F32x4::load(src.as_ptr().add(i)).store(dst.as_mut_ptr().add(i)) };
        i += 4;
    }
    while i < len {
        dst[i] = src[i];
        i += 1;
    }
}

/// `dst = 0` by vectors and scalars (see [`copy`]).
#[inline(always)]
fn zero(dst: &mut [f32]) {
    let len = dst.len();
    let mut i = 0;
    while i + 4 <= len {
        // SAFETY: i + 4 <= len.
        unsafe { F32x4::zero().store(dst.as_mut_ptr().add(i)) };
        i += 4;
    }
    while i < len {
        dst[i] = 0.0;
        i += 1;
    }
}
