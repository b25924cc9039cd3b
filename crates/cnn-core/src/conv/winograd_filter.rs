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

use super::winograd::{input_rows, separable, separable_groups, separable_rows, shape_ok, tiles, Lane, TileRows, Tiling, F4, GROUPS, MAX_ALPHA, MAX_XI};
use crate::gemm::kernel::{f32_gemm_4x8__simd128_ldb, f32_gemm_4x8_panels_strided__simd128, Tile};
use crate::gemm::{Seg, MR, NR};
use crate::par::{self, SharedMut};
use crate::shape::Conv2d;
use crate::simd::F32x4;
use crate::tuning::Winograd;

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
/// 64x32x32x16->32  29.6 / 21.2 / 14.3     64x32x32x3->16   3.5 / 5.7 / 3.3
/// 64x16x16x64->64  46.3 / 30.6 / 19.6     64x32x32x4->16   6.6 / 5.2 / 2.5
/// 1x56x56x64->64   14.0 /  9.0 /  6.4     64x28x28x1->16   1.5 / 4.8 / 1.8
/// 64x8x8x64->64    17.8 / 11.9 /  7.9     1x7x7x256->256   2.1 / 2.2 / 4.5
/// ```
///
/// (left column before the F(3x3, 4x4) GEMM read its operands in place,
/// which made it another 1.5x faster: 64x32x32x16->32 14.5 -> 9.6 ms).
/// Below 4 input channels the tile transforms have nothing to amortise
/// over, and few tiles leave the α² GEMMs too short.
///
/// `Tuning::winograd_filter_grad` (switch 2): `Off` never, `Auto` this rule
/// (default), `Small` F(3x3, 2x2) and `Large` F(3x3, 4x4) on every eligible shape.
pub fn choose(p: &Conv2d) -> Option<Variant> {
    if !shape_ok(p) {
        return None;
    }
    match p.tuning.winograd_filter_grad {
        Winograd::Off => return None,
        Winograd::Small => return Some(Variant::G2),
        Winograd::Large => return Some(Variant::G4),
        Winograd::Auto => {}
    }
    // Each partial sum holds α² * cin * cout floats: keep them modest.
    let fits = |xis: usize| xis * p.cin * p.cout <= 1 << 21;
    if p.cin < 4 || p.cout < 8 {
        return None;
    }
    // Phased, F(3x3, 4x4) holds no partial sums, so wide layers take it
    // too (`benches/tuning.mjs --switch 12 --values 1,2 --op dw`, wasm,
    // load 5, ms F(3x3, 2x2) block loop / F(3x3, 4x4) phased: 1x56x56x256->256
    // 111 / 46 at 1 thread, 75 / 35 at 2; 1x28x28x512->512 209 / 94 and
    // 101 / 41; 1x112x112x128->128 82 / 57 and 44 / 32).
    if tiles(p, 4) >= 48 && (fits(36) || phased(p, 36)) {
        return Some(Variant::G4);
    }
    // Phased, F(3x3, 2x2) also pays with fewer tiles (1x14x14x512->512,
    // 49 tiles: direct 32.9, F(3x3, 2x2) phased 25.6, F(3x3, 4x4) 35.7 ms;
    // 1x7x7x512->512, 16 tiles: 12.6 / 13.6 / 21.9; wasm, 1 thread).
    let g2 = (tiles(p, 2) >= 128 && fits(16)) || (tiles(p, 2) >= 48 && phased(p, 16));
    g2.then_some(Variant::G2)
}

/// True when [`choose`] picks a Winograd path.
pub fn applies(p: &Conv2d) -> bool {
    choose(p).is_some()
}

/// One tiling's 1-D transforms, for [`separable`] (arrays sized for the
/// largest tiling, as in the forward's `Tiling`).
trait GradTiling {
    const ALPHA: usize;
    /// Side of the output-gradient block.
    const M: usize;
    /// `B^T d` (`ALPHA` to `ALPHA`).
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
    /// `G e` (`M` to `ALPHA`).
    fn grad_1d<T: Lane>(e: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
    /// `A^T m` (`ALPHA` to 3).
    fn output_1d<T: Lane>(m: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
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
    fn grad_1d<T: Lane>(e: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [e0, e1, ..] = e;
        let half = T::splat(0.5);
        [e0, (e0 + e1) * half, (e0 - e1) * half, e1, e1, e1]
    }
    #[inline(always)]
    fn output_1d<T: Lane>(m: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [m0, m1, m2, m3, ..] = m;
        [m0 + m1 + m2, m1 - m2, m1 + m2 + m3, m0, m0, m0]
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
    fn grad_1d<T: Lane>(e: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [e0, e1, e2, e3, ..] = e;
        let s = T::splat(-1.0 / 6.0);
        let (even, odd) = (e0 + e2, e1 + e3);
        let a = e0 * T::splat(1.0 / 24.0) + e2 * T::splat(1.0 / 6.0);
        let b = e1 * T::splat(1.0 / 12.0) + e3 * T::splat(1.0 / 3.0);
        [e0 * T::splat(0.25), (even + odd) * s, (even - odd) * s, a + b, a - b, e3]
    }
    #[inline(always)]
    fn output_1d<T: Lane>([m0, m1, m2, m3, m4, m5]: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let (a, b) = (m1 + m2, m1 - m2);
        let (c, d) = (m3 + m4, m3 - m4);
        [m0 + a + c, b + d * T::splat(2.0), a + c * T::splat(4.0) + m5, m0, m0, m0]
    }
}

/// `B^T d B`, d and the result α x α row-major (streamed, see [`separable`]).
#[inline(always)]
fn input_tile<W: GradTiling, T: Lane>(load: impl Fn(usize) -> T, store: impl FnMut(usize, T)) {
    separable(W::ALPHA, W::ALPHA, W::input_1d, load, store)
}

/// `G e G^T`, e m x m row-major, result α x α.
#[inline(always)]
fn grad_tile<W: GradTiling, T: Lane>(load: impl Fn(usize) -> T, store: impl FnMut(usize, T)) {
    separable(W::M, W::ALPHA, W::grad_1d, load, store)
}

/// `A^T m A`, m α x α row-major, result 3x3.
#[inline(always)]
fn output_tile<W: GradTiling, T: Lane>(load: impl Fn(usize) -> T, store: impl FnMut(usize, T)) {
    separable(W::ALPHA, 3, W::output_1d, load, store)
}

/// How the transformed output gradients `E[ξ]` (`[slots, cout]` each, the
/// B of the α² GEMMs) are laid out in the scratch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ELayout {
    /// The micro-kernel's packed B: per ξ, `np` panels of `[slot][NR]`
    /// (padding columns when `cout % NR != 0`).
    Panels,
    /// Row-major `[slot][cout]` per ξ, read in place by the GEMMs (rows
    /// `cout` apart). Only when `cout % NR == 0`, so there are no partial
    /// panels. A tile's channels then go to one run per ξ instead of `np`
    /// runs `nt * NR` floats apart: the transforms' stores fill whole cache
    /// lines (`Tuning::winograd_filter_e_rows`).
    Rows,
}

impl ELayout {
    fn of(p: &Conv2d) -> ELayout {
        if p.tuning.winograd_filter_e_rows && p.cout.is_multiple_of(NR) {
            ELayout::Rows
        } else {
            ELayout::Panels
        }
    }

    /// Offset of channel `c` of slot `slot` in `E[0]` (ξ's matrices are
    /// [`ELayout::plane`] floats apart in both layouts).
    #[inline(always)]
    fn at(self, cout: usize, nt: usize, slot: usize, c: usize) -> usize {
        match self {
            ELayout::Panels => (c / NR * nt + slot) * NR + c % NR,
            ELayout::Rows => slot * cout + c,
        }
    }

    /// Floats between `E[ξ]` and `E[ξ + 1]`: `np * nt * NR` (= `nt * cout` for `Rows`).
    fn plane(cout: usize, nt: usize) -> usize {
        cout.div_ceil(NR) * nt * NR
    }

    /// B of the GEMMs: (offset of `E[ξ]`'s column panel `j`, `ldb`, `panel_step`).
    fn panel(self, cout: usize, nt: usize, xi: usize, j: usize) -> (usize, usize, usize) {
        let e = xi * ELayout::plane(cout, nt);
        match self {
            ELayout::Panels => (e + j * nt * NR, NR, nt * NR),
            ELayout::Rows => (e + j * NR, cout, NR),
        }
    }
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

/// [`run_phased`] whatever [`phased`] says, in passes of at most
/// `max_floats` floats of transforms (at least one tile): for the tests,
/// which check it on small shapes and with several passes.
pub fn conv2d_backward_filter_winograd_phased(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32], variant: Variant, max_floats: usize) {
    match variant {
        Variant::G2 => run_phased::<G2>(p, x, dy, dw, max_floats),
        Variant::G4 => run_phased::<G4>(p, x, dy, dw, max_floats),
    }
}

fn run<W: GradTiling>(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let xis = W::ALPHA * W::ALPHA;
    let th = p.y.output.div_ceil(W::M);
    let tw = p.x.output.div_ceil(W::M);
    let total = tiles(p, W::M);
    let block = block_tiles(p, xis);
    let np = cout.div_ceil(NR);
    if phased(p, xis) {
        return run_phased::<W>(p, x, dy, dw, PHASED_MAX_FLOATS);
    }
    // Partial sums over fixed chunks of tiles (shape-only sizes): up to 16,
    // fewer when each partial is big (1x56x56x256->256 by F(3x3, 2x2): 1M
    // floats each; all partials are zeroed, written and summed again).
    let max_chunks = ((1usize << 23) / (xis * cin * cout).max(1)).clamp(2, 16);
    let chunk = (total.div_ceil(max_chunks)).max(block).div_ceil(block) * block;
    // M[ξ] (cin x cout) = sum over tiles of V[ξ]^T E[ξ].
    let mut m = vec![0.0f32; xis * cin * cout];
    // The zero row of the tile transforms' rows outside the image.
    let zeros = vec![0.0f32; (W::ALPHA * cin).max(W::M * cout)];
    par::reduce_chunks(total, chunk, &mut m, |range, partial| {
        // V[ξ]: [slot][cin]. E[ξ]: in a layout the GEMMs read as B
        // ([`ELayout`]): row-major, or `np` panels of [slot][NR] (padding
        // columns only ever meet padding columns of M, which are not stored).
        // Every element of V read below is written first; E's padding
        // columns may hold anything (they only reach M's padding columns).
        par::with_scratch(xis * block * (cin + np * NR), |buf| {
            let (v, e) = buf.split_at_mut(xis * block * cin);
            let (vp, ep) = (SharedMut::new(v), SharedMut::new(e));
            let mut t0 = range.start;
            let mut first = true;
            while t0 < range.end {
                let nt = block.min(range.end - t0);
                for t in 0..nt {
                    // SAFETY: slot t < nt <= block: v and e hold the block.
                    unsafe { transform_tile::<W>(p, x, dy, &zeros, t0 + t, th, tw, t, nt, vp, ep) };
                }
                for xi in 0..xis {
                    // SAFETY: v and e hold the block's transforms; partial holds M.
                    unsafe { gemm_xi(p, xi, nt, &v[..xis * nt * cin], e.as_ptr(), SharedMut::new(partial), !first) };
                }
                first = false;
                t0 += nt;
            }
        });
    });
    output_transform::<W>(p, &m, dw);
}

/// `M[ξ] (+)= V[ξ]^T E[ξ]` over `nt` tile slots: A = V[ξ]^T read in place
/// (row ci is column ci of V[ξ], cin floats apart: a strided segment), B
/// the packed E[ξ] panels, C = M[ξ] (`cin x cout` at `m + ξ cin cout`).
///
/// # Safety
/// `e` holds `α² * np * nt * NR` floats in [`transform_tile`]'s layout
/// ([`ELayout::of`] `p`);
/// `m` holds `α² * cin * cout`, of which no other task writes M[ξ].
unsafe fn gemm_xi(p: &Conv2d, xi: usize, nt: usize, v: &[f32], e: *const f32, m: SharedMut, accumulate: bool) {
    let (cin, cout) = (p.cin, p.cout);
    let np = cout.div_ceil(NR);
    let layout = ELayout::of(p);
    let (b0, ldb, panel_step) = layout.panel(cout, nt, xi, 0);
    let vx = &v[xi * nt * cin..(xi + 1) * nt * cin];
    let mut ci0 = 0;
    while ci0 < cin {
        let mr = MR.min(cin - ci0);
        let ptrs: [*const f32; MR] = core::array::from_fn(|r| vx[ci0 + r.min(mr - 1)..].as_ptr());
        if p.tuning.winograd_filter_panels && mr == MR && cout.is_multiple_of(NR) {
            // All of M[ξ]'s column panels for these 4 rows in one call (the
            // same products in the same order as a call per tile).
            // SAFETY: as below, every tile full; E[ξ]'s panels are panel_step apart.
            let (b, c) = (e.add(b0), m.at((xi * cin + ci0) * cout));
            f32_gemm_4x8_panels_strided__simd128(ptrs, cin, nt, b, ldb, panel_step, np, c, cout, accumulate);
            ci0 += MR;
            continue;
        }
        let segs = [Seg { a: ptrs, len: nt, stride: cin }];
        for j in 0..np {
            let b = e.add(b0 + j * panel_step);
            let c = m.at((xi * cin + ci0) * cout + j * NR);
            let tile = Tile { c, ldc: cout, mr, nr: NR.min(cout - j * NR) };
            // SAFETY: rows ci0..ci0+mr of A hold nt values cin apart inside
            // vx; b holds nt rows of NR floats ldb apart; the tile's mr x nr
            // elements lie in M[ξ].
            f32_gemm_4x8__simd128_ldb(&segs, b, ldb, &tile, accumulate, None);
        }
        ci0 += MR;
    }
}

/// Most floats of V and E that [`run_phased`] holds at once (32 MiB).
const PHASED_MAX_FLOATS: usize = 1 << 23;

/// Whether the filter gradient runs phased ([`run_phased`]): when a block
/// of tiles is short (wide channels: [`block_tiles`] fits few tiles in
/// 1 MiB), the block loop's GEMMs have a K of only that many tiles and
/// load and store all of every M[ξ] partial once per block, and its big
/// partials are few (1x56x56x256->256 by F(3x3, 4x4): 3 partials of 2.4M
/// floats, for 2 threads).
fn phased(p: &Conv2d, xis: usize) -> bool {
    p.tuning.winograd_filter_phased && block_tiles(p, xis) < PHASED_BELOW_BLOCK
}

/// [`block_tiles`] below which [`phased`] holds.
const PHASED_BELOW_BLOCK: usize = 32;

/// The tiles in passes of as many as fit [`PHASED_MAX_FLOATS`] (a
/// shape-only count), each pass in two parallel phases: every tile's
/// transforms (split over tiles), then the α² GEMMs `M[ξ] += V[ξ]^T E[ξ]`
/// with the whole pass as K (split over ξ). M needs no partial sums: each
/// M[ξ] is computed by one task per pass, passes in order, so the bits do
/// not depend on the thread count.
fn run_phased<W: GradTiling>(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32], max_floats: usize) {
    let (cin, cout) = (p.cin, p.cout);
    let xis = W::ALPHA * W::ALPHA;
    let th = p.y.output.div_ceil(W::M);
    let tw = p.x.output.div_ceil(W::M);
    let total = tiles(p, W::M);
    let np = cout.div_ceil(NR);
    let per_tile = xis * (cin + np * NR);
    let pass = (max_floats / per_tile).clamp(1, total.max(1));
    let mut m = vec![0.0f32; xis * cin * cout];
    let mp = SharedMut::new(&mut m);
    let mut buf = vec![0.0f32; pass * per_tile];
    let tile_chunk = par::chunk_size(pass, (1usize << 12).div_ceil(per_tile).max(1));
    let zeros = vec![0.0f32; (W::ALPHA * cin).max(W::M * cout)];
    let zeros = &zeros;
    let mut t0 = 0;
    while t0 < total {
        let nt = pass.min(total - t0);
        let (v, e) = buf.split_at_mut(xis * nt * cin);
        let (vp, ep) = (SharedMut::new(v), SharedMut::new(e));
        // SAFETY: each task writes its own tiles' slots of v and e.
        par::for_each_chunk(nt, tile_chunk, |r| r.for_each(|t| unsafe { transform_tile::<W>(p, x, dy, zeros, t0 + t, th, tw, t, nt, vp, ep) }));
        let (v, e) = (&*v, &*e);
        let accumulate = t0 > 0;
        // SAFETY: task ξ alone writes M[ξ]; v and e hold this pass's transforms.
        par::for_each_chunk(xis, 1, |r| r.for_each(|xi| unsafe { gemm_xi(p, xi, nt, v, e.as_ptr(), mp, accumulate) }));
        t0 += nt;
    }
    output_transform::<W>(p, &m, dw);
}

/// `dw[ky,kx,ci,co] = (A^T M[.][ci][co] A)[ky,kx]`, 4 output channels at once.
fn output_transform<W: GradTiling>(p: &Conv2d, m: &[f32], dw: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let dwp = SharedMut::new(dw);
    let at = |xi: usize, ci: usize, co: usize| (xi * cin + ci) * cout + co;
    par::for_each_chunk(cin, par::chunk_size(cin, 4), |cis| {
        for ci in cis {
            let mut co = 0;
            while co + 4 <= cout {
                // SAFETY: each (ci, co) is written by one task.
                output_tile::<W, F32x4>(
                    |xi| unsafe { F32x4::load(m.as_ptr().add(at(xi, ci, co))) },
                    |k, val| unsafe { val.store(dwp.at((k * cin + ci) * cout + co)) },
                );
                co += 4;
            }
            for co in co..cout {
                output_tile::<W, f32>(|xi| m[at(xi, ci, co)], |k, val| unsafe { *dwp.at((k * cin + ci) * cout + co) = val });
            }
        }
    });
}

/// The output-gradient half of [`transform_tile`] through row pointers
/// (`Tuning::winograd_row_transforms`), compiled apart from the per-pixel path.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn grad_rows<W: GradTiling>(p: &Conv2d, dy: &[f32], zeros: &[f32], img: usize, ty: usize, tx: usize, slot: usize, nt: usize, e: SharedMut) {
    let (cout, a, mm) = (p.cout, W::ALPHA, W::M);
    let (oy0, ox0) = ((ty * mm) as isize, (tx * mm) as isize);
    let rows = TileRows::new(dy.as_ptr(), img, oy0, ox0, mm, p.y.output, p.x.output, cout, zeros.as_ptr());
    let (layout, plane) = (ELayout::of(p), ELayout::plane(cout, nt));
    let eb = |c: usize| e.at(layout.at(cout, nt, slot, c));
    let mut c = 0;
    while p.tuning.winograd_grouped_transforms && c + 4 <= cout {
        let groups = ((cout - c) / 4).min(GROUPS);
        separable_groups(mm, a, a, W::grad_1d, &rows, cout, c, groups, |r, j, g, val| val.store(eb(c + 4 * g).add((r * a + j) * plane)));
        c += 4 * groups;
    }
    while c + 4 <= cout {
        let d = eb(c);
        separable_rows::<F32x4>(mm, a, a, W::grad_1d, &rows, cout, c, |q| F32x4::load(q), |r, j, val| val.store(d.add((r * a + j) * plane)));
        c += 4;
    }
    for c in c..cout {
        let d = eb(c);
        separable_rows::<f32>(mm, a, a, W::grad_1d, &rows, cout, c, |q| *q, |r, j, val| *d.add((r * a + j) * plane) = val);
    }
}

/// Transforms tile `tile`'s input patch (into `v[ξ][slot][..cin]`) and its
/// m x m block of output gradients (into `e[ξ][slot][..cout]`).
///
/// # Safety
/// `v` holds `α² * nt * cin` floats and `e` `α² * np * nt * NR`; no other
/// task writes this slot.
#[allow(clippy::too_many_arguments)]
unsafe fn transform_tile<W: GradTiling>(
    p: &Conv2d,
    x: &[f32],
    dy: &[f32],
    zeros: &[f32],
    tile: usize,
    th: usize,
    tw: usize,
    slot: usize,
    nt: usize,
    v: SharedMut,
    e: SharedMut,
) {
    let (cin, cout, a, mm) = (p.cin, p.cout, W::ALPHA, W::M);
    let xis = a * a;
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let iy0 = (ty * mm) as isize - p.y.pad_before as isize;
    let ix0 = (tx * mm) as isize - p.x.pad_before as isize;
    if p.tuning.winograd_row_transforms {
        debug_assert!(zeros.len() >= (a * cin).max(mm * cout));
        let rows = TileRows::new(x.as_ptr(), img, iy0, ix0, a, p.y.input, p.x.input, cin, zeros.as_ptr());
        input_rows(a, W::input_1d::<F32x4>, W::input_1d::<f32>, &rows, cin, v.at(slot * cin), nt * cin, p.tuning.winograd_grouped_transforms);
        grad_rows::<W>(p, dy, zeros, img, ty, tx, slot, nt, e);
        return;
    }
    let xoffs: [Option<usize>; MAX_XI] = core::array::from_fn(|i| {
        let (iy, ix) = (iy0 + (i / a) as isize, ix0 + (i % a) as isize);
        (i < xis && iy >= 0 && ix >= 0 && (iy as usize) < p.y.input && (ix as usize) < p.x.input)
            .then(|| ((img * p.y.input + iy as usize) * p.x.input + ix as usize) * cin)
    });
    let doffs: [Option<usize>; 16] = core::array::from_fn(|i| {
        let (oy, ox) = (ty * mm + i / mm, tx * mm + i % mm);
        (i < mm * mm && oy < p.y.output && ox < p.x.output).then(|| ((img * p.y.output + oy) * p.x.output + ox) * cout)
    });
    let vdst = |xi: usize, c: usize| (xi * nt + slot) * cin + c;
    let vp = v.at(0);
    let mut c = 0;
    while c + 4 <= cin {
        input_tile::<W, F32x4>(
            // SAFETY: o is a real pixel's offset and c + 4 <= cin.
            |i| xoffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(x.as_ptr().add(o + c)) }),
            // SAFETY: vdst(xi, c) + 4 <= v.len() for xi < α², slot < nt.
            |xi, val| unsafe { val.store(vp.add(vdst(xi, c))) },
        );
        c += 4;
    }
    for c in c..cin {
        input_tile::<W, f32>(|i| xoffs[i].map_or(0.0, |o| x[o + c]), |xi, val| *v.at(vdst(xi, c)) = val);
    }
    let (layout, plane) = (ELayout::of(p), ELayout::plane(cout, nt));
    let edst = |xi: usize, c: usize| xi * plane + layout.at(cout, nt, slot, c);
    let ep = e.at(0);
    let mut c = 0;
    while c + 4 <= cout {
        grad_tile::<W, F32x4>(
            |i| doffs[i].map_or(F32x4::zero(), |o| unsafe { F32x4::load(dy.as_ptr().add(o + c)) }),
            |xi, val| unsafe { val.store(ep.add(edst(xi, c))) },
        );
        c += 4;
    }
    for c in c..cout {
        grad_tile::<W, f32>(|i| doffs[i].map_or(0.0, |o| dy[o + c]), |xi, val| *e.at(edst(xi, c)) = val);
    }
}
