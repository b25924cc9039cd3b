//! The transposed filter gradient `dW^T = dy^T P` of strided layers with
//! `P` read where it lies (`Tuning::filter_grad_runs`): for one tap, the
//! patch rows of the pixels along an output row are the input's pixels
//! `sx * cin` floats apart, so each tap's `cin / 8` column panels of `P`
//! are runs of input pixels ([`RunB`], the pixels whose tap falls inside
//! the image), which `f32_gemm_4x8_runs_packed__simd128` reads in place.
//! Packing `P` ([`super::im2col::pack_patches_b`]) copied every patch, 2.25
//! times the input for 3x3 stride 2, and the product then read the copy
//! once per row panel of `dy^T`.
//!
//! ```text
//! dW^T[co, (ky, kx, ci)] = sum over pixels m of dy[m, co] * x[n, oy*sy + ky*dy - pt, ox*sx + kx*dx - pl, ci]
//! ```
//!
//! Measured A/B (`benches/tuning.mjs --switch 41 --values 1,2 --op dw`,
//! wasm, one process, ms packed / runs, load 3.6-4.8): 64x8x8x64->64 s2
//! 4.24 / 3.71 and (41 rounds, two samples of each) 4.20, 4.22 / 2.44,
//! 3.70 at 1 thread, 8.41 / 6.09 at 2; 64x16x16x32->64 s2 3.83 / 3.28 and
//! 6.07, 6.06 / 5.78, 5.72, at 2 threads 7.99 / 5.82; 8x56x56x64->64 s2
//! 29.0 / 21.7. The runs read B rows `2 * cin` floats apart (512 bytes for
//! 64 channels), which the same-process samples of the runs path show as
//! bimodal (2.3-2.4 or 3.7-4.1 ms on 64x8x8x64).

use crate::gemm::kernel::{f32_gemm_4x8_runs_packed__simd128, RunB};
use crate::gemm::{KC, KC_LONG, MR, NR};
use crate::par;
use crate::par::SharedMut;
use crate::shape::Conv2d;
use core::ops::Range;

/// Whether the transposed filter gradient (`cin % 8 == 0`, its caller's
/// rule) reads its patches in place: strided layers, whole 4-channel row
/// panels of `dy^T`.
pub(crate) fn applies(p: &Conv2d) -> bool {
    p.tuning.filter_grad_runs && (p.y.stride > 1 || p.x.stride > 1) && p.cin.is_multiple_of(NR) && p.cout.is_multiple_of(MR) && p.cout > 0
}

/// The K blocks of a chunk of `len` pixels: those of the GEMM driver
/// (`gemm::drive`: one block up to `KC`, else `KC_LONG`), so that the sums
/// are the driver's, bit for bit.
fn k_block(p: &Conv2d, len: usize) -> usize {
    if len <= KC && p.tuning.gemm_single_k_block {
        len
    } else {
        KC_LONG
    }
}

/// `out[co, kk] = sum over pixels m in range of dy[m, co] * P[m, kk]`
/// (`out`: `cout x patch_len`, overwritten). Tasks are (tap, row panel),
/// tap-major: the row panels of one tap read the same pixels of x while
/// they are in cache; each task writes its own 4 x cin block of `out`.
pub(crate) fn filter_grad_runs(p: &Conv2d, x: &[f32], dy: &[f32], range: Range<usize>, out: &mut [f32]) {
    let (cin, cout, k) = (p.cin, p.cout, p.patch_len());
    let (kw, taps) = (p.x.kernel, p.y.kernel * p.x.kernel);
    let len = range.len();
    debug_assert!(applies(p) && out.len() == cout * k);
    let a = super::pack_dy_t(&dy[range.start * cout..range.end * cout], cout);
    let kb = k_block(p, len);
    let blocks = len.div_ceil(kb);
    // runs[bounds[b * taps + t]..bounds[b * taps + t + 1]]: K block b, tap t.
    let mut runs: Vec<RunB> = Vec::new();
    let mut bounds = vec![0usize];
    for blk in 0..blocks {
        let (k0, k1) = (blk * kb, ((blk + 1) * kb).min(len));
        for tap in 0..taps {
            tap_runs(p, tap / kw, tap % kw, range.start, k0..k1, &mut runs);
            bounds.push(runs.len());
        }
    }
    let row_panels = cout / MR;
    let ldb = p.x.stride * cin;
    let o = SharedMut::new(out);
    let tasks = taps * row_panels;
    par::for_each_chunk(tasks, par::chunk_size(tasks, 1), |ts| {
        for t in ts {
            let (tap, rp) = (t / row_panels, t % row_panels);
            for blk in 0..blocks {
                let rs = &runs[bounds[blk * taps + tap]..bounds[blk * taps + tap + 1]];
                // SAFETY: A's panel rp holds len rows of MR floats; every run
                // covers pixels of the chunk whose tap lies inside x, each row
                // reading 8 floats per panel of the tap's cin channels; out's
                // rows 4 rp.. at columns tap * cin.. (cin floats) are this
                // task's only.
                unsafe {
                    f32_gemm_4x8_runs_packed__simd128(a[rp * len * MR..].as_ptr(), rs, x.as_ptr(), ldb, NR, cin / NR, o.at(rp * MR * k + tap * cin), k, blk > 0)
                };
            }
        }
    });
}

/// Appends the runs of tap `(ky, kx)` over the chunk's pixels `m0 + ks`
/// (`ks` relative to the chunk): one per output row piece, cut to the
/// pixels whose tap lies inside the input; `a` is the pixel's index in the
/// chunk, `b` the offset of its tap's first channel in x.
fn tap_runs(p: &Conv2d, ky: usize, kx: usize, m0: usize, ks: Range<usize>, runs: &mut Vec<RunB>) {
    let (ow, oh, cin) = (p.x.output, p.y.output, p.cin);
    let (sx, iw) = (p.x.stride, p.x.input);
    // Output columns whose tap column lies inside the input: ix = ox * sx + off in 0..iw.
    let off = (kx * p.x.dilation) as isize - p.x.pad_before as isize;
    let ox_lo = if off >= 0 { 0 } else { (-off as usize).div_ceil(sx) };
    let ox_hi = if (iw as isize) <= off { 0 } else { ((iw as isize - 1 - off) as usize / sx + 1).min(ow) };
    let mut m = m0 + ks.start;
    let end = m0 + ks.end;
    while m < end {
        let (n, oy, ox) = (m / (oh * ow), (m / ow) % oh, m % ow);
        let piece = (ow - ox).min(end - m);
        let iy = p.y.input_index(oy, ky);
        let (lo, hi) = (ox.max(ox_lo), (ox + piece).min(ox_hi));
        if iy >= 0 && (iy as usize) < p.y.input && lo < hi {
            let ix = (lo as isize * sx as isize + off) as usize;
            runs.push(RunB { a: m - m0 + (lo - ox), b: ((n * p.y.input + iy as usize) * iw + ix) * cin, len: hi - lo });
        }
        m += piece;
    }
}
