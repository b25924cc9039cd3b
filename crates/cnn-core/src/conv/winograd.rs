//! Winograd minimal filtering for stride-1, undilated 3x3 convolutions
//! (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
//! 2016): F(2x2, 3x3) and F(4x4, 3x3).
//!
//! Each `m x m` block of outputs comes from an `α x α` input tile
//! (`α = m + 2`): `Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A`. Summed over input
//! channels, the element-wise product becomes `α²` independent GEMMs
//! `M[ξ] = V[ξ] · U[ξ]` (`V[ξ]: [tiles, cin]`, `U[ξ]: [cin, cout]`), which
//! run on the same packed 4x8 micro-kernel as everything else.
//!
//! - F(2x2, 3x3), points 0, ±1, ∞: 16 multiplies per 2x2 outputs instead
//!   of 36 (2.25x fewer); coefficients 0, ±1, ½.
//! - F(4x4, 3x3), points 0, ±1, ±2, ∞: 36 multiplies per 4x4 outputs
//!   instead of 144 (4x fewer); coefficients up to 8 and 1/24, so a little
//!   more rounding (tests bound both at 1e-4 relative to the terms' size).
//!   The larger tile also amortises the transforms over 4x the outputs,
//!   which is what makes Winograd pay on 16- and 32-channel layers, where
//!   the GEMMs are short (K = cin).
//!
//! Tiles are processed in blocks sized so that a block's V and M stay in
//! L2; blocks are independent tasks (each output is written by one task).

use crate::error::{check_len, CoreError, Result};
use crate::gemm::{drive, packed_len, small_k, Activation, Dense, Out, PackedB, Run, KC, NR};
use crate::par::{self, SharedMut};
use crate::shape::Conv2d;
use crate::simd::F32x4;
use crate::tuning::Winograd;
use core::ops::{Add, Mul, Sub};

/// Largest tile side in the transformed domain (F(4x4, 3x3)).
pub(super) const MAX_ALPHA: usize = 6;
pub(super) const MAX_XI: usize = MAX_ALPHA * MAX_ALPHA;
const MAX_OUT: usize = 4;

/// The two tilings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// F(2x2, 3x3): 4x4 tiles.
    F2,
    /// F(4x4, 3x3): 6x6 tiles.
    F4,
}

/// Which Winograd tiling computes this convolution, if any is worth it.
/// Shape: 3x3, stride 1, no dilation. Measured A/B in one process
/// (`benches/tuning.mjs --switch 1 --values 1,3,4`, wasm, 1 thread; ms
/// direct / F(2x2) / F(4x4)):
///
/// ```text
/// 64x32x32x16->32   19.5 / 23.1 / 13.3     1x56x56x256->256  114 / 63 / 49
/// 64x32x32x32->16   21.1 / 21.4 / 11.5     1x224x224x64->64  125 / 96 / 47
/// 64x16x16x64->64   40.1 / 27.1 / 15.3     1x14x14x512->512  40 / 38 / 67
/// 64x32x32x16->8    10.8 / 13.8 /  9.3     1x8x8x32->32      0.09 / 0.11 / 0.14
/// 64x32x32x8->8      7.0 /  9.9 /  6.7     64x32x32x3->16    4.1 / 8.7 / 6.3
/// ```
///
/// F(4x4) wins from 16 input channels, but needs enough tiles: each tile
/// block streams the whole transformed filter (36 cin x cout matrices), so
/// with few tiles and many channels the direct GEMM, which reads its 9
/// cin x cout filter once, or F(2x2) (16 matrices, larger blocks) wins:
///
/// ```text
/// 1x28x28x512->512  115 / 87 / 125     tiles4 * 1024 / (cin * cout) = 0.2
/// 1x28x28x256->512   56 / 30 /  36     0.4
/// 1x56x56x256->256  106 / 50 /  38     3.1
/// 1x112x112x128->128 99 / 54 /  32     49
/// 1x14x14x512->512   35 / 40 /  70     (16 F(4x4) tiles, 49 F(2x2))
/// ```
///
/// hence F(4x4) needed `tiles4 * 1024 >= cin * cout`, and F(2x2) at least
/// 128 of its tiles, while every call packed its transformed filter. Read
/// in place (`Tuning::gemm_b_in_place`, 2026-12-01, load average 5, 1
/// thread, ms direct / F(2x2) / F(4x4)), the transformed filter costs
/// less, and batch-1 layers of ResNet-50 and VGG16 move:
///
/// ```text
/// 1x14x14x256->256  11.7 /  6.4 /  7.2    1x28x28x256->512  63.9 / 41.1 / 31.4
/// 1x14x14x512->512  50.2 / 36.6 / 59.8    1x28x28x512->512   123 /   69 / 74.7
/// 1x14x14x128->128  3.98 / 3.28 / 3.47    1x14x14x64->64    0.53 / 0.38 / 0.41
/// 1x7x7x512->512    16.3 / 14.9 / 28.5    (again: 23.5 / 26.3 / 46.8)
/// 1x7x7x256->256    4.61 / 4.44 / 6.48    1x8x8x32->32      0.07 / 0.06 / 0.07
/// ```
///
/// so F(4x4) needed `tiles4 * 4096 >= cin * cout` and F(2x2) 32 of its
/// tiles (7x7 layers, 16 tiles, stay direct: their transformed filter is
/// read for too few tiles to pay). On the Xeon host of 2026-12-01 evening
/// (load 1.1, ms direct / F(2x2) / F(4x4)), F(4x4) also wins on VGG16's
/// 28x28x512 layers, which the rule had sent to F(2x2):
///
/// ```text
/// 1x28x28x512->512  1 thread 167 / 82.6 / 65.5   2 threads 82.5 / 42.7 / 29.7
/// 1x14x14x512->512  1 thread 36.6 / 23.8 / 29.0  (16 F(4x4) tiles: F(2x2))
/// ```
///
/// so F(4x4) needs `tiles4 * 8192 >= cin * cout`. (Predict transforms its
/// filters once instead, `prepare_filter`, and picks the tiling itself.)
///
/// `Tuning::winograd_forward` (switch 1): `Off` never, `Auto` this rule
/// (default), `Small` F(2x2) and `Large` F(4x4) on every eligible shape.
pub fn choose(p: &Conv2d) -> Option<Variant> {
    if !shape_ok(p) {
        return None;
    }
    match p.tuning.winograd_forward {
        Winograd::Off => return None,
        Winograd::Small => return Some(Variant::F2),
        Winograd::Large => return Some(Variant::F4),
        Winograd::Auto => {}
    }
    let (tiles4, tiles2) = (tiles(p, 4), tiles(p, 2));
    if p.cin >= 16 && p.cout >= 8 && tiles4 >= 48 && tiles4 * 8192 >= p.cin * p.cout {
        return Some(Variant::F4);
    }
    (p.cin >= 32 && p.cout >= 32 && tiles2 >= 32).then_some(Variant::F2)
}

/// True when [`choose`] picks a Winograd path.
pub fn applies(p: &Conv2d) -> bool {
    choose(p).is_some()
}

/// The shapes both Winograd modules handle: 3x3, stride 1, no dilation.
pub fn shape_ok(p: &Conv2d) -> bool {
    p.y.kernel == 3 && p.x.kernel == 3 && p.y.stride == 1 && p.x.stride == 1 && p.y.dilation == 1 && p.x.dilation == 1
}

/// Number of `m x m` output tiles over the batch.
pub(super) fn tiles(p: &Conv2d, m: usize) -> usize {
    p.n * p.y.output.div_ceil(m) * p.x.output.div_ceil(m)
}

/// What the transforms need of a lane type, so they are written once for
/// `f32` (channel tails) and `F32x4`.
pub(super) trait Lane: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    fn splat(x: f32) -> Self;
}
impl Lane for f32 {
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
}
impl Lane for F32x4 {
    #[inline(always)]
    fn splat(x: f32) -> Self {
        F32x4::splat(x)
    }
}

/// One tiling's 1-D transforms, for [`separable`]. Arrays are sized for the
/// largest tiling; only the first 3, `ALPHA` or `OUT` entries of an
/// argument are read, and only the first `ALPHA` or `OUT` of a result are
/// meaningful.
pub(super) trait Tiling {
    const ALPHA: usize;
    const OUT: usize;
    const VARIANT: Variant;
    /// `G g` (3 values to `ALPHA`).
    fn filter_1d<T: Lane>(g: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
    /// `B^T d` (`ALPHA` to `ALPHA`).
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
    /// `A^T m` (`ALPHA` to `OUT`).
    fn output_1d<T: Lane>(m: [T; MAX_ALPHA]) -> [T; MAX_ALPHA];
}

struct F2;
impl Tiling for F2 {
    const ALPHA: usize = 4;
    const OUT: usize = 2;
    const VARIANT: Variant = Variant::F2;
    #[inline(always)]
    fn filter_1d<T: Lane>(g: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [g0, g1, g2, ..] = g;
        let half = T::splat(0.5);
        [g0, (g0 + g1 + g2) * half, (g0 - g1 + g2) * half, g2, g2, g2]
    }
    #[inline(always)]
    fn input_1d<T: Lane>(d: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [d0, d1, d2, d3, ..] = d;
        [d0 - d2, d1 + d2, d2 - d1, d1 - d3, d0, d0]
    }
    #[inline(always)]
    fn output_1d<T: Lane>(m: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [m0, m1, m2, m3, ..] = m;
        [m0 + m1 + m2, m1 - m2 - m3, m0, m0, m0, m0]
    }
}

/// `B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0],
/// [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]]`,
/// `G = [[¼,0,0], [-⅙,-⅙,-⅙], [-⅙,⅙,-⅙], [1/24,1/12,⅙], [1/24,-1/12,⅙], [0,0,1]]`,
/// `A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]]`.
pub(super) struct F4;
impl Tiling for F4 {
    const ALPHA: usize = 6;
    const OUT: usize = 4;
    const VARIANT: Variant = Variant::F4;
    #[inline(always)]
    fn filter_1d<T: Lane>(g: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let [g0, g1, g2, ..] = g;
        let s = T::splat(-1.0 / 6.0);
        let (a, b) = (g0 * T::splat(1.0 / 24.0) + g2 * T::splat(1.0 / 6.0), g1 * T::splat(1.0 / 12.0));
        [g0 * T::splat(0.25), (g0 + g1 + g2) * s, (g0 - g1 + g2) * s, a + b, a - b, g2]
    }
    #[inline(always)]
    fn input_1d<T: Lane>([d0, d1, d2, d3, d4, d5]: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let (four, five, two) = (T::splat(4.0), T::splat(5.0), T::splat(2.0));
        let p = d4 - d2 * four;
        let q = d3 - d1 * four;
        let r = d4 - d2;
        let s = (d3 - d1) * two;
        [d0 * four - d2 * five + d4, p + q, p - q, r + s, r - s, d1 * four - d3 * five + d5]
    }
    #[inline(always)]
    fn output_1d<T: Lane>([m0, m1, m2, m3, m4, m5]: [T; MAX_ALPHA]) -> [T; MAX_ALPHA] {
        let (a, b) = (m1 + m2, m1 - m2);
        let (c, d) = (m3 + m4, m3 - m4);
        [m0 + a + c, b + d * T::splat(2.0), a + c * T::splat(4.0), b + d * T::splat(8.0) + m5, m0, m0]
    }
}

/// A separable 2-D transform `Y = M X M^T`, whose 1-D map `f` takes `n_in`
/// values to `n_out` (arrays padded to `MAX_ALPHA`): `X` is `n_in x n_in`
/// row-major, given by `load(i)`; `Y` is `n_out x n_out` row-major, taken
/// by `store(i, y)`. Loads happen column by column and stores row by row,
/// so few values are live at once (V8 keeps them in registers instead of
/// spilling a whole tile loaded up front). Every tile transform of both
/// Winograd modules is one of these.
#[inline(always)]
pub(super) fn separable<T: Lane>(
    n_in: usize,
    n_out: usize,
    f: impl Fn([T; MAX_ALPHA]) -> [T; MAX_ALPHA],
    load: impl Fn(usize) -> T,
    mut store: impl FnMut(usize, T),
) {
    let first = load(0);
    let mut t = [[first; MAX_ALPHA]; MAX_ALPHA]; // f of the columns: t[r][c], n_out x n_in
    for c in 0..n_in {
        let col = f(core::array::from_fn(|i| if i < n_in { load(i * n_in + c) } else { first }));
        for (t_row, v) in t.iter_mut().zip(&col[..n_out]) {
            t_row[c] = *v;
        }
    }
    for (r, t_row) in t[..n_out].iter().enumerate() {
        let row = f(*t_row);
        for (j, y) in row[..n_out].iter().enumerate() {
            store(r * n_out + j, *y);
        }
    }
}

/// Where a tile's rows are, for [`separable_rows`]: row `r` of the tile
/// at `rows[r]`, the pointer to its column-0 pixel (which may lie left of
/// the image: only columns `cols.0..cols.1` are read), rows outside the
/// image at a zero row (`n * step` floats of zeros, so every column of it
/// reads zeros).
#[derive(Clone, Copy)]
pub(super) struct TileRows {
    pub rows: [*const f32; MAX_ALPHA],
    pub cols: (usize, usize),
}

impl TileRows {
    /// The `n x n` window at image `img`, row `r0`, column `c0` (either may
    /// be negative: padding) of an `[.., h, w, step]` tensor at `base`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn new(base: *const f32, img: usize, r0: isize, c0: isize, n: usize, h: usize, w: usize, step: usize, zeros: *const f32) -> TileRows {
        let rows = core::array::from_fn(|r| {
            let iy = r0 + r as isize;
            if r < n && iy >= 0 && (iy as usize) < h {
                base.wrapping_add((img * h + iy as usize) * w * step).wrapping_offset(c0 * step as isize)
            } else {
                zeros
            }
        });
        let lo = (-c0).clamp(0, n as isize) as usize;
        let hi = (w as isize - c0).clamp(lo as isize, n as isize) as usize;
        TileRows { rows, cols: (lo, hi) }
    }
}

/// [`separable`] reading `X` through row pointers: `X[i][c]` (`i, c <
/// n_in`) at `rows.rows[i] + c * step + ch`, loaded by `ld`, columns outside
/// `rows.cols` taken as zeros without a load (their `f` is a constant).
/// Only the first `rows_out` rows of `Y` are computed (the others would
/// not be stored); `store(r, j, y)` takes `Y[r][j]`. The same operations
/// in the same order as [`separable`] with the equivalent loads, so the
/// same bits; the intermediate tile is left unfilled (every element read is
/// written first) and no per-pixel offset is checked.
///
/// # Safety
/// Every `rows.rows[i] + c * step + ch` for `i < n_in`, `c` in `rows.cols`
/// must be readable by `ld`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) unsafe fn separable_rows<T: Lane>(
    n_in: usize,
    n_out: usize,
    rows_out: usize,
    f: impl Fn([T; MAX_ALPHA]) -> [T; MAX_ALPHA],
    rows: &TileRows,
    step: usize,
    ch: usize,
    ld: impl Fn(*const f32) -> T,
    mut store: impl FnMut(usize, usize, T),
) {
    let zero = T::splat(0.0);
    let mut t = core::mem::MaybeUninit::<[[T; MAX_ALPHA]; MAX_ALPHA]>::uninit();
    let tp = t.as_mut_ptr() as *mut T; // t[r][c] at r * MAX_ALPHA + c: n_out x n_in
    for c in 0..n_in {
        let col = if c >= rows.cols.0 && c < rows.cols.1 {
            let off = c * step + ch;
            f(core::array::from_fn(|i| if i < n_in { ld(rows.rows[i].wrapping_add(off)) } else { zero }))
        } else {
            f([zero; MAX_ALPHA])
        };
        for (r, v) in col[..n_out].iter().enumerate() {
            tp.add(r * MAX_ALPHA + c).write(*v);
        }
    }
    for r in 0..rows_out.min(n_out) {
        let row = f(core::array::from_fn(|j| if j < n_in { tp.add(r * MAX_ALPHA + j).read() } else { zero }));
        for (j, y) in row[..n_out].iter().enumerate() {
            store(r, j, *y);
        }
    }
}

/// Channel groups of 4 that [`separable_groups`] transforms per pass.
pub(super) const GROUPS: usize = 16;

/// [`separable_rows`] for `groups` (at most [`GROUPS`]) consecutive 4-channel
/// groups at once (channels `ch + 4 g`): each column is loaded and
/// transformed for every group before the next column, and each row for
/// every group before the next row, so per row of the result the address
/// work is done once for all groups (`store(r, j, g, y)`); the intermediate
/// tiles of all groups stay in an L1 scratch. Per value the same
/// operations in the same order, so the same bits
/// (`Tuning::winograd_grouped_transforms`).
///
/// # Safety
/// As for [`separable_rows`], for every channel `ch .. ch + 4 groups`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) unsafe fn separable_groups(
    n_in: usize,
    n_out: usize,
    rows_out: usize,
    f: impl Fn([F32x4; MAX_ALPHA]) -> [F32x4; MAX_ALPHA],
    rows: &TileRows,
    step: usize,
    ch: usize,
    groups: usize,
    mut store: impl FnMut(usize, usize, usize, F32x4),
) {
    debug_assert!(groups <= GROUPS);
    let zero = F32x4::zero();
    let mut t = core::mem::MaybeUninit::<[[[F32x4; MAX_ALPHA]; MAX_ALPHA]; GROUPS]>::uninit();
    // t[g][r][c] at (g * MAX_ALPHA + r) * MAX_ALPHA + c: per group n_out x n_in.
    let tp = t.as_mut_ptr() as *mut F32x4;
    for c in 0..n_in {
        if c >= rows.cols.0 && c < rows.cols.1 {
            let off = c * step + ch;
            for g in 0..groups {
                let col = f(core::array::from_fn(|i| if i < n_in { F32x4::load(rows.rows[i].wrapping_add(off + 4 * g)) } else { zero }));
                for (r, v) in col[..n_out].iter().enumerate() {
                    tp.add((g * MAX_ALPHA + r) * MAX_ALPHA + c).write(*v);
                }
            }
        } else {
            let col = f([zero; MAX_ALPHA]);
            for g in 0..groups {
                for (r, v) in col[..n_out].iter().enumerate() {
                    tp.add((g * MAX_ALPHA + r) * MAX_ALPHA + c).write(*v);
                }
            }
        }
    }
    for r in 0..rows_out.min(n_out) {
        for g in 0..groups {
            let row = f(core::array::from_fn(|j| if j < n_in { tp.add((g * MAX_ALPHA + r) * MAX_ALPHA + j).read() } else { zero }));
            for (j, y) in row[..n_out].iter().enumerate() {
                store(r, j, g, *y);
            }
        }
    }
}

/// The input transform `B^T d B` of one tile (1-D map `f`, `α = a`) from
/// the `[.., h, w, c]` tensor `x` through row pointers, every channel, into
/// `dst + ξ * plane + ch` (ξ = `r * a + j`). Shared by the forward pass and
/// the filter gradient (`Tuning::winograd_row_transforms`).
///
/// # Safety
/// `zeros` holds `a * c` zeros; `dst + ξ * plane + ch` is writable for
/// `ξ < a²`, `ch < c`; `x` holds the tensor.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub(super) unsafe fn input_rows(
    a: usize,
    f: impl Fn([F32x4; MAX_ALPHA]) -> [F32x4; MAX_ALPHA] + Copy,
    f1: impl Fn([f32; MAX_ALPHA]) -> [f32; MAX_ALPHA] + Copy,
    rows: &TileRows,
    c: usize,
    dst: *mut f32,
    plane: usize,
    grouped: bool,
) {
    let mut ch = 0;
    while grouped && ch + 4 <= c {
        let groups = ((c - ch) / 4).min(GROUPS);
        separable_groups(a, a, a, f, rows, c, ch, groups, |r, j, g, v| v.store(dst.add((r * a + j) * plane + ch + 4 * g)));
        ch += 4 * groups;
    }
    while ch + 4 <= c {
        separable_rows::<F32x4>(a, a, a, f, rows, c, ch, |q| F32x4::load(q), |r, j, v| v.store(dst.add((r * a + j) * plane + ch)));
        ch += 4;
    }
    for ch in ch..c {
        separable_rows::<f32>(a, a, a, f1, rows, c, ch, |q| *q, |r, j, v| *dst.add((r * a + j) * plane + ch) = v);
    }
}

/// `U = G g G^T`, g 3x3 row-major, U α x α row-major.
#[inline(always)]
fn filter_tile<W: Tiling, T: Lane>(g: &[T; 9]) -> [T; MAX_XI] {
    let mut u = [g[0]; MAX_XI];
    separable(3, W::ALPHA, W::filter_1d, |i| g[i], |i, v| u[i] = v);
    u
}

/// `V = B^T d B`, d and V α x α row-major (streamed, see [`separable`]).
#[inline(always)]
fn input_tile<W: Tiling, T: Lane>(load: impl Fn(usize) -> T, store: impl FnMut(usize, T)) {
    separable(W::ALPHA, W::ALPHA, W::input_1d, load, store)
}

/// `Y = A^T m A`, m α x α, Y m x m row-major (streamed).
#[inline(always)]
fn output_tile<W: Tiling, T: Lane>(load: impl Fn(usize) -> T, store: impl FnMut(usize, T)) {
    separable(W::ALPHA, W::OUT, W::output_1d, load, store)
}

/// The filter in the transformed domain, packed for the micro-kernel:
/// one `PackedB` of `[cin, cout]` per ξ (owned, or borrowed from a
/// [`prepare_filter`] buffer).
pub struct TransformedFilter<'a> {
    variant: Variant,
    packed: Vec<PackedB<'a>>,
}

impl TransformedFilter<'static> {
    pub fn new(p: &Conv2d, w: &[f32], variant: Variant) -> TransformedFilter<'static> {
        match variant {
            Variant::F2 => Self::build::<F2>(p, w),
            Variant::F4 => Self::build::<F4>(p, w),
        }
    }

    fn build<W: Tiling>(p: &Conv2d, w: &[f32]) -> TransformedFilter<'static> {
        // Read in place only where few tiles use it (the phased batch-1
        // path); with many tile blocks each re-reads it and packed panels
        // pay (switch 10 A/B, 64x16x16x64->64 F(4x4): packed 40.3 ms, in
        // place 46.3).
        let in_place = p.tuning.gemm_b_in_place && phased(p, W::OUT, W::ALPHA * W::ALPHA);
        let (cin, cout) = (p.cin, p.cout);
        let xis = W::ALPHA * W::ALPHA;
        // One row-major [cin, cout] matrix per ξ. With `gemm_b_in_place`
        // the GEMMs read them where they are; else each is packed (a copy
        // of all 16 or 36 of them per call).
        // Not zero-filled first (a serial memset of 4-16 MB per call on
        // batch-1 deep layers): the loop below writes every element.
        let mut u: Vec<Vec<f32>> = (0..xis).map(|_| Vec::with_capacity(cin * cout)).collect();
        let ups: Vec<SharedMut> = u.iter_mut().map(|m| SharedMut::from_raw(m.as_mut_ptr())).collect();
        // SAFETY: each (ci, co) is written by one task, inside U[ξ]'s capacity.
        transform_filter::<W>(w, cin, cout, p.tuning.winograd_filter_blocks, &|xi, ci, co| ups[xi].at(ci * cout + co));
        for m in &mut u {
            // SAFETY: transform_filter wrote all cin * cout elements.
            unsafe { m.set_len(cin * cout) };
        }
        let packed =
            u.into_iter()
                .map(|m| {
                    if in_place {
                        PackedB::from_rows(m, cin, cout)
                    } else {
                        PackedB::new(&Dense { data: &m, ld: cout, rows_are_contiguous: false }, cin, cout)
                    }
                })
                .collect();
        TransformedFilter { variant: W::VARIANT, packed }
    }
}

impl<'a> TransformedFilter<'a> {
    /// The filter [`prepare_filter`] wrote into `u`, read where it is; the
    /// variant is the one whose [`prepared_len`] `u` has.
    pub fn prepared(op: &'static str, p: &Conv2d, u: &'a [f32]) -> Result<TransformedFilter<'a>> {
        let (cin, cout) = (p.cin, p.cout);
        let variant = [Variant::F2, Variant::F4].into_iter().find(|&v| prepared_len(cin, cout, v) == u.len()).ok_or_else(|| {
            CoreError::new(
                op,
                format!(
                    "prepared filter has {} elements, expected {} (F(2x2, 3x3)) or {} (F(4x4, 3x3)) for {cin} -> {cout} channels",
                    u.len(),
                    prepared_len(cin, cout, Variant::F2),
                    prepared_len(cin, cout, Variant::F4)
                ),
            )
        })?;
        let one = packed_len(cin, cout);
        let packed = (0..variant_xis(variant)).map(|xi| PackedB::from_packed(&u[xi * one..(xi + 1) * one], cin, cout).expect("length checked")).collect();
        Ok(TransformedFilter { variant, packed })
    }
}

/// Points of a tiling (α²).
fn variant_xis(v: Variant) -> usize {
    match v {
        Variant::F2 => F2::ALPHA * F2::ALPHA,
        Variant::F4 => F4::ALPHA * F4::ALPHA,
    }
}

/// Floats of a filter prepared for `variant` ([`prepare_filter`]): α²
/// packed `[cin, cout]` B matrices, `NR`-column panels zero-padded.
pub fn prepared_len(cin: usize, cout: usize, variant: Variant) -> usize {
    variant_xis(variant) * packed_len(cin, cout)
}

/// The tiling an output side of 2 or 4 names (the `variant` parameter of
/// `conv2dPrepareFilter`).
pub fn variant_of_code(op: &'static str, code: u32) -> Result<Variant> {
    match code {
        2 => Ok(Variant::F2),
        4 => Ok(Variant::F4),
        _ => Err(CoreError::new(op, format!("variant must be 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3)), got {code}"))),
    }
}

/// Writes `w`'s transformed filter for `variant` into `u`, packed as the
/// GEMMs read it, for [`TransformedFilter::prepared`]: predict computes it
/// once per weights version instead of on every call (for 512 -> 512
/// channels F(4x4) writes 36 MB, which took longer than the 28x28 layer's
/// GEMMs). Every element of `u` is written, the panels' padding as zeros.
pub fn prepare_filter(p: &Conv2d, w: &[f32], variant: Variant, u: &mut [f32]) -> Result<()> {
    const OP: &str = "conv2dPrepareFilter";
    if !shape_ok(p) {
        return Err(CoreError::new(
            OP,
            format!(
                "Winograd takes 3x3 filters with stride 1 and no dilation, got {}x{} stride {:?} dilation {:?}",
                p.y.kernel,
                p.x.kernel,
                [p.y.stride, p.x.stride],
                [p.y.dilation, p.x.dilation]
            ),
        ));
    }
    check_len(OP, "filter", w.len(), p.filter_len())?;
    let (cin, cout) = (p.cin, p.cout);
    check_len(OP, "prepared filter", u.len(), prepared_len(cin, cout, variant))?;
    let one = packed_len(cin, cout);
    let up = SharedMut::new(u);
    let at = |xi: usize, ci: usize, co: usize| up.at(xi * one + (co / NR) * cin * NR + ci * NR + co % NR);
    // SAFETY: (xi, ci, co < cout) lies inside u; each is written by one task.
    match variant {
        Variant::F2 => transform_filter::<F2>(w, cin, cout, p.tuning.winograd_filter_blocks, &|xi, ci, co| at(xi, ci, co)),
        Variant::F4 => transform_filter::<F4>(w, cin, cout, p.tuning.winograd_filter_blocks, &|xi, ci, co| at(xi, ci, co)),
    }
    // The padding columns of the last panel.
    let pad = cout.div_ceil(NR) * NR;
    if pad > cout {
        for xi in 0..variant_xis(variant) {
            for ci in 0..cin {
                for co in cout..pad {
                    // SAFETY: inside the last panel of U[ξ].
                    unsafe { *at(xi, ci, co) = 0.0 };
                }
            }
        }
    }
    Ok(())
}

/// `U[ξ](ci, co)` of the HWIO filter `w` for every ξ, input channel and
/// output channel, stored at `at(ξ, ci, co)` (8 output channels at once
/// where they are consecutive: `at(ξ, ci, co + j) == at(ξ, ci, co) + j`
/// for `co` a multiple of 8 and `j < 8`, as in both layouts: rows of U, and
/// `NR`-column panels). Parallel over input channels. `blocked`
/// (`Tuning::winograd_filter_blocks`) runs [`transform_filter_blocks`];
/// else each 4-channel vector is stored to its α² places at once.
fn transform_filter<W: Tiling>(w: &[f32], cin: usize, cout: usize, blocked: bool, at: &(dyn Fn(usize, usize, usize) -> *mut f32 + Sync)) {
    let xis = W::ALPHA * W::ALPHA;
    let chunk = if xis * cin * cout >= 1 << 16 { par::chunk_size(cin, 4) } else { cin };
    if blocked {
        return par::for_each_chunk(cin, chunk, |range| transform_filter_blocks::<W>(w, cin, cout, range, at));
    }
    par::for_each_chunk(cin, chunk, |range| {
        for ci in range {
            let tap = |t: usize, co: usize| (t * cin + ci) * cout + co;
            let mut co = 0;
            while co + 4 <= cout {
                let g: [F32x4; 9] = core::array::from_fn(|t| unsafe { F32x4::load(w.as_ptr().add(tap(t, co))) });
                let ut = filter_tile::<W, _>(&g);
                for (xi, v) in ut[..xis].iter().enumerate() {
                    // SAFETY: the caller's layout; each (ci, co) is written by one task.
                    unsafe { v.store(at(xi, ci, co)) };
                }
                co += 4;
            }
            for co in co..cout {
                let g: [f32; 9] = core::array::from_fn(|t| w[tap(t, co)]);
                let ut = filter_tile::<W, _>(&g);
                for (xi, v) in ut[..xis].iter().enumerate() {
                    unsafe { *at(xi, ci, co) = *v };
                }
            }
        }
    });
}

/// Output channels per block of [`transform_filter_blocks`].
const FILTER_BLOCK_CO: usize = 32;
/// Input channels per block: a 64-byte line of a packed panel holds 2.
const FILTER_BLOCK_CI: usize = 2;

/// [`transform_filter`] for input channels `cis`, a block of 2 input x 32
/// output channels at a time: the block's α² tiles are transformed into a
/// scratch (9 KiB, in L1), then stored out run by run (8 channels of one
/// ξ and input channel each). Storing every vector to its α² places at once
/// interleaved 9 read and 16 or 36 write streams whose distances are
/// multiples of 4 KiB (the ξ matrices and taps are `cin * cout` floats
/// apart) in the same L1 sets, so lines were evicted between their partial
/// writes: 1x14x14x512->512's F(2x2) filter took ~12 ms at 1 thread to
/// write 17 MB. Here each line is read once and written whole. Same values
/// as the unblocked loop (the same `filter_tile` of the same 9 taps).
fn transform_filter_blocks<W: Tiling>(w: &[f32], cin: usize, cout: usize, cis: core::ops::Range<usize>, at: &(dyn Fn(usize, usize, usize) -> *mut f32 + Sync)) {
    let xis = W::ALPHA * W::ALPHA;
    let mut s = [[[0.0f32; FILTER_BLOCK_CO]; MAX_XI]; FILTER_BLOCK_CI];
    let mut ci0 = cis.start;
    while ci0 < cis.end {
        let nci = FILTER_BLOCK_CI.min(cis.end - ci0);
        let mut co0 = 0;
        while co0 < cout {
            let nco = FILTER_BLOCK_CO.min(cout - co0);
            for (l, sl) in s[..nci].iter_mut().enumerate() {
                let ci = ci0 + l;
                let tap = |t: usize, co: usize| (t * cin + ci) * cout + co;
                let mut c = 0;
                while c + 4 <= nco {
                    // SAFETY: tap(t, co0 + c) + 4 <= w.len() (c + 4 <= nco).
                    let g: [F32x4; 9] = core::array::from_fn(|t| unsafe { F32x4::load(w.as_ptr().add(tap(t, co0 + c))) });
                    let ut = filter_tile::<W, _>(&g);
                    for (row, v) in sl[..xis].iter_mut().zip(&ut[..xis]) {
                        // SAFETY: c + 4 <= FILTER_BLOCK_CO.
                        unsafe { v.store(row.as_mut_ptr().add(c)) };
                    }
                    c += 4;
                }
                for c in c..nco {
                    let g: [f32; 9] = core::array::from_fn(|t| w[tap(t, co0 + c)]);
                    let ut = filter_tile::<W, _>(&g);
                    for (row, v) in sl[..xis].iter_mut().zip(&ut[..xis]) {
                        row[c] = *v;
                    }
                }
            }
            for xi in 0..xis {
                for (l, sl) in s[..nci].iter().enumerate() {
                    let row = &sl[xi];
                    let mut c = 0;
                    while c + 8 <= nco && (co0 + c).is_multiple_of(8) {
                        let dst = at(xi, ci0 + l, co0 + c);
                        // SAFETY: 8 consecutive places from a multiple of 8 (the layouts' contract);
                        // each (ci, co) is written by one task.
                        unsafe {
                            F32x4::load(row.as_ptr().add(c)).store(dst);
                            F32x4::load(row.as_ptr().add(c + 4)).store(dst.add(4));
                        }
                        c += 8;
                    }
                    for (c, v) in row[..nco].iter().enumerate().skip(c) {
                        // SAFETY: as above, one place.
                        unsafe { *at(xi, ci0 + l, co0 + c) = *v };
                    }
                }
            }
            co0 += nco;
        }
        ci0 += nci;
    }
}

/// Tiles per block: V and M of a block (`α² * T * (cin + cout)` floats)
/// fit in about 1 MiB. Shape-only.
fn block_tiles(p: &Conv2d, xis: usize) -> usize {
    ((1usize << 18) / (xis * (p.cin + p.cout))).clamp(4, 256) / 4 * 4
}

/// `y = act(conv2d(x, w) + bias)` by Winograd: the tiling [`choose`] picks,
/// F(2x2, 3x3) when it picks none. Caller checked the shape (3x3, stride 1,
/// undilated) and the buffer lengths.
pub fn conv2d_winograd(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    conv2d_winograd_variant(p, x, w, bias, act, y, choose(p).unwrap_or(Variant::F2))
}

pub fn conv2d_winograd_variant(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32], variant: Variant) {
    let filter = TransformedFilter::new(p, w, variant);
    conv2d_winograd_with(p, x, &filter, bias, act, y)
}

pub fn conv2d_winograd_with(p: &Conv2d, x: &[f32], filter: &TransformedFilter<'_>, bias: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    conv2d_winograd_store(p, x, filter, Store { bias, residual: None, act }, y)
}

/// `y = act(conv2d(x, w) + bias + residual)` by Winograd (the tiling
/// [`choose`] picks, else F(2x2, 3x3)); `residual` is laid out as `y`.
pub fn conv2d_winograd_residual(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, residual: Option<&[f32]>, act: Activation, y: &mut [f32]) {
    let filter = TransformedFilter::new(p, w, choose(p).unwrap_or(Variant::F2));
    conv2d_winograd_store(p, x, &filter, Store { bias, residual, act }, y)
}

/// `y = act((conv2d(x, w) + bias) + residual)` by Winograd on a filter
/// already transformed ([`TransformedFilter::prepared`]); the same bits as
/// [`conv2d_winograd_residual`] with that tiling.
pub fn conv2d_winograd_filter_residual(
    p: &Conv2d,
    x: &[f32],
    filter: &TransformedFilter<'_>,
    bias: Option<&[f32]>,
    residual: Option<&[f32]>,
    act: Activation,
    y: &mut [f32],
) {
    conv2d_winograd_store(p, x, filter, Store { bias, residual, act }, y)
}

/// What the output transform does to each value before storing it:
/// `act((v + bias) + residual)`, the order of the unfused ops.
#[derive(Clone, Copy)]
struct Store<'a> {
    bias: Option<&'a [f32]>,
    residual: Option<&'a [f32]>,
    act: Activation,
}

fn conv2d_winograd_store(p: &Conv2d, x: &[f32], filter: &TransformedFilter<'_>, st: Store, y: &mut [f32]) {
    match filter.variant {
        Variant::F2 => run::<F2>(p, x, filter, st, y),
        Variant::F4 => run::<F4>(p, x, filter, st, y),
    }
}

fn run<W: Tiling>(p: &Conv2d, x: &[f32], filter: &TransformedFilter<'_>, st: Store, y: &mut [f32]) {
    let (cin, cout) = (p.cin, p.cout);
    let xis = W::ALPHA * W::ALPHA;
    let th = p.y.output.div_ceil(W::OUT);
    let tw = p.x.output.div_ceil(W::OUT);
    let total = tiles(p, W::OUT);
    let block = block_tiles(p, xis);
    let yp = SharedMut::new(y);
    if phased(p, W::OUT, xis) {
        return run_phased::<W>(p, x, filter, st, yp, total, th, tw);
    }
    let (blocks, range) = if p.tuning.winograd_even_blocks { even_blocks(total, block) } else { (total.div_ceil(block), Blocks::Fixed(block)) };
    let max_nt = range.max_len(total, blocks);
    // The zero row of the tile transforms' rows outside the image.
    let zeros = vec![0.0f32; W::ALPHA * cin];
    par::for_each_chunk(blocks, 1, |bs| {
        // V and M: every element read below is written first (rows < nt).
        par::with_scratch(xis * max_nt * (cin + cout), |buf| {
            let (v, m) = buf.split_at_mut(xis * max_nt * cin);
            for b in bs {
                let (t0, t1) = range.tiles(b, total, blocks);
                let nt = t1 - t0;
                let vp = SharedMut::new(v);
                for t in 0..nt {
                    // SAFETY: v holds α² * max_nt * cin floats, nt <= max_nt.
                    unsafe { transform_input::<W>(p, x, &zeros, t0 + t, th, tw, t, nt, vp) };
                }
                for xi in 0..xis {
                    let a = &v[xi * nt * cin..(xi + 1) * nt * cin];
                    let out = Out::new(&mut m[xi * nt * cout..(xi + 1) * nt * cout], nt, cout, cout);
                    if cin <= KC && p.tuning.winograd_direct_small_k {
                        small_k(nt, a, cin, &filter.packed[xi], out, p.tuning);
                    } else {
                        drive(
                            nt,
                            cin,
                            &Dense { data: a, ld: cin, rows_are_contiguous: true },
                            &filter.packed[xi],
                            out,
                            Run { parallel: false, tuning: p.tuning, ..Run::default() },
                        );
                    }
                }
                for t in 0..nt {
                    // SAFETY: every output pixel belongs to exactly one tile.
                    unsafe { transform_output::<W>(p, m, t0 + t, th, tw, t, nt, st, yp) };
                }
            }
        });
    });
}

/// How [`run`] cuts its tiles into blocks (both shape-only).
#[derive(Clone, Copy)]
enum Blocks {
    /// Blocks of this many tiles, the last shorter.
    Fixed(usize),
    /// Groups of 4 tiles (one micro-kernel row panel) spread evenly: block
    /// `b` of `n` holds groups `b * g / n .. (b + 1) * g / n`.
    Even,
}

impl Blocks {
    fn tiles(self, b: usize, total: usize, n: usize) -> (usize, usize) {
        match self {
            Blocks::Fixed(block) => (b * block, ((b + 1) * block).min(total)),
            Blocks::Even => {
                let groups = total.div_ceil(4);
                ((b * groups / n) * 4, ((b + 1) * groups / n * 4).min(total))
            }
        }
    }

    fn max_len(self, total: usize, n: usize) -> usize {
        match self {
            Blocks::Fixed(block) => block.min(total),
            Blocks::Even => total.div_ceil(4).div_ceil(n) * 4,
        }
    }
}

/// At least 8 blocks, a multiple of 4, of (nearly) equal size, none
/// larger than `block` tiles (`Tuning::winograd_even_blocks`). Fixed
/// blocks left a thread idle at the end: 1x56x56x64->64 F(4x4) has 196
/// tiles, four blocks of 56, 56, 56, 28 (2 threads: 112 vs 84 tiles), and
/// 64x16x16x64->64 has 19 blocks.
fn even_blocks(total: usize, block: usize) -> (usize, Blocks) {
    let groups = total.div_ceil(4);
    let n = total.div_ceil(block).max(8).next_multiple_of(4).min(groups).max(1);
    (n, Blocks::Even)
}

/// Below this many tile blocks (batch-1 layers at 7x7-28x28: 1-3 blocks)
/// [`run_phased`] replaces the block loop, which would leave a thread idle.
const PHASED_MAX_BLOCKS: usize = 4;
/// Most floats of V and M that [`run_phased`] holds at once (32 MiB).
const PHASED_MAX_FLOATS: usize = 1 << 23;

/// Whether the tiling with `out`-wide tiles and `xis` points runs phased:
/// with few blocks (a thread would idle), or when the block loop would
/// stream the transformed filter `U` (`xis * cin * cout`) from memory once
/// per block for more traffic than writing and reading V and M once costs
/// (batch-1 deep layers: 1x28x28x512->512 F(2x2) has 13 blocks of 16 tiles,
/// each re-reading a 16 MB U).
fn phased(p: &Conv2d, out: usize, xis: usize) -> bool {
    let total = tiles(p, out);
    let blocks = total.div_ceil(block_tiles(p, xis));
    let (u, vm) = (xis * p.cin * p.cout, xis * total * (p.cin + p.cout));
    p.tuning.winograd_phased && (blocks < PHASED_MAX_BLOCKS || (vm <= PHASED_MAX_FLOATS && (blocks - 1) * u > vm))
}

/// All tiles as one block in three parallel phases: the input transform
/// (split over tiles), the α² GEMMs `M[ξ] = V[ξ] U[ξ]` (split over ξ) and
/// the output transform (split over tiles). Each value is computed by one
/// task in the same order as [`run`]'s, so results do not depend on the
/// thread count (and equal the block loop's when it has one block).
#[allow(clippy::too_many_arguments)]
fn run_phased<W: Tiling>(p: &Conv2d, x: &[f32], filter: &TransformedFilter<'_>, st: Store, y: SharedMut, nt: usize, th: usize, tw: usize) {
    let (cin, cout) = (p.cin, p.cout);
    let xis = W::ALPHA * W::ALPHA;
    // V and M are not zero-filled first (a serial memset of up to 2 MB per
    // call): every element is written before it is read.
    let mut v: Vec<f32> = Vec::with_capacity(xis * nt * cin);
    let mut m: Vec<f32> = Vec::with_capacity(xis * nt * cout);
    let vp = SharedMut::from_raw(v.as_mut_ptr());
    let tile_chunk = par::chunk_size(nt, (1usize << 12).div_ceil(xis * (cin + cout)).max(1));
    // SAFETY: each task writes its own tiles' slots of v.
    let zeros = vec![0.0f32; W::ALPHA * cin];
    par_each(nt, tile_chunk, &|t| unsafe { transform_input::<W>(p, x, &zeros, t, th, tw, t, nt, vp) });
    // SAFETY: transform_input wrote all α² * cin values of every tile.
    unsafe { v.set_len(xis * nt * cin) };
    let mp = m.as_mut_ptr();
    // SAFETY: M[ξ] is the ξ-th [nt, cout] block of m's capacity; the GEMMs
    // below write every element of it (each row and column of C).
    let outs: Vec<Out> = (0..xis).map(|xi| unsafe { Out::from_raw(mp.add(xi * nt * cout), cout) }).collect();
    par_each(xis, 1, &|xi| {
        let a = &v[xi * nt * cin..(xi + 1) * nt * cin];
        if cin <= KC && p.tuning.winograd_direct_small_k {
            small_k(nt, a, cin, &filter.packed[xi], outs[xi], p.tuning);
        } else {
            let run = Run { parallel: false, tuning: p.tuning, ..Run::default() };
            drive(nt, cin, &Dense { data: a, ld: cin, rows_are_contiguous: true }, &filter.packed[xi], outs[xi], run);
        }
    });
    // SAFETY: the α² GEMMs wrote every element of M.
    unsafe { m.set_len(xis * nt * cout) };
    let m = &m;
    // SAFETY: every output pixel belongs to exactly one tile.
    par_each(nt, tile_chunk, &|t| unsafe { transform_output::<W>(p, m, t, th, tw, t, nt, st, y) });
}

/// `f(i)` for `i < n` in chunks of `chunk` over the thread pool: one
/// instantiation of the thread pool's machinery for all of [`run_phased`]'s phases
/// (each generic call would add its own to the wasm).
fn par_each(n: usize, chunk: usize, f: &(dyn Fn(usize) + Sync)) {
    par::for_each_chunk(n, chunk, |r| r.for_each(f));
}

/// Writes tile `tile`'s α² transformed vectors into `v[ξ][slot][..cin]`.
///
/// # Safety
/// `v` holds `α² * nt * cin` floats; no other task writes this slot.
#[allow(clippy::too_many_arguments)]
#[inline(never)] // one copy per tiling for both drivers (wasm size)
unsafe fn transform_input<W: Tiling>(p: &Conv2d, x: &[f32], zeros: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, v: SharedMut) {
    let (cin, a) = (p.cin, W::ALPHA);
    let xis = a * a;
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let iy0 = (ty * W::OUT) as isize - p.y.pad_before as isize;
    let ix0 = (tx * W::OUT) as isize - p.x.pad_before as isize;
    if p.tuning.winograd_row_transforms {
        debug_assert!(zeros.len() >= a * cin);
        let rows = TileRows::new(x.as_ptr(), img, iy0, ix0, a, p.y.input, p.x.input, cin, zeros.as_ptr());
        input_rows(a, W::input_1d::<F32x4>, W::input_1d::<f32>, &rows, cin, v.at(slot * cin), nt * cin, p.tuning.winograd_grouped_transforms);
        return;
    }
    // Offsets of the α² input pixels, or None outside the image.
    let offs: [Option<usize>; MAX_XI] = core::array::from_fn(|i| {
        let (iy, ix) = (iy0 + (i / a) as isize, ix0 + (i % a) as isize);
        (i < xis && iy >= 0 && ix >= 0 && (iy as usize) < p.y.input && (ix as usize) < p.x.input)
            .then(|| ((img * p.y.input + iy as usize) * p.x.input + ix as usize) * cin)
    });
    let dst = |xi: usize, c: usize| (xi * nt + slot) * cin + c;
    let mut c = 0;
    while c + 4 <= cin {
        let vp = v.at(0);
        input_tile::<W, F32x4>(
            |i| match offs[i] {
                // SAFETY: o is a real pixel's offset and c + 4 <= cin.
                Some(o) => unsafe { F32x4::load(x.as_ptr().add(o + c)) },
                None => F32x4::zero(),
            },
            // SAFETY: dst(xi, c) + 4 <= v.len() for xi < α², slot < nt.
            |xi, val| unsafe { val.store(vp.add(dst(xi, c))) },
        );
        c += 4;
    }
    for c in c..cin {
        input_tile::<W, f32>(|i| offs[i].map_or(0.0, |o| x[o + c]), |xi, val| *v.at(dst(xi, c)) = val);
    }
}

/// [`transform_output`] through row pointers (`Tuning::winograd_row_transforms`),
/// compiled apart from the per-pixel path (one function held both and ran slower).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn output_rows<W: Tiling>(p: &Conv2d, m: &[f32], img: usize, oy0: usize, ox0: usize, slot: usize, nt: usize, st: Store, y: SharedMut) {
    let Store { bias, residual, act } = st;
    let (cout, o) = (p.cout, W::OUT);
    // M's tile: "row" i of the α x α tile is ξ = i * α + col, planes
    // nt * cout apart, so its rows are α planes apart and its columns one.
    let (a, plane) = (W::ALPHA, nt * cout);
    let mb = m.as_ptr().add(slot * cout);
    let rows = TileRows { rows: core::array::from_fn(|i| mb.wrapping_add(i * a * plane)), cols: (0, a) };
    let (nrows, ncols) = ((p.y.output - oy0).min(o), (p.x.output - ox0).min(o));
    let at = |r: usize, j: usize| ((img * p.y.output + oy0 + r) * p.x.output + ox0 + j) * cout;
    let mut c = 0;
    let grouped = p.tuning.winograd_grouped_transforms && (bias.is_some() || residual.is_some() || act != Activation::Linear);
    while grouped && c + 4 <= cout {
        let groups = ((cout - c) / 4).min(GROUPS);
        separable_groups(a, o, nrows, W::output_1d, &rows, plane, c, groups, |r, j, g, val| {
            if j < ncols {
                let (cg, off) = (c + 4 * g, at(r, j) + c + 4 * g);
                let v = val + bias.map_or(F32x4::zero(), |b| F32x4::load(b.as_ptr().add(cg)));
                let v = residual.map_or(v, |res| v + F32x4::load(res.as_ptr().add(off)));
                act.apply4(v).store(y.at(off));
            }
        });
        c += 4 * groups;
    }
    while c + 4 <= cout {
        let b = bias.map_or(F32x4::zero(), |b| F32x4::load(b.as_ptr().add(c)));
        separable_rows::<F32x4>(
            a,
            o,
            nrows,
            W::output_1d,
            &rows,
            plane,
            c,
            |q| F32x4::load(q),
            |r, j, val| {
                if j < ncols {
                    let off = at(r, j) + c;
                    let v = val + b;
                    let v = residual.map_or(v, |res| v + F32x4::load(res.as_ptr().add(off)));
                    act.apply4(v).store(y.at(off));
                }
            },
        );
        c += 4;
    }
    for c in c..cout {
        let b = bias.map_or(0.0, |b| b[c]);
        separable_rows::<f32>(
            a,
            o,
            nrows,
            W::output_1d,
            &rows,
            plane,
            c,
            |q| *q,
            |r, j, val| {
                if j < ncols {
                    let off = at(r, j) + c;
                    let v = val + b;
                    *y.at(off) = act.apply(residual.map_or(v, |res| v + res[off]));
                }
            },
        );
    }
}

/// [`output_rows`] for one epilogue known at compile time: a bias or none
/// (`BIAS`), ReLU or none (`RELU`), no residual
/// (`Tuning::winograd_output_kinds`; [`transform_output`] runs the three
/// kinds with a bias or ReLU). The general version decides per stored
/// vector whether there is a bias, a residual and which activation; here
/// each kind is its own straight-line store. The same
/// operations on every value, except that without a bias nothing is added
/// instead of `+ 0.0`, which changes no value: `x + 0.0 == x` bit for bit
/// for every `x` but `-0.0`, and the α² GEMMs' sums, which start from
/// `+0.0`, and the output transform's sums and differences of them never
/// make `-0.0`. So the same bits.
///
/// # Safety
/// As for [`output_rows`]; `bias` holds `cout` floats when `BIAS`.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn output_rows_kind<W: Tiling, const BIAS: bool, const RELU: bool>(
    p: &Conv2d,
    m: &[f32],
    img: usize,
    oy0: usize,
    ox0: usize,
    slot: usize,
    nt: usize,
    bias: &[f32],
    y: SharedMut,
) {
    debug_assert!(!BIAS || bias.len() >= p.cout);
    let (cout, o) = (p.cout, W::OUT);
    let (a, plane) = (W::ALPHA, nt * cout);
    let mb = m.as_ptr().add(slot * cout);
    let rows = TileRows { rows: core::array::from_fn(|i| mb.wrapping_add(i * a * plane)), cols: (0, a) };
    let (nrows, ncols) = ((p.y.output - oy0).min(o), (p.x.output - ox0).min(o));
    let at = |r: usize, j: usize| ((img * p.y.output + oy0 + r) * p.x.output + ox0 + j) * cout;
    let bp = bias.as_ptr();
    let epi4 = |v: F32x4, c: usize| {
        let v = if BIAS { v + F32x4::load(bp.add(c)) } else { v };
        if RELU {
            v.max(F32x4::zero())
        } else {
            v
        }
    };
    let mut c = 0;
    // As `output_rows`: channel groups per pass only with an epilogue.
    let grouped = p.tuning.winograd_grouped_transforms && (BIAS || RELU);
    while grouped && c + 4 <= cout {
        let groups = ((cout - c) / 4).min(GROUPS);
        separable_groups(a, o, nrows, W::output_1d, &rows, plane, c, groups, |r, j, g, val| {
            if j < ncols {
                let cg = c + 4 * g;
                epi4(val, cg).store(y.at(at(r, j) + cg));
            }
        });
        c += 4 * groups;
    }
    while c + 4 <= cout {
        separable_rows::<F32x4>(
            a,
            o,
            nrows,
            W::output_1d,
            &rows,
            plane,
            c,
            |q| F32x4::load(q),
            |r, j, val| {
                if j < ncols {
                    epi4(val, c).store(y.at(at(r, j) + c));
                }
            },
        );
        c += 4;
    }
    let act = if RELU { Activation::Relu } else { Activation::Linear };
    for c in c..cout {
        let b = if BIAS { *bp.add(c) } else { 0.0 };
        separable_rows::<f32>(
            a,
            o,
            nrows,
            W::output_1d,
            &rows,
            plane,
            c,
            |q| *q,
            |r, j, val| {
                if j < ncols {
                    *y.at(at(r, j) + c) = act.apply(val + b);
                }
            },
        );
    }
}

/// Reads tile `tile`'s `m[ξ][slot][..cout]`, writes its (up to) m x m outputs.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn transform_output<W: Tiling>(p: &Conv2d, m: &[f32], tile: usize, th: usize, tw: usize, slot: usize, nt: usize, st: Store, y: SharedMut) {
    let Store { bias, residual, act } = st;
    let (cout, o) = (p.cout, W::OUT);
    let (img, ty, tx) = (tile / (th * tw), (tile / tw) % th, tile % tw);
    let (oy0, ox0) = (ty * o, tx * o);
    if p.tuning.winograd_row_transforms {
        // Without a bias or an activation (the stride-1 input gradient) the
        // general version measured faster (switch 47 A/B, 1 thread, dx
        // 64x32x32x16->32 10.0 / 10.2 ms, 64x16x16x32->64 6.9 / 7.1).
        if p.tuning.winograd_output_kinds && residual.is_none() {
            let b = bias.unwrap_or(&[]);
            match (bias.is_some(), act) {
                (true, Activation::Relu) => return output_rows_kind::<W, true, true>(p, m, img, oy0, ox0, slot, nt, b, y),
                (true, Activation::Linear) => return output_rows_kind::<W, true, false>(p, m, img, oy0, ox0, slot, nt, b, y),
                (false, Activation::Relu) => return output_rows_kind::<W, false, true>(p, m, img, oy0, ox0, slot, nt, b, y),
                _ => {}
            }
        }
        return output_rows::<W>(p, m, img, oy0, ox0, slot, nt, st, y);
    }
    let outs: [Option<usize>; MAX_OUT * MAX_OUT] = core::array::from_fn(|i| {
        let (oy, ox) = (oy0 + i / o, ox0 + i % o);
        (i < o * o && oy < p.y.output && ox < p.x.output).then(|| ((img * p.y.output + oy) * p.x.output + ox) * cout)
    });
    let src = |xi: usize, c: usize| (xi * nt + slot) * cout + c;
    let mut c = 0;
    while c + 4 <= cout {
        let b = bias.map_or(F32x4::zero(), |b| F32x4::load(b.as_ptr().add(c)));
        output_tile::<W, F32x4>(
            |xi| F32x4::load(m.as_ptr().add(src(xi, c))),
            |i, val| {
                if let Some(off) = outs[i] {
                    let v = val + b;
                    let v = residual.map_or(v, |r| v + F32x4::load(r.as_ptr().add(off + c)));
                    act.apply4(v).store(y.at(off + c));
                }
            },
        );
        c += 4;
    }
    for c in c..cout {
        let b = bias.map_or(0.0, |b| b[c]);
        output_tile::<W, f32>(
            |xi| m[src(xi, c)],
            |i, val| {
                if let Some(off) = outs[i] {
                    let v = val + b;
                    *y.at(off + c) = act.apply(residual.map_or(v, |r| v + r[off + c]));
                }
            },
        );
    }
}
