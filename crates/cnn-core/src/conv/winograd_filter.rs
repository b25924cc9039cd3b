//! Filter gradient of stride-1, undilated 3x3 convolutions by Winograd
//! F(3x3, 2x2) and F(3x3, 4x4) (Lavin & Gray 2016, the "transposed" use: an
//! `m x m` block of output gradients plays the filter, the 3x3 filter
//! gradient is the output).
//!
//! ```text
//! dw[ky,kx,ci,co] = sum over m x m output tiles t of
//!                   sum_{i,j<m} x_t[ky+i, kx+j, ci] * dy_t[i, j, co]
//!                 = A^T [ sum_t (B^T x_t B)[ci] ⊙ (G dy_t G^T)[co] ] A
//! ```
//!
//! so for each of the α² transformed positions ξ (`α = m + 2`) the sum over
//! tiles is one GEMM `M[ξ] = E[ξ]^T V[ξ]` (`E: [tiles, cout]`,
//! `V: [tiles, cin]`), run on the shared 4x8 micro-kernel. Per tile and
//! channel pair: 16 multiplies instead of 36 (m = 2), 36 instead of 144
//! (m = 4). The tile sum is split into fixed chunks whose partial `M`s are
//! added in chunk order, so any thread count gives the same bits.
//!
//! Matrices, checked numerically against the direct sum (tests):
//!
//! - m = 2, points 0, 1, -1, ∞: `B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,-1,0,1]]`,
//!   `G = [[1,0],[½,½],[½,-½],[0,1]]`, `A^T = [[1,1,1,0],[0,1,-1,0],[0,1,1,1]]`.
//! - m = 4, points 0, ±1, ±2, ∞: `B^T` of the forward F(4x4, 3x3) (the
//!   input transform depends only on the points), `G` the Vandermonde rows
//!   `[1, a, a², a³]` scaled by ¼, -⅙, -⅙, 1/24, 1/24, 1 (the scaling the
//!   forward `G` carries), `A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,1]]`
//!   (Vandermonde columns `[1, a, a²]`). By the transposition principle, the
//!   correlation `y_i = sum_j d_{i+j} g_j` is the transpose of the linear
//!   convolution whose Toom-Cook form is `C [(E_r g) ⊙ (E_m u)]`, so
//!   `A^T = E_m^T`, `G = E_r`, `B^T = C^T` for any `m`, `r` over the same points.

use super::winograd::{Lane, Tiling, F4, MAX_ALPHA, MAX_XI};
use super::SharedOut;
use crate::gemm::{drive, Dense, Out, PackedB, Run};
use crate::par;
use crate::shape::Conv2d;
use crate::simd::F32x4;

/// The two tilings (by the side of the output-gradient block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// F(3x3, 2x2): 4x4 input tiles.
    G2,
    /// F(3x3, 4x4): 6x6 input tiles.
    G4,
}

/// Which tiling computes this filter gradient, if any is worth it.
/// Measured A/B in one process (`benches/tuning.mjs --switch 2 --op dw
/// --values 1,3,4`, wasm, 1 thread; ms direct / F(3x3, 2x2) / F(3x3, 4x4)):
///
/// ```text
/// 64x32x32x16->32  29.6 / 21.2 / 14.3     64x32x32x3->16   5.8 / 11.9 / 7.5
/// 64x16x16x64->64  46.3 / 30.6 / 19.6     64x32x32x4->16   5.5 / 10.2 / 6.1
/// 1x56x56x64->64   14.0 /  9.0 /  6.4     64x32x32x8->16  10.0 / 11.7 / 7.0
/// 64x8x8x64->64    17.8 / 11.9 /  7.9     1x7x7x256->256   2.2 /  5.3 / 10.5
/// ```
///
/// Few input channels leave the tile transforms nothing to amortise over,
/// and few tiles leave the α² GEMMs too short.
///
/// Tuning switch 2: 1 = never, 2 = this rule (default), 3 = F(3x3, 2x2)
/// and 4 = F(3x3, 4x4) on every eligible shape.
pub fn choose(p: &Conv2d) -> Option<Variant> {
    let shape_ok = p.y.kernel == 3 && p.x.kernel == 3 && p.y.stride == 1 && p.x.stride == 1 && p.y.dilation == 1 && p.x.dilation == 1;
    if !shape_ok {
        return None;
    }
    match crate::par::tuning(2, 2) {
        1 => return None,
        3 => return Some(Variant::G2),
        4 => return Some(Variant::G4),
        _ => {}
    }
    // Each partial sum holds α² * cin * cout floats: keep them modest.
    let fits = |xis: usize| xis * p.cin * p.cout <= 1 << 21;
    let tiles = |m: usize| p.n * p.y.output.div_ceil(m) * p.x.output.div_ceil(m);
    if p.cin < 8 || p.cout < 8 {
        return None;
    }
    if tiles(4) >= 48 && fits(36) {
        return Some(Variant::G4);
    }
    (tiles(2) >= 128 && fits(16)).then_some(Variant::G2)
}

/// True when [`choose`] picks a Winograd path.
pub fn applies(p: &Conv2d) -> bool {
    choose(p).is_some()
}

/// One tiling's 1-D transforms (arrays sized for the largest).
trait GradTiling {
    const ALPHA: usize;
    /// Side of the output-gradient block.
    const M: usize;
    /// `B^T d`.
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
    /// `G e` (e of `M`).
    fn grad_1d<T: Lane>(e: [T; 4]) -> [T; MAX_ALPHA];
    /// `A^T m` (3 of `ALPHA`).
    fn output_1d(m: [f32; MAX_ALPHA]) -> [f32; 3];
}

struct G2;
impl GradTiling for G2 {
    const ALPHA: usize = 4;
    const M: usize = 2;
    #[inline(always)]
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [d0, d1, d2, d3, ..] = d;
        [d0 - d2, d1 + d2, d2 - d1, d3 - d1, d0, d0]
    }
    #[inline(always)]
    fn grad_1d<T: Lane>(e: [T; 4]) -> [T; MAX_ALPHA] {
        let [e0, e1, ..] = e;
        let half = T::splat(0.5);
        [e0, (e0 + e1) * half, (e0 - e1) * half, e1, e1, e1]
    }
    #[inline(always)]
    fn output_1d(m: [f32; MAX_ALPHA]) -> [f32; 3] {
        let [m0, m1, m2, m3, ..] = m;
        [m0 + m1 + m2, m1 - m2, m1 + m2 + m3]
    }
}

struct G4;
impl GradTiling for G4 {
    const ALPHA: usize = 6;
    const M: usize = 4;
    #[inline(always)]
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        F4::input_1d(d)
    }
    #[inline(always)]
    fn grad_1d<T: Lane>([e0, e1, e2, e3]: [T; 4]) -> [T; MAX_ALPHA] {
        let s = T::splat(-1.0 / 6.0);
        let (even, odd) = (e0 + e2, e1 + e3);
        let a = e0 * T::splat(1.0 / 24.0) + e2 * T::splat(1.0 / 6.0);
        let b = e1 * T::splat(1.0 / 12.0) + e3 * T::splat(1.0 / 3.0);
        [e0 * T::splat(0.25), (even + odd) * s, (even - odd) * s, a + b, a - b, e3]
    }
    #[inline(always)]
    fn output_1d([m0, m1, m2, m3, m4, m5]: [f32; MAX_ALPHA]) -> [f32; 3] {
        let (a, b) = (m1 + m2, m1 - m2);
        let (c, d) = (m3 + m4, m3 - m4);
        [m0 + a + c, b + 2.0 * d, a + 4.0 * c + m5]
    }
}

/// `B^T d B`, d and the result α x α row-major.
#[inline(always)]
fn input_tile<W: GradTiling, T: Lane>(d: &[T; MAX_XI]) -> [T; MAX_XI] {
    let a = W::ALPHA;
    let mut r = *d;
    for c in 0..a {
        let col = W::input_1d(core::array::from_fn(|i| d[i.min(a - 1) * a + c]));
        for i in 0..a {
            r[i * a + c] = col[i];
        }
    }
    let mut v = r;
    for i in 0..a {
        let row = W::input_1d(core::array::from_fn(|j| r[i * a + j.min(a - 1)]));
        v[i * a..i * a + a].copy_from_slice(&row[..a]);
    }
    v
}

/// `G e G^T`, e m x m row-major, result α x α.
#[inline(always)]
fn grad_tile<W: GradTiling, T: Lane>(e: &[T; 16]) -> [T; MAX_XI] {
    let (a, m) = (W::ALPHA, W::M);
    let mut t = [e[0]; 4 * MAX_ALPHA]; // G e: α x m
    for c in 0..m {
        let col = W::grad_1d(core::array::from_fn(|i| e[i.min(m - 1) * m + c]));
        for r in 0..a {
            t[r * m + c] = col[r];
        }
    }
    let mut u = [e[0]; MAX_XI];
    for r in 0..a {
        let row = W::grad_1d(core::array::from_fn(|j| t[r * m + j.min(m - 1)]));
        u[a * r..a * r + a].copy_from_slice(&row[..a]);
    }
    u
}

/// `A^T m A`, m α x α, result 3x3 row-major.
#[inline(always)]
fn output_tile<W: GradTiling>(m: &[f32; MAX_XI]) -> [f32; 9] {
    let a = W::ALPHA;
    let mut s = [0.0f32; 3 * MAX_ALPHA];
    for c in 0..a {
        let col = W::output_1d(core::array::from_fn(|i| m[i.min(a - 1) * a + c]));
        for i in 0..3 {
            s[i * a + c] = col[i];
        }
    }
    let mut y = [0.0f32; 9];
    for i in 0..3 {
        let row = W::output_1d(core::array::from_fn(|j| s[i * a + j.min(a - 1)]));
        y[3 * i..3 * i + 3].copy_from_slice(&row);
    }
    y
}

/// Tiles per block inside a task: V and E of a block fit in about 1 MiB.
fn block_tiles(p: &Conv2d, xis: usize) -> usize {
    ((1usize << 18) / (xis * (p.cin + p.cout))).clamp(8, 512)
}

/// `dw` by the tiling [`choose`] picks (F(3x3, 2x2) when it picks none);
/// the caller checked the shape (3x3, stride 1, undilated) and lengths.
pub fn conv2d_backward_filter_winograd(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    conv2d_backward_filter_winograd_variant(p, x, dy, dw, choose(p).unwrap_or(Variant::G2))
}

pub fn conv2d_backward_filter_winograd_variant(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32], variant: Variant) {
    match variant {
        Variant::G2 => run::<G2>(p, x, dy, dw),
        Variant::G4 => run::<G4>(p, x, dy, dw),
    }
}

fn run<W: GradTiling>(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let xis = W::ALPHA * W::ALPHA;
    let th = p.y.output.div_ceil(W::M);
    let tw = p.x.output.div_ceil(W::M);
    let total = p.n * th * tw;
    let block = block_tiles(p, xis);
    // Partial sums over fixed chunks of tiles (shape-only sizes).
    let chunk = (total.div_ceil(16)).max(block).div_ceil(block) * block;
    let mut m = vec![0.0f32; xis * cout * cin];
    par::reduce_chunks(total, chunk, &mut m, |range, partial| {
        let mut v = vec![0.0f32; xis * block * cin];
        let mut e = vec![0.0f32; xis * block * cout];
        let mut t0 = range.start;
        let mut first = true;
        while t0 < range.end {
            let nt = block.min(range.end - t0);
            for t in 0..nt {
                transform_tile::<W>(p, x, dy, t0 + t, th, tw, t, nt, &mut v, &mut e);
            }
            for xi in 0..xis {
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
                let mt: [f32; MAX_XI] = core::array::from_fn(|xi| if xi < xis { m[(xi * cout + co) * cin + ci] } else { 0.0 });
                for (k, val) in output_tile::<W>(&mt).iter().enumerate() {
                    // SAFETY: each (ci, co) is written by one task.
                    unsafe { *dwp.at((k * cin + ci) * cout + co) = *val };
                }
            }
        }
    });
}

/// Transforms tile `tile`'s input patch (into `v[ξ][slot][..cin]`) and its
/// m x m block of output gradients (into `e[ξ][slot][..cout]`).
#[allow(clippy::too_many_arguments)]
fn transform_tile<W: GradTiling>(p: &Conv2d, x: &[f32], dy: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, v: &mut [f32], e: &mut [f32]) {
    let (cin, cout, a, mm) = (p.cin, p.cout, W::ALPHA, W::M);
    let xis = a * a;
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let iy0 = (ty * mm) as isize - p.y.pad_before as isize;
    let ix0 = (tx * mm) as isize - p.x.pad_before as isize;
    let xoffs: [Option<usize>; MAX_XI] = core::array::from_fn(|i| {
        let (iy, ix) = (iy0 + (i / a) as isize, ix0 + (i % a) as isize);
        (i < xis && iy >= 0 && ix >= 0 && (iy as usize) < p.y.input && (ix as usize) < p.x.input).then(|| ((img * p.y.input + iy as usize) * p.x.input + ix as usize) * cin)
    });
    let doffs: [Option<usize>; 16] = core::array::from_fn(|i| {
        let (oy, ox) = (ty * mm + i / mm, tx * mm + i % mm);
        (i < mm * mm && oy < p.y.output && ox < p.x.output).then(|| ((img * p.y.output + oy) * p.x.output + ox) * cout)
    });
    let vdst = |xi: usize, c: usize| (xi * nt + slot) * cin + c;
    let mut c = 0;
    while c + 4 <= cin {
        let d: [F32x4; MAX_XI] = core::array::from_fn(|i| xoffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(x.as_ptr().add(o + c)) }));
        for (xi, val) in input_tile::<W, _>(&d)[..xis].iter().enumerate() {
            unsafe { val.store(v.as_mut_ptr().add(vdst(xi, c))) };
        }
        c += 4;
    }
    for c in c..cin {
        let d: [f32; MAX_XI] = core::array::from_fn(|i| xoffs[i].map_or(0.0, |o| x[o + c]));
        for (xi, val) in input_tile::<W, _>(&d)[..xis].iter().enumerate() {
            v[vdst(xi, c)] = *val;
        }
    }
    let edst = |xi: usize, c: usize| (xi * nt + slot) * cout + c;
    let mut c = 0;
    while c + 4 <= cout {
        let g: [F32x4; 16] = core::array::from_fn(|i| doffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(dy.as_ptr().add(o + c)) }));
        for (xi, val) in grad_tile::<W, _>(&g)[..xis].iter().enumerate() {
            unsafe { val.store(e.as_mut_ptr().add(edst(xi, c))) };
        }
        c += 4;
    }
    for c in c..cout {
        let g: [f32; 16] = core::array::from_fn(|i| doffs[i].map_or(0.0, |o| dy[o + c]));
        for (xi, val) in grad_tile::<W, _>(&g)[..xis].iter().enumerate() {
            e[edst(xi, c)] = *val;
        }
    }
}
