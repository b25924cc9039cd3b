//! Filter gradient of stride-1, undilated 3x3 convolutions by Winograd
//! F(3x3, 2x2) (Lavin & Gray 2016, the "transposed" use: the 2x2 block of
//! output gradients plays the filter, the 3x3 filter gradient is the output).
//!
//! ```text
//! dw[ky,kx,ci,co] = sum over 2x2 output tiles t of
//!                   sum_{i,j<2} x_t[ky+i, kx+j, ci] * dy_t[i, j, co]
//!                 = A^T [ sum_t (B^T x_t B)[ci] ⊙ (G dy_t G^T)[co] ] A
//! ```
//!
//! so for each of the 16 transformed positions ξ the sum over tiles is one
//! GEMM `M[ξ] = E[ξ]^T V[ξ]` (`E: [tiles, cout]`, `V: [tiles, cin]`), run on
//! the shared 4x8 micro-kernel. 16 multiplies per tile and channel pair
//! instead of 36. The tile sum is split into fixed chunks whose partial
//! `M`s are added in chunk order, so any thread count gives the same bits.
//!
//! Matrices (points 0, 1, -1, ∞), checked numerically against the direct sum:
//! `B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,-1,0,1]]`,
//! `G = [[1,0],[½,½],[½,-½],[0,1]]`, `A^T = [[1,1,1,0],[0,1,-1,0],[0,1,1,1]]`.

use super::winograd::Lane;
use super::SharedOut;
use crate::gemm::{drive, Dense, Out, PackedB, Run};
use crate::par;
use crate::shape::Conv2d;
use crate::simd::F32x4;

const XI: usize = 16;

/// True when this path computes the filter gradient (and is worth it).
pub fn applies(p: &Conv2d) -> bool {
    let shape_ok = p.y.kernel == 3 && p.x.kernel == 3 && p.y.stride == 1 && p.x.stride == 1 && p.y.dilation == 1 && p.x.dilation == 1;
    // Each partial sum holds 16 * cin * cout floats: keep them modest.
    crate::par::tuning(2, 2) == 2 && shape_ok && p.cin >= 4 && p.cout >= 8 && XI * p.cin * p.cout <= 1 << 21
}

/// `B^T d B`, d and the result 4x4 row-major.
#[inline(always)]
fn input_tile<T: Lane>(d: &[T; XI]) -> [T; XI] {
    let mut r = *d;
    for c in 0..4 {
        let (d0, d1, d2, d3) = (d[c], d[4 + c], d[8 + c], d[12 + c]);
        r[c] = d0 - d2;
        r[4 + c] = d1 + d2;
        r[8 + c] = d2 - d1;
        r[12 + c] = d3 - d1;
    }
    let mut v = r;
    for i in 0..4 {
        let (a0, a1, a2, a3) = (r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
        v[4 * i] = a0 - a2;
        v[4 * i + 1] = a1 + a2;
        v[4 * i + 2] = a2 - a1;
        v[4 * i + 3] = a3 - a1;
    }
    v
}

/// `G e G^T`, e 2x2 row-major, result 4x4.
#[inline(always)]
fn grad_tile<T: Lane>(e: &[T; 4], half: T) -> [T; XI] {
    // t = G e (4x2)
    let mut t = [e[0]; 8];
    for c in 0..2 {
        let (e0, e1) = (e[c], e[2 + c]);
        t[c] = e0;
        t[2 + c] = (e0 + e1) * half;
        t[4 + c] = (e0 - e1) * half;
        t[6 + c] = e1;
    }
    let mut u = [e[0]; XI];
    for r in 0..4 {
        let (a0, a1) = (t[2 * r], t[2 * r + 1]);
        u[4 * r] = a0;
        u[4 * r + 1] = (a0 + a1) * half;
        u[4 * r + 2] = (a0 - a1) * half;
        u[4 * r + 3] = a1;
    }
    u
}

/// `A^T m A`, m 4x4, result 3x3 row-major.
#[inline(always)]
fn output_tile(m: &[f32; XI]) -> [f32; 9] {
    let mut s = [0.0f32; 12];
    for c in 0..4 {
        let (m0, m1, m2, m3) = (m[c], m[4 + c], m[8 + c], m[12 + c]);
        s[c] = m0 + m1 + m2;
        s[4 + c] = m1 - m2;
        s[8 + c] = m1 + m2 + m3;
    }
    let mut y = [0.0f32; 9];
    for i in 0..3 {
        let (a0, a1, a2, a3) = (s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]);
        y[3 * i] = a0 + a1 + a2;
        y[3 * i + 1] = a1 - a2;
        y[3 * i + 2] = a1 + a2 + a3;
    }
    y
}

/// Tiles per block inside a task: V and E of a block fit in about 1 MiB.
fn block_tiles(p: &Conv2d) -> usize {
    ((1usize << 18) / (XI * (p.cin + p.cout))).clamp(8, 512)
}

/// `dw` for a convolution where [`applies`] holds; lengths checked by the caller.
pub fn conv2d_backward_filter_winograd(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let th = p.y.output.div_ceil(2);
    let tw = p.x.output.div_ceil(2);
    let total = p.n * th * tw;
    let block = block_tiles(p);
    // Partial sums over fixed chunks of tiles (shape-only sizes).
    let chunk = (total.div_ceil(16)).max(block).div_ceil(block) * block;
    let mut m = vec![0.0f32; XI * cout * cin];
    par::reduce_chunks(total, chunk, &mut m, |range, partial| {
        let mut v = vec![0.0f32; XI * block * cin];
        let mut e = vec![0.0f32; XI * block * cout];
        let mut t0 = range.start;
        let mut first = true;
        while t0 < range.end {
            let nt = block.min(range.end - t0);
            for t in 0..nt {
                transform_tile(p, x, dy, t0 + t, th, tw, t, nt, &mut v, &mut e);
            }
            for xi in 0..XI {
                // M^T[ξ] (cout x cin) += E[ξ]^T (cout x nt) · V[ξ] (nt x cin).
                let a = Dense { data: &e[xi * nt * cout..(xi + 1) * nt * cout], ld: cout, rows_are_contiguous: false };
                let b = PackedB::new(&Dense { data: &v[xi * nt * cin..(xi + 1) * nt * cin], ld: cin, rows_are_contiguous: false }, nt, cin);
                let out = Out::new(&mut partial[xi * cout * cin..(xi + 1) * cout * cin], cout, cin, cin);
                drive(cout, nt, &a, &b, out, Run { parallel: false, accumulate: !first, ..Run::default() });
            }
            first = false;
            t0 += nt;
        }
    });
    // dw[ky,kx,ci,co] = (A^T M[.][co][ci] A)[ky,kx].
    let dwp = SharedOut(dw.as_mut_ptr());
    par::for_each_chunk(cout, par::chunk_size(cout, 4), |cos| {
        for co in cos {
            for ci in 0..cin {
                let mt: [f32; XI] = core::array::from_fn(|xi| m[(xi * cout + co) * cin + ci]);
                for (k, val) in output_tile(&mt).iter().enumerate() {
                    // SAFETY: each (ci, co) is written by one task.
                    unsafe { *dwp.at((k * cin + ci) * cout + co) = *val };
                }
            }
        }
    });
}

/// Transforms tile `tile`'s input patch (into `v[ξ][slot][..cin]`) and its
/// 2x2 block of output gradients (into `e[ξ][slot][..cout]`).
#[allow(clippy::too_many_arguments)]
fn transform_tile(p: &Conv2d, x: &[f32], dy: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, v: &mut [f32], e: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let iy0 = (ty * 2) as isize - p.y.pad_before as isize;
    let ix0 = (tx * 2) as isize - p.x.pad_before as isize;
    let xoffs: [Option<usize>; XI] = core::array::from_fn(|i| {
        let (iy, ix) = (iy0 + (i / 4) as isize, ix0 + (i % 4) as isize);
        (iy >= 0 && ix >= 0 && (iy as usize) < p.y.input && (ix as usize) < p.x.input).then(|| ((img * p.y.input + iy as usize) * p.x.input + ix as usize) * cin)
    });
    let doffs: [Option<usize>; 4] = core::array::from_fn(|i| {
        let (oy, ox) = (ty * 2 + i / 2, tx * 2 + i % 2);
        (oy < p.y.output && ox < p.x.output).then(|| ((img * p.y.output + oy) * p.x.output + ox) * cout)
    });
    let vdst = |xi: usize, c: usize| (xi * nt + slot) * cin + c;
    let mut c = 0;
    while c + 4 <= cin {
        let d: [F32x4; XI] = core::array::from_fn(|i| xoffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(x.as_ptr().add(o + c)) }));
        for (xi, val) in input_tile(&d).iter().enumerate() {
            unsafe { val.store(v.as_mut_ptr().add(vdst(xi, c))) };
        }
        c += 4;
    }
    for c in c..cin {
        let d: [f32; XI] = core::array::from_fn(|i| xoffs[i].map_or(0.0, |o| x[o + c]));
        for (xi, val) in input_tile(&d).iter().enumerate() {
            v[vdst(xi, c)] = *val;
        }
    }
    let edst = |xi: usize, c: usize| (xi * nt + slot) * cout + c;
    let mut c = 0;
    while c + 4 <= cout {
        let g: [F32x4; 4] = core::array::from_fn(|i| doffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(dy.as_ptr().add(o + c)) }));
        for (xi, val) in grad_tile(&g, F32x4::splat(0.5)).iter().enumerate() {
            unsafe { val.store(e.as_mut_ptr().add(edst(xi, c))) };
        }
        c += 4;
    }
    for c in c..cout {
        let g: [f32; 4] = core::array::from_fn(|i| doffs[i].map_or(0.0, |o| dy[o + c]));
        for (xi, val) in grad_tile(&g, 0.5).iter().enumerate() {
            e[edst(xi, c)] = *val;
        }
    }
}
