#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>_<tile>__<arch>
//! The 4x8 register-tile micro-kernel (`f32_gemm_4x8__simd128`) and its
//! scalar twin.
//!
//! Both read `MR` rows of A as a list of segments — per segment one
//! pointer per row and a length — and a packed B panel `[kc][NR]`, and
//! update one `MR x NR` tile of C. A row-major A is one segment pointing
//! into the matrix itself; a convolution's patch row is one segment per
//! filter tap pointing into the input image (or a zero row for padding), so
//! A is never copied: XNNPACK's indirect GEMM. Eight `F32x4` accumulators hold the tile
//! (rows 0..4 x column halves 0..4 / 4..8): with the two B vectors and one
//! broadcast A value that is 11 live vectors, inside V8's 15 usable xmm
//! registers; wider tiles spill to the stack (V8 on x86-64, as measured when
//! the kernel was written).
//!
//! Products are summed in `k` order, mul then add, starting from zero (or
//! from C when `load_c`), so the SIMD and scalar kernels agree bit for bit.

use crate::simd::F32x4;

pub const MR: usize = 4;
pub const NR: usize = 8;

/// What happens to a tile after its last K block: add a per-column bias and
/// apply an activation, fused into the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Activation {
    #[default]
    Linear,
    Relu,
    /// `min(max(x, 0), 6)` (MobileNet's; `tf.relu6`).
    Relu6,
}

impl Activation {
    /// From the boundary's code: 0 linear, 1 relu, 2 relu6.
    pub fn from_code(op: &'static str, code: u32) -> crate::error::Result<Activation> {
        match code {
            0 => Ok(Activation::Linear),
            1 => Ok(Activation::Relu),
            2 => Ok(Activation::Relu6),
            c => Err(crate::error::CoreError::new(op, format!("unknown fused activation code {c}, expected 0 (linear), 1 (relu) or 2 (relu6)"))),
        }
    }

    /// The activation of one value (the scalar twins' form: `x < 0 ? 0 : x`,
    /// then `x > 6 ? 6 : x`, which is what the vector `pmax`/`pmin` give).
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Linear => x,
            Activation::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Activation::Relu6 => {
                let r = if x < 0.0 { 0.0 } else { x };
                if r > 6.0 {
                    6.0
                } else {
                    r
                }
            }
        }
    }

    /// The activation of four lanes.
    #[inline(always)]
    pub fn apply4(self, x: F32x4) -> F32x4 {
        match self {
            Activation::Linear => x,
            Activation::Relu => x.max(F32x4::zero()),
            Activation::Relu6 => x.max(F32x4::zero()).min(F32x4::splat(6.0)),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Epilogue<'a> {
    /// Bias for this tile's columns (at least `nr` values), if any.
    pub bias: Option<&'a [f32]>,
    /// A residual added after the bias, before the activation (a ResNet
    /// block's shortcut): element `(r, j)` of the tile at
    /// `residual + r * ldr + j`; null for none.
    pub residual: *const f32,
    pub ldr: usize,
    pub act: Activation,
}

impl Epilogue<'_> {
    pub const NONE: Epilogue<'static> = Epilogue { bias: None, residual: core::ptr::null(), ldr: 0, act: Activation::Linear };
}

/// One stretch of the K dimension: rows `0..MR` of A continue at `a[r]`
/// for `len` values, `stride` floats apart (1 for contiguous rows; the
/// filter gradient reads a patch value of consecutive output pixels
/// straight from the input, `stride * cin` apart).
#[derive(Clone, Copy, Debug)]
pub struct Seg {
    pub a: [*const f32; MR],
    pub len: usize,
    pub stride: usize,
}

impl Seg {
    /// Contiguous rows.
    pub fn new(a: [*const f32; MR], len: usize) -> Seg {
        Seg { a, len, stride: 1 }
    }
}

/// C tile description: `c` points at element (0,0) of the tile, rows are
/// `ldc` floats apart; only the first `mr` rows and `nr` columns are real.
pub struct Tile {
    pub c: *mut f32,
    pub ldc: usize,
    pub mr: usize,
    pub nr: usize,
}

/// SIMD micro-kernel on a packed B panel (`[kc][NR]`). `load_c`: start
/// from the values in C (a later K block, or accumulation into an existing
/// result); `epi` is applied only when given (last K block).
///
/// # Safety
/// Each segment's `a[r]` holds `len` floats `stride` apart (rows past
/// `t.mr` may repeat row 0), `b` holds `sum(len) * NR` floats, and the tile's `mr x nr`
/// elements are valid for reads and writes.
#[inline(always)]
pub unsafe fn f32_gemm_4x8__simd128(segs: &[Seg], b: *const f32, t: &Tile, load_c: bool, epi: Option<Epilogue>) {
    f32_gemm_4x8__simd128_ldb(segs, b, NR, t, load_c, epi)
}

/// As [`f32_gemm_4x8__simd128`], with B's rows `ldb` floats apart: `NR`
/// for a packed panel, the matrix's row length when B is read in place
/// (a row-major `[K, N]` filter: no packing copy at all).
///
/// # Safety
/// As for [`f32_gemm_4x8__simd128`], with `b + kk * ldb` holding `NR`
/// floats for every `kk < sum(len)`.
#[inline(never)]
pub unsafe fn f32_gemm_4x8__simd128_ldb(segs: &[Seg], b: *const f32, ldb: usize, t: &Tile, load_c: bool, epi: Option<Epilogue>) {
    debug_assert!(t.mr >= 1 && t.mr <= MR && t.nr >= 1 && t.nr <= NR);
    let full = t.mr == MR && t.nr == NR;
    // A full 4x8 view of a partial tile. Zero-filled only for partial tiles:
    // full tiles (nearly all) never touch it, and the fill was 8 stores per
    // call, much for Winograd's K = 16 calls.
    let mut buf_mem = core::mem::MaybeUninit::<[f32; MR * NR]>::uninit();
    let buf = buf_mem.as_mut_ptr() as *mut f32;
    if !full {
        core::ptr::write_bytes(buf, 0, MR * NR);
    }
    let (mut vacc0x0123, mut vacc0x4567, mut vacc1x0123, mut vacc1x4567);
    let (mut vacc2x0123, mut vacc2x4567, mut vacc3x0123, mut vacc3x4567);
    if load_c {
        // Gather the (possibly partial) tile into a full 4x8 view first.
        let (src, ld) = if full {
            (t.c as *const f32, t.ldc)
        } else {
            for r in 0..t.mr {
                for j in 0..t.nr {
                    *buf.add(r * NR + j) = *t.c.add(r * t.ldc + j);
                }
            }
            (buf as *const f32, NR)
        };
        vacc0x0123 = F32x4::load(src);
        vacc0x4567 = F32x4::load(src.add(4));
        vacc1x0123 = F32x4::load(src.add(ld));
        vacc1x4567 = F32x4::load(src.add(ld + 4));
        vacc2x0123 = F32x4::load(src.add(2 * ld));
        vacc2x4567 = F32x4::load(src.add(2 * ld + 4));
        vacc3x0123 = F32x4::load(src.add(3 * ld));
        vacc3x4567 = F32x4::load(src.add(3 * ld + 4));
    } else {
        let z = F32x4::zero();
        (vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567) = (z, z, z, z);
        (vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567) = (z, z, z, z);
    }

    let mut acc = [vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567, vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567];
    let mut pb = b;
    for seg in segs {
        pb = rank1_updates_4x8(&mut acc, seg.a, seg.stride, pb, ldb, seg.len);
    }
    [vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567, vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567] = acc;

    if let Some(e) = epi {
        if let Some(bias) = e.bias {
            let (vb0123, vb4567) = if t.nr == NR {
                (F32x4::load(bias.as_ptr()), F32x4::load(bias.as_ptr().add(4)))
            } else {
                let mut tmp = [0.0f32; NR];
                tmp[..t.nr].copy_from_slice(&bias[..t.nr]);
                (F32x4::load(tmp.as_ptr()), F32x4::load(tmp.as_ptr().add(4)))
            };
            vacc0x0123 = vacc0x0123.add(vb0123);
            vacc0x4567 = vacc0x4567.add(vb4567);
            vacc1x0123 = vacc1x0123.add(vb0123);
            vacc1x4567 = vacc1x4567.add(vb4567);
            vacc2x0123 = vacc2x0123.add(vb0123);
            vacc2x4567 = vacc2x4567.add(vb4567);
            vacc3x0123 = vacc3x0123.add(vb0123);
            vacc3x4567 = vacc3x4567.add(vb4567);
        }
        if !e.residual.is_null() {
            // (sum + bias) + residual: the order of the unfused conv then add.
            let (src, ld) = if full {
                (e.residual, e.ldr)
            } else {
                for r in 0..t.mr {
                    for j in 0..t.nr {
                        *buf.add(r * NR + j) = *e.residual.add(r * e.ldr + j);
                    }
                }
                (buf as *const f32, NR)
            };
            vacc0x0123 = vacc0x0123.add(F32x4::load(src));
            vacc0x4567 = vacc0x4567.add(F32x4::load(src.add(4)));
            vacc1x0123 = vacc1x0123.add(F32x4::load(src.add(ld)));
            vacc1x4567 = vacc1x4567.add(F32x4::load(src.add(ld + 4)));
            vacc2x0123 = vacc2x0123.add(F32x4::load(src.add(2 * ld)));
            vacc2x4567 = vacc2x4567.add(F32x4::load(src.add(2 * ld + 4)));
            vacc3x0123 = vacc3x0123.add(F32x4::load(src.add(3 * ld)));
            vacc3x4567 = vacc3x4567.add(F32x4::load(src.add(3 * ld + 4)));
        }
        if e.act != Activation::Linear {
            let f = |v: F32x4| e.act.apply4(v);
            vacc0x0123 = f(vacc0x0123);
            vacc0x4567 = f(vacc0x4567);
            vacc1x0123 = f(vacc1x0123);
            vacc1x4567 = f(vacc1x4567);
            vacc2x0123 = f(vacc2x0123);
            vacc2x4567 = f(vacc2x4567);
            vacc3x0123 = f(vacc3x0123);
            vacc3x4567 = f(vacc3x4567);
        }
    }

    let (dst, ld) = if full { (t.c, t.ldc) } else { (buf, NR) };
    vacc0x0123.store(dst);
    vacc0x4567.store(dst.add(4));
    vacc1x0123.store(dst.add(ld));
    vacc1x4567.store(dst.add(ld + 4));
    vacc2x0123.store(dst.add(2 * ld));
    vacc2x4567.store(dst.add(2 * ld + 4));
    vacc3x0123.store(dst.add(3 * ld));
    vacc3x4567.store(dst.add(3 * ld + 4));
    if !full {
        for r in 0..t.mr {
            for j in 0..t.nr {
                *t.c.add(r * t.ldc + j) = *buf.add(r * NR + j);
            }
        }
    }
}

/// The 4 x 8 tile's products: `len` rank-1 updates of the accumulators
/// (`acc[2r]`, `acc[2r + 1]`: row `r`, columns 0-3 and 4-7) by A's rows
/// `pa[r]` (`a_step` floats a step) and B's 8-float rows from `pb` (`ldb`
/// apart), in `k` order; returns B's pointer after them (the next
/// segment's start). The one inner loop of both 4 x 8 kernels.
///
/// # Safety
/// Each `pa[r]` holds `len` floats `a_step` apart and `pb + i * ldb` holds
/// 8 floats for every `i < len`.
#[inline(always)]
unsafe fn rank1_updates_4x8(acc: &mut [F32x4; 8], pa: [*const f32; MR], a_step: usize, mut pb: *const f32, ldb: usize, len: usize) -> *const f32 {
    let [mut pa0, mut pa1, mut pa2, mut pa3] = pa;
    for _ in 0..len {
        let vb0123 = F32x4::load(pb);
        let vb4567 = F32x4::load(pb.add(4));
        let va0 = F32x4::load_splat(pa0);
        acc[0] = acc[0].mul_add(va0, vb0123);
        acc[1] = acc[1].mul_add(va0, vb4567);
        let va1 = F32x4::load_splat(pa1);
        acc[2] = acc[2].mul_add(va1, vb0123);
        acc[3] = acc[3].mul_add(va1, vb4567);
        let va2 = F32x4::load_splat(pa2);
        acc[4] = acc[4].mul_add(va2, vb0123);
        acc[5] = acc[5].mul_add(va2, vb4567);
        let va3 = F32x4::load_splat(pa3);
        acc[6] = acc[6].mul_add(va3, vb0123);
        acc[7] = acc[7].mul_add(va3, vb4567);
        pa0 = pa0.wrapping_add(a_step);
        pa1 = pa1.wrapping_add(a_step);
        pa2 = pa2.wrapping_add(a_step);
        pa3 = pa3.wrapping_add(a_step);
        pb = pb.wrapping_add(ldb);
    }
    pb
}

/// `C[0..4, 0..8 * panels] = A[0..4, 0..k] * B` for four contiguous rows of
/// A (`a[r]`) and `panels` full 8-column panels of B (panel `j` at
/// `b + j * panel_step`, rows `ldb` apart): the column panels of one row
/// panel in one call, for Winograd's short GEMMs (K = channels, 16-64),
/// where [`f32_gemm_4x8__simd128_ldb`]'s per-call work (segments, partial
/// tiles, epilogue) is a large part of each tile. Products summed in `k`
/// order from zero, as that kernel does: the same bits.
///
/// # Safety
/// Each `a[r]` holds `k` floats; each panel holds `k` rows of 8 floats
/// `ldb` apart; C holds 4 rows (`ldc` apart) of `8 * panels` floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn f32_gemm_4x8_panels__simd128(
    a: [*const f32; MR],
    k: usize,
    b: *const f32,
    ldb: usize,
    panel_step: usize,
    panels: usize,
    c: *mut f32,
    ldc: usize,
) {
    f32_gemm_4x8_panels_strided__simd128(a, 1, k, b, ldb, panel_step, panels, c, ldc, false)
}

/// [`f32_gemm_4x8_panels__simd128`] with A's rows read `a_stride` floats
/// apart (a transposed A read in place), and with `load_c` starting from
/// the values in C (a later block of K) instead of zero.
///
/// # Safety
/// As for [`f32_gemm_4x8_panels__simd128`], with each `a[r]` holding `k`
/// floats `a_stride` apart.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn f32_gemm_4x8_panels_strided__simd128(
    a: [*const f32; MR],
    a_stride: usize,
    k: usize,
    b: *const f32,
    ldb: usize,
    panel_step: usize,
    panels: usize,
    c: *mut f32,
    ldc: usize,
    load_c: bool,
) {
    for j in 0..panels {
        let dst = c.add(j * NR);
        let mut acc = if load_c { load_tile_4x8(dst, ldc) } else { [F32x4::zero(); 8] };
        rank1_updates_4x8(&mut acc, a, a_stride, b.add(j * panel_step), ldb, k);
        store_tile_4x8(&acc, dst, ldc);
    }
}

/// `C[0..4, 0..8 * panels] = A * B` for `MR` rows of A given as segments
/// (as [`f32_gemm_4x8__simd128_ldb`] reads them) and `panels` full
/// 8-column panels of B (panel `j` at `b + j * panel_step`, rows `ldb`
/// apart): the column panels of one row panel in one call, without that
/// kernel's per-tile work (partial tiles, the epilogue). For layers whose
/// K is short (first layers: 27 values in 3 segments), where that work was
/// a large part of each tile. Products summed in `k` order from zero: the
/// same bits as a call per tile.
///
/// # Safety
/// Each segment's `a[r]` holds `len` floats `stride` apart; each panel
/// holds `sum(len)` rows of 8 floats `ldb` apart; C holds 4 rows (`ldc`
/// apart) of `8 * panels` floats.
#[inline(always)]
pub unsafe fn f32_gemm_4x8_panels_segs__simd128(segs: &[Seg], b: *const f32, ldb: usize, panel_step: usize, panels: usize, c: *mut f32, ldc: usize) {
    f32_gemm_4x8_panels_segs_c__simd128(segs, b, ldb, panel_step, panels, c, ldc, false)
}

/// [`f32_gemm_4x8_panels_segs__simd128`], starting from the values in C
/// when `load_c` (a later block of K).
///
/// # Safety
/// As for [`f32_gemm_4x8_panels_segs__simd128`].
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn f32_gemm_4x8_panels_segs_c__simd128(
    segs: &[Seg],
    b: *const f32,
    ldb: usize,
    panel_step: usize,
    panels: usize,
    c: *mut f32,
    ldc: usize,
    load_c: bool,
) {
    for j in 0..panels {
        let dst = c.add(j * NR);
        let mut acc = if load_c { load_tile_4x8(dst, ldc) } else { [F32x4::zero(); 8] };
        let mut pb = b.add(j * panel_step);
        for seg in segs {
            pb = rank1_updates_4x8(&mut acc, seg.a, seg.stride, pb, ldb, seg.len);
        }
        store_tile_4x8(&acc, dst, ldc);
    }
}

/// The 4 x 8 tile at `c` (rows `ldc` apart) as the accumulators
/// [`rank1_updates_4x8`] updates.
///
/// # Safety
/// `c` holds 4 rows of 8 floats `ldc` apart.
#[inline(always)]
pub(crate) unsafe fn load_tile_4x8(c: *const f32, ldc: usize) -> [F32x4; 8] {
    core::array::from_fn(|i| F32x4::load(c.add((i / 2) * ldc + (i % 2) * 4)))
}

/// Stores the accumulators of a 4 x 8 tile at `c` (rows `ldc` apart).
///
/// # Safety
/// `c` holds 4 rows of 8 floats `ldc` apart.
#[inline(always)]
pub(crate) unsafe fn store_tile_4x8(acc: &[F32x4; 8], c: *mut f32, ldc: usize) {
    for (i, v) in acc.iter().enumerate() {
        v.store(c.add((i / 2) * ldc + (i % 2) * 4));
    }
}

/// As [`rank1_updates_4x8`] for an A packed as `[len][MR]` (value `i` of
/// row `r` at `pa + i * MR + r`): one pointer with the rows at constant
/// offsets, so each step moves two pointers (A's and B's) instead of five.
/// The same loads and multiply-adds in the same order.
///
/// # Safety
/// `pa` holds `len * MR` floats and `pb + i * ldb` holds 8 floats for every `i < len`.
#[inline(always)]
unsafe fn rank1_updates_4x8_packed(acc: &mut [F32x4; 8], mut pa: *const f32, mut pb: *const f32, ldb: usize, len: usize) {
    let end = pa.wrapping_add(len * MR);
    while pa != end {
        let vb0123 = F32x4::load(pb);
        let vb4567 = F32x4::load(pb.add(4));
        let va0 = F32x4::load_splat(pa);
        acc[0] = acc[0].mul_add(va0, vb0123);
        acc[1] = acc[1].mul_add(va0, vb4567);
        let va1 = F32x4::load_splat(pa.add(1));
        acc[2] = acc[2].mul_add(va1, vb0123);
        acc[3] = acc[3].mul_add(va1, vb4567);
        let va2 = F32x4::load_splat(pa.add(2));
        acc[4] = acc[4].mul_add(va2, vb0123);
        acc[5] = acc[5].mul_add(va2, vb4567);
        let va3 = F32x4::load_splat(pa.add(3));
        acc[6] = acc[6].mul_add(va3, vb0123);
        acc[7] = acc[7].mul_add(va3, vb4567);
        pa = pa.wrapping_add(MR);
        pb = pb.wrapping_add(ldb);
    }
}

/// `C[0..4, 0..8 * panels] (+)= A * B` for an A packed as `[k][MR]` (see
/// [`rank1_updates_4x8_packed`]) and `panels` full 8-column panels of B
/// (panel `j` at `b + j * panel_step`, rows `ldb` apart), starting from C
/// when `load_c`. The same bits as [`f32_gemm_4x8_panels_strided__simd128`]
/// on the same values.
///
/// # Safety
/// `a` holds `k * MR` floats; each panel holds `k` rows of 8 floats `ldb`
/// apart; C holds 4 rows (`ldc` apart) of `8 * panels` floats.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn f32_gemm_4x8_panels_packed__simd128(
    a: *const f32,
    k: usize,
    b: *const f32,
    ldb: usize,
    panel_step: usize,
    panels: usize,
    c: *mut f32,
    ldc: usize,
    load_c: bool,
) {
    for j in 0..panels {
        let dst = c.add(j * NR);
        let mut acc = if load_c { load_tile_4x8(dst, ldc) } else { [F32x4::zero(); 8] };
        rank1_updates_4x8_packed(&mut acc, a, b.add(j * panel_step), ldb, k);
        store_tile_4x8(&acc, dst, ldc);
    }
}

/// A stretch of K for [`f32_gemm_4x8_runs_packed__simd128`]: rows
/// `a..a + len` of the packed A against B rows `ldb` apart from offset `b`
/// (K rows that B does not hold, such as a convolution's taps in the
/// padding, are left out of every run: their products are zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunB {
    pub a: usize,
    pub b: usize,
    pub len: usize,
}

/// `C[0..4, 0..8 * panels] (+)= A * B` for an A packed as `[k][MR]` (see
/// [`rank1_updates_4x8_packed`]) and a B read where it lies, as runs of
/// rows (`runs`, in order): run `r` multiplies A's rows `r.a..` with B's
/// rows `b + r.b + i * ldb`, panel `j` at `+ j * panel_step`. For the
/// filter gradient of strided layers, where B is the patch matrix: its
/// rows for one tap along an output row are the input's pixels `stride *
/// cin` floats apart, so B need not be packed (a copy of every patch:
/// 2.25 times the input for 3x3 stride 2). Starts from C when `load_c`.
/// The same products in the same order as
/// [`f32_gemm_4x8_panels_packed__simd128`] over the runs' rows, without
/// the zero rows it would be given for the padding.
///
/// # Safety
/// `a` holds `MR` floats at `(r.a + i) * MR` and `b + r.b + i * ldb + j *
/// panel_step` holds 8 floats, for every run `r`, `i < r.len` and `j <
/// panels`; C holds 4 rows (`ldc` apart) of `8 * panels` floats.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn f32_gemm_4x8_runs_packed__simd128(
    a: *const f32,
    runs: &[RunB],
    b: *const f32,
    ldb: usize,
    panel_step: usize,
    panels: usize,
    c: *mut f32,
    ldc: usize,
    load_c: bool,
) {
    for j in 0..panels {
        let dst = c.add(j * NR);
        let mut acc = if load_c { load_tile_4x8(dst, ldc) } else { [F32x4::zero(); 8] };
        let pb = b.add(j * panel_step);
        for r in runs {
            rank1_updates_4x8_packed(&mut acc, a.add(r.a * MR), pb.add(r.b), ldb, r.len);
        }
        store_tile_4x8(&acc, dst, ldc);
    }
}

/// Scalar twin of [`f32_gemm_4x8__simd128_ldb`]: same contract, plain loops.
///
/// # Safety
/// As for the SIMD kernel.
pub unsafe fn f32_gemm_4x8__scalar(segs: &[Seg], b: *const f32, ldb: usize, t: &Tile, load_c: bool, epi: Option<Epilogue>) {
    for r in 0..t.mr {
        for j in 0..t.nr {
            let cp = t.c.add(r * t.ldc + j);
            let mut acc = if load_c { *cp } else { 0.0 };
            let mut p = 0;
            for seg in segs {
                for i in 0..seg.len {
                    acc += *seg.a[r].add(i * seg.stride) * *b.add(p * ldb + j);
                    p += 1;
                }
            }
            if let Some(e) = epi {
                if let Some(bias) = e.bias {
                    acc += bias[j];
                }
                if !e.residual.is_null() {
                    acc += *e.residual.add(r * e.ldr + j);
                }
                acc = e.act.apply(acc);
            }
            *cp = acc;
        }
    }
}
