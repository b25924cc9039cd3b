//! Winograd minimal filtering F(2x2, 3x3) for stride-1, undilated 3x3
//! convolutions (Lavin & Gray, "Fast Algorithms for Convolutional Neural
//! Networks", 2016).
//!
//! Each 2x2 block of outputs comes from a 4x4 input tile:
//! `Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A`. Summed over input channels, the
//! element-wise product becomes 16 independent GEMMs
//! `M[ξ] = V[ξ] · U[ξ]` (`V[ξ]: [tiles, cin]`, `U[ξ]: [cin, cout]`), which
//! run on the same packed 4x8 micro-kernel as everything else. That is 16
//! multiplies per 2x2 outputs instead of 36: 2.25x fewer than the direct
//! method. The coefficients are 0, ±1 and ½, so the transforms add no
//! rounding error beyond a few additions (tests bound it at 1e-4 relative).
//!
//! Tiles are processed in blocks sized so that a block's V and M stay in
//! L2; blocks are independent tasks (each output is written by one task).

use super::SharedOut;
use crate::gemm::{drive, Activation, Dense, Out, PackedB, Run};
use crate::par;
use crate::shape::Conv2d;
use crate::simd::F32x4;
use core::ops::{Add, Mul, Sub};

/// Tile side in the transformed domain, and outputs per tile side.
const ALPHA: usize = 4;
const OUT: usize = 2;
const XI: usize = ALPHA * ALPHA;

/// True when the Winograd path computes this convolution, and is worth it:
/// 3x3, stride 1, no dilation, and at least 32 input and output channels.
/// Below that the 16 GEMMs (K = cin, N = cout) are too small for the
/// micro-kernel and the direct path wins (measured A/B in one process with
/// `setTuning(1, ..)`: e.g. 64x32x32x16->32 direct 24.0 ms, Winograd 28.5 ms;
/// 64x16x16x64->64 direct 45 ms, Winograd 30 ms).
///
/// It also needs enough tiles: each tile block streams the whole transformed
/// filter (16 cin x cout matrices), so with few tiles and many channels
/// (14x14x512 at batch 1: 49 tiles, 16 MiB of filter) the direct GEMM,
/// which reads its 9 cin x cout filter once, wins.
pub fn applies(p: &Conv2d) -> bool {
    let tiles = p.n * p.y.output.div_ceil(OUT) * p.x.output.div_ceil(OUT);
    crate::par::tuning(1, 2) == 2
        && p.y.kernel == 3
        && p.x.kernel == 3
        && p.y.stride == 1
        && p.x.stride == 1
        && p.y.dilation == 1
        && p.x.dilation == 1
        && p.cin >= 32
        && p.cout >= 32
        && tiles >= 128
}

/// What the transforms need of a lane type, so they are written once for
/// `f32` (channel tails) and `F32x4`.
pub(super) trait Lane: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {}
impl Lane for f32 {}
impl Lane for F32x4 {}

/// `U = G g G^T`, g 3x3 row-major, U 4x4 row-major.
#[inline(always)]
fn filter_tile<T: Lane>(g: &[T; 9], half: T) -> [T; XI] {
    // t = G g (4x3)
    let mut t = [g[0]; 12];
    for c in 0..3 {
        let (g0, g1, g2) = (g[c], g[3 + c], g[6 + c]);
        t[c] = g0;
        t[3 + c] = (g0 + g1 + g2) * half;
        t[6 + c] = (g0 - g1 + g2) * half;
        t[9 + c] = g2;
    }
    // U = t G^T (4x4)
    let mut u = [g[0]; XI];
    for r in 0..4 {
        let (t0, t1, t2) = (t[3 * r], t[3 * r + 1], t[3 * r + 2]);
        u[4 * r] = t0;
        u[4 * r + 1] = (t0 + t1 + t2) * half;
        u[4 * r + 2] = (t0 - t1 + t2) * half;
        u[4 * r + 3] = t2;
    }
    u
}

/// `V = B^T d B`, d and V 4x4 row-major.
#[inline(always)]
fn input_tile<T: Lane>(d: &[T; XI]) -> [T; XI] {
    let mut r = *d;
    for c in 0..4 {
        let (d0, d1, d2, d3) = (d[c], d[4 + c], d[8 + c], d[12 + c]);
        r[c] = d0 - d2;
        r[4 + c] = d1 + d2;
        r[8 + c] = d2 - d1;
        r[12 + c] = d1 - d3;
    }
    let mut v = r;
    for i in 0..4 {
        let (a0, a1, a2, a3) = (r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
        v[4 * i] = a0 - a2;
        v[4 * i + 1] = a1 + a2;
        v[4 * i + 2] = a2 - a1;
        v[4 * i + 3] = a1 - a3;
    }
    v
}

/// `Y = A^T m A`, m 4x4, Y 2x2 row-major.
#[inline(always)]
fn output_tile<T: Lane>(m: &[T; XI]) -> [T; 4] {
    let mut s = [m[0]; 8];
    for c in 0..4 {
        let (m0, m1, m2, m3) = (m[c], m[4 + c], m[8 + c], m[12 + c]);
        s[c] = m0 + m1 + m2;
        s[4 + c] = m1 - m2 - m3;
    }
    let mut y = [m[0]; 4];
    for i in 0..2 {
        let (a0, a1, a2, a3) = (s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]);
        y[2 * i] = a0 + a1 + a2;
        y[2 * i + 1] = a1 - a2 - a3;
    }
    y
}

/// The filter in the transformed domain, packed for the micro-kernel:
/// one `PackedB` of `[cin, cout]` per ξ.
pub struct TransformedFilter {
    packed: Vec<PackedB>,
}

impl TransformedFilter {
    pub fn new(p: &Conv2d, w: &[f32]) -> TransformedFilter {
        let (cin, cout) = (p.cin, p.cout);
        let mut u = vec![0.0f32; XI * cin * cout];
        // Rows of U[ξ] are input channels; parallel over them.
        let up = SharedOut(u.as_mut_ptr());
        let chunk = if XI * cin * cout >= 1 << 16 { par::chunk_size(cin, 4) } else { cin };
        par::for_each_chunk(cin, chunk, |range| {
            for ci in range {
                let tap = |t: usize, co: usize| (t * cin + ci) * cout + co;
                let mut co = 0;
                while co + 4 <= cout {
                    let g: [F32x4; 9] = core::array::from_fn(|t| unsafe { F32x4::load(w.as_ptr().add(tap(t, co))) });
                    let ut = filter_tile(&g, F32x4::splat(0.5));
                    for (xi, v) in ut.iter().enumerate() {
                        // SAFETY: each (ci, co) is written by one task.
                        unsafe { v.store(up.at((xi * cin + ci) * cout + co)) };
                    }
                    co += 4;
                }
                for co in co..cout {
                    let g: [f32; 9] = core::array::from_fn(|t| w[tap(t, co)]);
                    let ut = filter_tile(&g, 0.5);
                    for (xi, v) in ut.iter().enumerate() {
                        unsafe { *up.at((xi * cin + ci) * cout + co) = *v };
                    }
                }
            }
        });
        let packed = (0..XI)
            .map(|xi| PackedB::new(&Dense { data: &u[xi * cin * cout..(xi + 1) * cin * cout], ld: cout, rows_are_contiguous: false }, cin, cout))
            .collect();
        TransformedFilter { packed }
    }
}

/// Tiles per block: V and M of a block (`16 * T * (cin + cout)` floats)
/// fit in about 1 MiB. Shape-only.
fn block_tiles(p: &Conv2d) -> usize {
    ((1usize << 18) / (XI * (p.cin + p.cout))).clamp(4, 256) / 4 * 4
}

/// `y = act(conv2d(x, w) + bias)` by F(2x2, 3x3). Caller checked
/// [`applies`] and the buffer lengths.
pub fn conv2d_winograd(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    let filter = TransformedFilter::new(p, w);
    conv2d_winograd_with(p, x, &filter, bias, act, y)
}

pub fn conv2d_winograd_with(p: &Conv2d, x: &[f32], filter: &TransformedFilter, bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let th = p.y.output.div_ceil(OUT);
    let tw = p.x.output.div_ceil(OUT);
    let total = p.n * th * tw;
    let block = block_tiles(p);
    let yp = SharedOut(y.as_mut_ptr());
    par::for_each_chunk(total.div_ceil(block), 1, |blocks| {
        let mut v = vec![0.0f32; XI * block * cin];
        let mut m = vec![0.0f32; XI * block * cout];
        for b in blocks {
            let t0 = b * block;
            let nt = block.min(total - t0);
            for t in 0..nt {
                transform_input(p, x, t0 + t, th, tw, t, nt, &mut v);
            }
            for xi in 0..XI {
                let a = Dense { data: &v[xi * nt * cin..(xi + 1) * nt * cin], ld: cin, rows_are_contiguous: true };
                let out = Out::new(&mut m[xi * nt * cout..(xi + 1) * nt * cout], nt, cout, cout);
                drive(nt, cin, &a, &filter.packed[xi], out, Run { parallel: false, ..Run::default() });
            }
            for t in 0..nt {
                // SAFETY: every output pixel belongs to exactly one tile.
                unsafe { transform_output(p, &m, t0 + t, th, tw, t, nt, bias, act, yp) };
            }
        }
    });
}

/// Writes tile `tile`'s 16 transformed vectors into `v[ξ][slot][..cin]`.
fn transform_input(p: &Conv2d, x: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, v: &mut [f32]) {
    let cin = p.cin;
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let iy0 = (ty * OUT) as isize - p.y.pad_before as isize;
    let ix0 = (tx * OUT) as isize - p.x.pad_before as isize;
    // Offsets of the 16 input pixels, or None outside the image.
    let offs: [Option<usize>; XI] = core::array::from_fn(|i| {
        let (iy, ix) = (iy0 + (i / ALPHA) as isize, ix0 + (i % ALPHA) as isize);
        (iy >= 0 && ix >= 0 && (iy as usize) < p.y.input && (ix as usize) < p.x.input).then(|| ((img * p.y.input + iy as usize) * p.x.input + ix as usize) * cin)
    });
    let dst = |xi: usize, c: usize| (xi * nt + slot) * cin + c;
    let mut c = 0;
    while c + 4 <= cin {
        let d: [F32x4; XI] = core::array::from_fn(|i| match offs[i] {
            Some(o) => unsafe { F32x4::load(x.as_ptr().add(o + c)) },
            None => F32x4::zero(),
        });
        for (xi, val) in input_tile(&d).iter().enumerate() {
            unsafe { val.store(v.as_mut_ptr().add(dst(xi, c))) };
        }
        c += 4;
    }
    for c in c..cin {
        let d: [f32; XI] = core::array::from_fn(|i| offs[i].map_or(0.0, |o| x[o + c]));
        for (xi, val) in input_tile(&d).iter().enumerate() {
            v[dst(xi, c)] = *val;
        }
    }
}

/// Reads tile `tile`'s `m[ξ][slot][..cout]`, writes its (up to) 2x2 outputs.
#[allow(clippy::too_many_arguments)]
unsafe fn transform_output(p: &Conv2d, m: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, bias: Option<&[f32]>, act: Activation, y: SharedOut) {
    let cout = p.cout;
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let (oy0, ox0) = (ty * OUT, tx * OUT);
    let outs: [Option<usize>; 4] = core::array::from_fn(|i| {
        let (oy, ox) = (oy0 + i / OUT, ox0 + i % OUT);
        (oy < p.y.output && ox < p.x.output).then(|| ((img * p.y.output + oy) * p.x.output + ox) * cout)
    });
    let src = |xi: usize, c: usize| (xi * nt + slot) * cout + c;
    let relu = act == Activation::Relu;
    let mut c = 0;
    while c + 4 <= cout {
        let mv: [F32x4; XI] = core::array::from_fn(|xi| F32x4::load(m.as_ptr().add(src(xi, c))));
        let b = bias.map_or(F32x4::zero(), |b| F32x4::load(b.as_ptr().add(c)));
        for (i, val) in output_tile(&mv).iter().enumerate() {
            if let Some(o) = outs[i] {
                let mut r = *val + b;
                if relu {
                    r = r.max(F32x4::zero());
                }
                r.store(y.at(o + c));
            }
        }
        c += 4;
    }
    for c in c..cout {
        let mv: [f32; XI] = core::array::from_fn(|xi| m[src(xi, c)]);
        let b = bias.map_or(0.0, |b| b[c]);
        for (i, val) in output_tile(&mv).iter().enumerate() {
            if let Some(o) = outs[i] {
                let mut r = *val + b;
                if relu && r < 0.0 {
                    r = 0.0;
                }
                *y.at(o + c) = r;
            }
        }
    }
}
