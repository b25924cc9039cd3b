//! General matrix multiply, the engine under dense layers and convolution.
//!
//! `C[M,N] (+)= op(A)[M,K] * op(B)[K,N]`, then bias and activation.
//!
//! The driver is GotoBLAS-shaped: B is packed once into `NR`-column panels
//! (`[k][NR]`, zero-padded), and the 4x8 micro-kernel walks K block by K
//! block reading `MR` rows of A through segments of row pointers. What "a
//! row of A" is comes from a [`RowSource`]: a row-major matrix hands out one
//! segment pointing into itself; a convolution hands out one segment per
//! filter tap pointing into the input (indirect GEMM: padding, strides and
//! dilation resolved by where the pointers point, nothing copied); sources
//! that cannot point (transposed A) gather into a small scratch.

pub mod fixed;
pub mod kernel;

use crate::error::{check_len, numel, CoreError, Result};
use crate::par::{self, SharedMut};
use crate::tuning::Tuning;
pub use kernel::Seg;
use kernel::{f32_gemm_4x8__scalar, f32_gemm_4x8__simd128_ldb, Tile};
pub use kernel::{Activation, Epilogue, MR, NR};

/// Largest K block: an A panel (`KC * MR` floats = 5 KiB) and a B panel
/// (`KC * NR`, 10 KiB) stay in L1 while the B block (`KC * NC` floats)
/// stays in L2. [`drive`] runs a K of up to `KC` as one block (288 = 3x3x32
/// then needs no second pass over C for its last 32: 64x16x16x32->64 s2
/// forward 4.81 -> 4.68 ms, A/B twice over 21 rounds, `Tuning::gemm_single_k_block`) and
/// a longer K in blocks of [`KC_LONG`]. Equal blocks for longer K measured
/// worse: K = 576 as 3 x 192 instead of 256 + 256 + 64 made 64x8x8x64->64 s2
/// 2.5 -> 2.7 ms (fewer multiply-adds per reload of C).
pub const KC: usize = 320;
/// K block when K needs several blocks.
pub const KC_LONG: usize = 256;
/// N block, in columns (multiple of `NR`).
pub const NC: usize = 256;

/// Something that can write `P`-wide panels of a matrix: rows `r0..r0+rows`
/// (`rows <= P`) over the inner index range `k0..k0+kc`, as `out[kk * P + r]`
/// with the rows past `rows` written as zeros. The B side.
pub trait PanelSource: Sync {
    fn pack(&self, r0: usize, rows: usize, k0: usize, kc: usize, p: usize, out: &mut [f32]);
}

/// Scratch for one A panel: `MR` rows of up to `KC` floats, row `r` at
/// `r * KC`.
pub type RowScratch = [f32; MR * KC];

/// The A side: fills `segs` with the segments that make up rows
/// `r0..r0+rows` (`rows <= MR`) over the inner range `k0..k0+kc` (lengths
/// summing to `kc`), pointing into the source's own memory or into
/// `scratch` after gathering. Pointers past `rows` repeat row 0.
pub trait RowSource: Sync {
    fn rows(&self, r0: usize, rows: usize, k0: usize, kc: usize, scratch: &mut RowScratch, segs: &mut Vec<Seg>);
}

/// Fills the unused row pointers with row 0's.
#[inline(always)]
pub fn fill_rows(mut ptrs: [*const f32; MR], rows: usize) -> [*const f32; MR] {
    for r in rows..MR {
        ptrs[r] = ptrs[0];
    }
    ptrs
}

/// A row-major matrix seen as the source of panels.
///
/// `rows_are_contiguous = true`: panel row `r` is the contiguous memory row
/// `data[r * ld ..]` (A without transpose, or B with transpose). `false`:
/// panel row `r` is column `r` of the stored matrix (A transposed, or B
/// without transpose), i.e. `data[kk * ld + r]`.
pub struct Dense<'a> {
    pub data: &'a [f32],
    pub ld: usize,
    pub rows_are_contiguous: bool,
}

impl PanelSource for Dense<'_> {
    fn pack(&self, r0: usize, rows: usize, k0: usize, kc: usize, p: usize, out: &mut [f32]) {
        let out = &mut out[..kc * p];
        if rows < p {
            out.fill(0.0);
        }
        if self.rows_are_contiguous {
            for r in 0..rows {
                let row = &self.data[(r0 + r) * self.ld + k0..][..kc];
                for (kk, v) in row.iter().enumerate() {
                    out[kk * p + r] = *v;
                }
            }
        } else if rows == p && p == NR {
            // Full 8-wide panels (a row-major B: filters, dense weights, a
            // chunk of dy): two vector copies per row instead of a
            // `copy_from_slice`, which in wasm is a `memory.copy` call for
            // 32 bytes.
            for kk in 0..kc {
                let src = &self.data[(k0 + kk) * self.ld + r0..][..NR];
                let dst = &mut out[kk * NR..(kk + 1) * NR];
                // SAFETY: both slices hold NR = 8 floats.
                unsafe {
                    use crate::simd::F32x4;
                    F32x4::load(src.as_ptr()).store(dst.as_mut_ptr());
                    F32x4::load(src.as_ptr().add(4)).store(dst.as_mut_ptr().add(4));
                }
            }
        } else {
            for kk in 0..kc {
                let src = &self.data[(k0 + kk) * self.ld + r0..][..rows];
                out[kk * p..kk * p + rows].copy_from_slice(src);
            }
        }
    }
}

impl RowSource for Dense<'_> {
    fn rows(&self, r0: usize, rows: usize, k0: usize, kc: usize, scratch: &mut RowScratch, segs: &mut Vec<Seg>) {
        let mut ptrs = [core::ptr::null(); MR];
        if self.rows_are_contiguous {
            for (r, p) in ptrs.iter_mut().enumerate().take(rows) {
                *p = self.data[(r0 + r) * self.ld + k0..][..kc].as_ptr();
            }
        } else {
            for kk in 0..kc {
                let src = &self.data[(k0 + kk) * self.ld + r0..][..rows];
                for (r, v) in src.iter().enumerate() {
                    scratch[r * KC + kk] = *v;
                }
            }
            for (r, p) in ptrs.iter_mut().enumerate().take(rows) {
                *p = scratch[r * KC..].as_ptr();
            }
        }
        segs.push(Seg::new(fill_rows(ptrs, rows), kc));
    }
}

/// B as the micro-kernel reads it: `NR`-column panels covering all of K,
/// panel `j` at `j * panel_step`, its row `kk` at `+ kk * ldb`. Packed
/// (owned, `[k][NR]` per panel, zero-padded: `ldb = NR`), or read in place
/// from a row-major `[K, N]` matrix whose N is a multiple of `NR`
/// (`ldb` = its row length, `panel_step = NR`): no copy, which is what
/// batch-1 layers want, where packing a multi-megabyte filter took as long
/// as the product (see [`in_place_pays`]).
pub struct PackedB<'a> {
    data: std::borrow::Cow<'a, [f32]>,
    pub k: usize,
    pub n: usize,
    ldb: usize,
    panel_step: usize,
}

impl PackedB<'static> {
    pub fn new(src: &dyn PanelSourceDyn, k: usize, n: usize) -> PackedB<'static> {
        PackedB::packed(src, k, n, PARALLEL_PACK_MIN)
    }

    /// [`PackedB::new`], split over the thread pool (4 panels per task)
    /// from `parallel_from` packed floats.
    fn packed(src: &dyn PanelSourceDyn, k: usize, n: usize, parallel_from: usize) -> PackedB<'static> {
        let panels = n.div_ceil(NR);
        let mut data = vec![0.0f32; panels * k * NR];
        let pack = |first: usize, chunk: &mut [f32]| {
            for (i, panel) in chunk.chunks_mut(k * NR).enumerate() {
                let j = first + i;
                let cols = NR.min(n - j * NR);
                src.pack_dyn(j * NR, cols, 0, k, NR, panel);
            }
        };
        // Small B (most filters): packing takes microseconds, less than
        // waking the pool would.
        if k > 0 && data.len() >= parallel_from {
            par::for_each_out_chunk(&mut data, k * NR, 4, pack);
        } else if k > 0 {
            pack(0, &mut data);
        }
        PackedB { data: data.into(), k, n, ldb: NR, panel_step: k * NR }
    }
}

impl<'a> PackedB<'a> {
    /// Panels packed by the caller: `data` holds `n.div_ceil(NR)` panels of
    /// `[k][NR]`, panel `j` at `j * k * NR` (the layout [`PackedB::new`]
    /// writes). `None` when `data` is too short.
    pub fn from_panels(data: Vec<f32>, k: usize, n: usize) -> Option<PackedB<'static>> {
        (data.len() >= n.div_ceil(NR) * k * NR).then(|| PackedB { data: data.into(), k, n, ldb: NR, panel_step: k * NR })
    }

    /// B read where it is: `b[kk * ld + j]` for `kk < k`, `j < n`. `None`
    /// when `n` is not a multiple of `NR` (the last panel would read past
    /// the rows) or `b` is too short.
    pub fn in_place(b: &'a [f32], ld: usize, k: usize, n: usize) -> Option<PackedB<'a>> {
        let fits = k == 0 || b.len() >= (k - 1) * ld + n;
        (n.is_multiple_of(NR) && ld >= n && fits).then(|| PackedB { data: b.into(), k, n, ldb: ld, panel_step: NR })
    }

    /// Panels packed earlier in [`PackedB::new`]'s layout (`n.div_ceil(NR)`
    /// panels of `[k][NR]`, zero-padded), borrowed: `None` unless `data`
    /// has exactly that length.
    pub fn from_packed(data: &'a [f32], k: usize, n: usize) -> Option<PackedB<'a>> {
        (data.len() == packed_len(k, n)).then(|| PackedB { data: data.into(), k, n, ldb: NR, panel_step: k * NR })
    }

    /// An owned row-major `[k, n]` matrix read in place (`n` a multiple of
    /// `NR`), or packed when it is not.
    pub fn from_rows(data: Vec<f32>, k: usize, n: usize) -> PackedB<'static> {
        if n.is_multiple_of(NR) && data.len() >= k * n {
            return PackedB { data: data.into(), k, n, ldb: n, panel_step: NR };
        }
        PackedB::new(&Dense { data: &data, ld: n, rows_are_contiguous: false }, k, n)
    }

    /// `B` of a row-major `[k, n]` matrix (`ld` floats per row) for an
    /// `m`-row product: in place when that pays, else packed.
    pub fn for_rows(m: usize, b: &'a [f32], ld: usize, k: usize, n: usize, tuning: Tuning) -> PackedB<'a> {
        if in_place_pays(m, k, tuning) {
            if let Some(v) = PackedB::in_place(b, ld, k, n) {
                return v;
            }
        }
        let from = if tuning.pack_filters_parallel { PARALLEL_PACK_MIN_ROWS } else { PARALLEL_PACK_MIN };
        PackedB::packed(&Dense { data: b, ld, rows_are_contiguous: false }, k, n, from)
    }

    pub(crate) fn panel(&self, j: usize, k0: usize) -> *const f32 {
        self.data[j * self.panel_step + k0 * self.ldb..].as_ptr()
    }

    /// Floats between rows of a panel (what the micro-kernel steps by).
    pub(crate) fn ldb(&self) -> usize {
        self.ldb
    }

    /// Floats between the starts of consecutive panels.
    pub(crate) fn panel_step(&self) -> usize {
        self.panel_step
    }
}

/// Packed floats from which [`PackedB::new`] splits its packing over the
/// thread pool.
const PARALLEL_PACK_MIN: usize = 1 << 16;

/// [`PARALLEL_PACK_MIN`] of [`PackedB::for_rows`] (a convolution's or
/// matMul's row-major B, packed for many rows) with
/// `Tuning::pack_filters_parallel`: 16K floats. The 3x3 filters of 32-64
/// channels (18-37K floats, 64x8x8x64->64 s2 and 64x16x16x32->64 s2 forward)
/// were packed on the calling thread, tens of microseconds while the
/// other thread waited; the product that follows runs over the pool anyway,
/// so it is awake.
const PARALLEL_PACK_MIN_ROWS: usize = 1 << 14;

/// Floats of a packed `[k, n]` B ([`PackedB::new`]'s layout).
pub fn packed_len(k: usize, n: usize) -> usize {
    n.div_ceil(NR) * k * NR
}

/// Whether an `m`-row product reads its B in place instead of packing it.
/// Packing copies all of B once (and allocates it); each row panel then
/// reads contiguous panels instead of `NR`-float pieces `ld` apart. With
/// few rows the copy is a large part of the work: the 1x1 convolutions at
/// 7x7 and 14x14 of ResNet-50 at batch 1 (`m` = 49-196, B 1-8 MB) and
/// VGG16's dense layers (`m` = 1, B 411 MB). Measured A/B in the notes of
/// `Tuning::gemm_b_in_place`.
pub fn in_place_pays(m: usize, _k: usize, tuning: Tuning) -> bool {
    tuning.gemm_b_in_place && m <= IN_PLACE_MAX_M
}

/// Largest row count for which [`in_place_pays`]. Measured A/B (switch
/// 10, wasm, 1 thread, load average 7, 1x1 convolutions, ms packed / in
/// place): 1x7x7x512->2048 39.7 / 11.1, 1x14x14x1024->256 10.5 / 8.2,
/// 1x14x14x256->1024 11.0 / 12.2; at 1024 rows 64x8x8x64->64 s2 (3x3)
/// 6.8 / 10.9 and 4x14x14x256->1024 31.9 / 39.3: with many row panels the
/// packed panels' locality is worth more than the copy.
pub const IN_PLACE_MAX_M: usize = 256;

/// Object-safe view of a [`PanelSource`] (so packing code is compiled once).
pub trait PanelSourceDyn: Sync {
    fn pack_dyn(&self, r0: usize, rows: usize, k0: usize, kc: usize, p: usize, out: &mut [f32]);
}

impl<T: PanelSource> PanelSourceDyn for T {
    fn pack_dyn(&self, r0: usize, rows: usize, k0: usize, kc: usize, p: usize, out: &mut [f32]) {
        self.pack(r0, rows, k0, kc, p, out)
    }
}

/// Where the result goes: `c[i * ldc + j]` for `i < m`, `j < n`.
#[derive(Clone, Copy)]
pub struct Out {
    /// Tasks write disjoint tiles of C through it.
    ptr: SharedMut,
    pub ldc: usize,
}

impl Out {
    pub fn new(c: &mut [f32], m: usize, n: usize, ldc: usize) -> Out {
        assert!(m == 0 || n == 0 || c.len() >= (m - 1) * ldc + n, "gemm output too small");
        Out { ptr: SharedMut::new(c), ldc }
    }

    /// An output at `ptr` with rows `ldc` floats apart, for memory that is
    /// not a slice yet (a vector's capacity the GEMM fills).
    ///
    /// # Safety
    /// Every element the GEMM writes (`ptr + i * ldc + j`) must be valid
    /// for writes while the `Out` is used.
    pub unsafe fn from_raw(ptr: *mut f32, ldc: usize) -> Out {
        Out { ptr: SharedMut::from_raw(ptr), ldc }
    }

    /// Pointer to element `(i, j)`. Callers stay inside the extent checked
    /// by [`Out::new`].
    fn at(&self, i: usize, j: usize) -> *mut f32 {
        self.ptr.at(i * self.ldc + j)
    }
}

/// Which micro-kernel the driver uses. `Scalar` exists for tests and for
/// comparing the two on the same packing code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    Simd,
    Scalar,
}

/// Options of one driver run.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// Start from the values already in C (`C += A*B`).
    pub accumulate: bool,
    pub bias: Option<&'a [f32]>,
    pub act: Activation,
    /// Split the work over the thread pool (false inside an outer parallel task).
    pub parallel: bool,
    pub kernel: KernelKind,
    /// Kernel-variant choices (here: the K blocking).
    pub tuning: Tuning,
    /// Added to C after the bias, before the activation: a matrix laid out
    /// as C (`ldc` floats per row), e.g. a residual block's shortcut.
    pub residual: Option<&'a [f32]>,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run { accumulate: false, bias: None, act: Activation::Linear, parallel: true, kernel: KernelKind::Simd, tuning: Tuning::DEFAULT, residual: None }
    }
}

/// Runs `C = A * B` over the whole `m x n x k` problem with a packed B.
pub fn drive(m: usize, k: usize, a: &dyn RowSource, b: &PackedB<'_>, out: Out, run: Run) {
    let n = b.n;
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // Empty inner dimension: C is 0 (+ old C), then the epilogue.
        zero_k_epilogue(m, n, out, run);
        return;
    }
    let m_panels = m.div_ceil(MR);
    let n_panels = n.div_ceil(NR);
    let (m_chunk, n_chunk) = task_grid(m_panels, n_panels, k, run.tuning);
    let kb = if k <= KC && run.tuning.gemm_single_k_block { k } else { KC_LONG };
    let m_chunks = m_panels.div_ceil(m_chunk);
    let n_chunks = n_panels.div_ceil(n_chunk);
    // Each task owns a block of C (m_chunk x n_chunk panels); inside, N is
    // walked in NC-wide blocks so the B block stays in L2 while all the
    // task's row panels stream past it. Every C element is computed by one
    // task in a fixed k order: results do not depend on the thread count.
    let task = |t: usize| {
        let (mc, nc) = (t / n_chunks, t % n_chunks);
        let p0 = mc * m_chunk;
        let p1 = (p0 + m_chunk).min(m_panels);
        let jt0 = nc * n_chunk;
        let jt1 = (jt0 + n_chunk).min(n_panels);
        let mut scratch: RowScratch = [0.0f32; MR * KC];
        let mut segs: Vec<Seg> = Vec::with_capacity(16);
        let mut j0 = jt0;
        while j0 < jt1 {
            let j1 = (j0 + NC / NR).min(jt1);
            let mut k0 = 0;
            while k0 < k {
                let kc = kb.min(k - k0);
                let first = k0 == 0;
                let last = k0 + kc == k;
                for p in p0..p1 {
                    let r0 = p * MR;
                    let mr = MR.min(m - r0);
                    segs.clear();
                    a.rows(r0, mr, k0, kc, &mut scratch, &mut segs);
                    for j in j0..j1 {
                        let c0 = j * NR;
                        let nr = NR.min(n - c0);
                        let tile = Tile { c: out.at(r0, c0), ldc: out.ldc, mr, nr };
                        let epi = last.then(|| Epilogue {
                            bias: run.bias.map(|bias| &bias[c0..]),
                            residual: run.residual.map_or(core::ptr::null(), |r| r[r0 * out.ldc + c0..].as_ptr()),
                            ldr: out.ldc,
                            act: run.act,
                        });
                        let load_c = !first || run.accumulate;
                        unsafe {
                            match run.kernel {
                                KernelKind::Simd => f32_gemm_4x8__simd128_ldb(&segs, b.panel(j, k0), b.ldb(), &tile, load_c, epi),
                                KernelKind::Scalar => f32_gemm_4x8__scalar(&segs, b.panel(j, k0), b.ldb(), &tile, load_c, epi),
                            }
                        }
                    }
                }
                k0 += kc;
            }
            j0 = j1;
        }
    };
    let tasks = m_chunks * n_chunks;
    if run.parallel {
        par::for_each_chunk(tasks, 1, |r| r.for_each(task));
    } else {
        (0..tasks).for_each(task);
    }
}

/// `C[m, n] = A[m, k] * B` for a row-major A (`lda` floats per row) whose
/// whole K fits one block (`k <= KC`), on the calling thread: the
/// micro-kernel called directly, without [`drive`]'s task grid, K blocking
/// and row sources. For the many short GEMMs of Winograd (K = channels).
/// Full row panels of a B whose panels are all full take one call for all
/// their column panels (`Tuning::small_k_panels`; the same products in the
/// same order, so the same bits). Measured A/B (`benches/tuning.mjs
/// --switch 28`, wasm, 1 thread, ms one call per panel / per tile):
/// 64x32x32x16->32 forward 17.97 / 21.58 and 16.30 / 19.72,
/// 64x32x32x32->16 19.02 / 20.78, 64x16x16x64->64 23.06 / 24.83; at 2
/// threads 64x32x32x16->32 8.66 / 10.34 (its input gradient 8.57 / 9.32),
/// 1x56x56x64->64 3.01 / 3.23.
pub fn small_k(m: usize, a: &[f32], lda: usize, b: &PackedB<'_>, out: Out, tuning: Tuning) {
    let (k, n) = (b.k, b.n);
    debug_assert!(k <= KC && (m == 0 || a.len() >= (m - 1) * lda + k));
    // The fixed-K kernel where A's rows are contiguous and B is packed
    // (`Tuning::small_k_fixed`).
    let fixed = if tuning.small_k_fixed && lda == k && b.ldb() == NR { fixed::kernel_for(k) } else { None };
    let mut r0 = 0;
    while r0 < m {
        let mr = MR.min(m - r0);
        let ptrs: [*const f32; MR] = core::array::from_fn(|r| a[(r0 + r.min(mr - 1)) * lda..].as_ptr());
        if tuning.small_k_panels && mr == MR && n.is_multiple_of(NR) && n > 0 {
            if let Some(kern) = fixed {
                // SAFETY: rows r0..r0+4 of A are one 4 x k block (lda == k);
                // B's n / NR panels are packed (k rows of NR); C as below.
                unsafe { kern(a[r0 * lda..].as_ptr(), b.panel(0, 0), b.panel_step, n / NR, out.at(r0, 0), out.ldc) };
                r0 += MR;
                continue;
            }
            // SAFETY: rows r0..r0+4 of A hold k floats; B's n / NR panels
            // are full (k rows each); Out::new checked C's 4 x n extent.
            unsafe { kernel::f32_gemm_4x8_panels__simd128(ptrs, k, b.panel(0, 0), b.ldb(), b.panel_step, n / NR, out.at(r0, 0), out.ldc) };
            r0 += MR;
            continue;
        }
        let segs = [Seg::new(ptrs, k)];
        for j in 0..n.div_ceil(NR) {
            let c0 = j * NR;
            let tile = Tile { c: out.at(r0, c0), ldc: out.ldc, mr, nr: NR.min(n - c0) };
            // SAFETY: rows r0..r0+mr of A hold k floats; B's panel j holds
            // k * NR; Out::new checked C's extent.
            unsafe { f32_gemm_4x8__simd128_ldb(&segs, b.panel(j, 0), b.ldb(), &tile, false, None) };
        }
        r0 += MR;
    }
}

/// Splits the C panels into a grid of tasks: `(row panels, column panels)`
/// per task. Enough tasks to balance a few threads (a shape-only target, so
/// the split never depends on the thread count), shaped to minimise memory
/// traffic: every row chunk re-reads its B columns and every column chunk
/// re-reads its A rows, so the cost is `m_chunks * N + n_chunks * M` (times
/// K). Small-M, wide-N problems (batch-1 late layers) split over N instead
/// of streaming a multi-megabyte B once per handful of rows.
fn task_grid(m_panels: usize, n_panels: usize, k: usize, tuning: Tuning) -> (usize, usize) {
    // Fewer, larger tasks for tiny problems: each task should carry at
    // least ~64K multiply-adds, or splitting costs more than it gains.
    let work = m_panels * n_panels * MR * NR * k.max(1);
    let target = (work / (1 << 16)).clamp(1, 16);
    // A B that fits in L2 is cheap to re-read: split rows only, so A (which
    // may be gathered, e.g. patches) is produced once per row panel. More
    // row chunks cost nothing here, and the threads claim them one at a
    // time (`par::run_claimed`): with `Tuning::gemm_row_tasks`, up to
    // ROW_TASKS of them, so the last chunk a thread finishes is short.
    if n_panels * NR * k * 4 <= 1 << 19 {
        let target = if tuning.gemm_row_tasks { (work / (1 << 17)).clamp(1, ROW_TASKS) } else { target };
        return (m_panels.div_ceil(target.min(m_panels)), n_panels);
    }
    let mut best = (usize::MAX, m_panels, n_panels);
    let mut nc = 1;
    while nc <= n_panels {
        let mc = target.div_ceil(nc).min(m_panels);
        let (m_chunk, n_chunk) = (m_panels.div_ceil(mc), n_panels.div_ceil(nc));
        let (mcs, ncs) = (m_panels.div_ceil(m_chunk), n_panels.div_ceil(n_chunk));
        let cost = mcs * n_panels * NR + ncs * m_panels * MR;
        if mcs * ncs >= target.min(m_panels * n_panels) && cost < best.0 {
            best = (cost, m_chunk, n_chunk);
        }
        nc *= 2;
    }
    (best.1, best.2)
}

/// Most row chunks of [`task_grid`] with `Tuning::gemm_row_tasks`.
const ROW_TASKS: usize = 48;

fn zero_k_epilogue(m: usize, n: usize, out: Out, run: Run) {
    for i in 0..m {
        for j in 0..n {
            // SAFETY: Out::new checked the extent.
            let c = unsafe { &mut *out.at(i, j) };
            let mut v = if run.accumulate { *c } else { 0.0 };
            if let Some(b) = run.bias {
                v += b[j];
            }
            if let Some(r) = run.residual {
                v += r[i * out.ldc + j];
            }
            *c = run.act.apply(v);
        }
    }
}

/// Shape and options of a plain matrix multiply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmParams {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    /// A is stored `[K, M]` instead of `[M, K]`.
    pub trans_a: bool,
    /// B is stored `[N, K]` instead of `[K, N]`.
    pub trans_b: bool,
    pub act: Activation,
    /// `C += ...` instead of `C = ...`.
    pub accumulate: bool,
    /// Kernel-variant choices (the K blocking).
    pub tuning: Tuning,
}

impl GemmParams {
    pub fn new(m: usize, n: usize, k: usize) -> Self {
        GemmParams { m, n, k, trans_a: false, trans_b: false, act: Activation::Linear, accumulate: false, tuning: Tuning::DEFAULT }
    }

    fn check(&self, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &[f32]) -> Result<()> {
        check_len("matMul", "A", a.len(), numel("matMul", "A", &[self.m, self.k])?)?;
        check_len("matMul", "B", b.len(), numel("matMul", "B", &[self.k, self.n])?)?;
        check_len("matMul", "C", c.len(), numel("matMul", "C", &[self.m, self.n])?)?;
        if let Some(bias) = bias {
            if bias.len() != self.n {
                return Err(CoreError::new("matMul", format!("bias has {} elements, expected {} (one per output column)", bias.len(), self.n)));
            }
        }
        Ok(())
    }
}

fn sources<'a>(p: &GemmParams, a: &'a [f32], b: &'a [f32]) -> (Dense<'a>, Dense<'a>) {
    let a_src = if p.trans_a { Dense { data: a, ld: p.m, rows_are_contiguous: false } } else { Dense { data: a, ld: p.k, rows_are_contiguous: true } };
    let b_src = if p.trans_b { Dense { data: b, ld: p.k, rows_are_contiguous: true } } else { Dense { data: b, ld: p.n, rows_are_contiguous: false } };
    (a_src, b_src)
}

/// `C = op(A) * op(B) (+ bias) (then activation)`, SIMD micro-kernel, parallel.
pub fn gemm(p: &GemmParams, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32]) -> Result<()> {
    gemm_with(p, a, b, bias, c, KernelKind::Simd)
}

/// As [`gemm`] with a chosen micro-kernel.
pub fn gemm_with(p: &GemmParams, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32], kernel: KernelKind) -> Result<()> {
    p.check(a, b, bias, c)?;
    let run = Run { accumulate: p.accumulate, bias, act: p.act, parallel: true, kernel, tuning: p.tuning, residual: None };
    if kernel == KernelKind::Simd && !p.trans_a && !p.trans_b && p.m < MR && p.tuning.gemm_b_in_place {
        // A few rows (a dense layer at batch 1-3): B streams once from
        // memory, one row of A at a time.
        gemv_rows(p.m, p.n, p.k, a, b, c, run);
        return Ok(());
    }
    let (a_src, b_src) = sources(p, a, b);
    let packed = match p.trans_b {
        false => PackedB::for_rows(p.m, b, p.n, p.k, p.n, p.tuning),
        true => PackedB::new(&b_src, p.k, p.n),
    };
    let out = Out::new(c, p.m, p.n, p.n);
    drive(p.m, p.k, &a_src, &packed, out, run);
    Ok(())
}

/// Columns per task of [`gemv_rows`] without `Tuning::gemv_row_runs` (a multiple of 4).
const GEMV_TASK_COLS: usize = 256;

/// Columns per task of [`gemv_rows`]: with `Tuning::gemv_row_runs`, the
/// columns split in one block per thread (a multiple of 4, at least
/// [`GEMV_TASK_COLS`]), so each task reads runs of up to a whole row of B
/// (VGG16's first dense layer: 8 KB runs on 2 threads instead of 1 KB runs
/// 16 KB apart, a new page every run). Each column's sum is the same
/// whatever block holds it, so the results do not depend on it.
fn gemv_task_cols(n: usize, run: Run) -> usize {
    if !run.tuning.gemv_row_runs {
        return GEMV_TASK_COLS;
    }
    let threads = if run.parallel { par::num_threads().max(1) } else { 1 };
    n.div_ceil(threads).next_multiple_of(4).max(GEMV_TASK_COLS)
}

/// `C = A B (+ bias, act)` for `m < MR` rows, B row-major `[k, n]` read in
/// place: each row of C is `sum_k a[k] * B[k, ..]`, summed in k order from
/// zero (as the micro-kernel does, so results equal [`drive`]'s bit for
/// bit). Parallel over column blocks, each computed by one task.
fn gemv_rows(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32], run: Run) {
    let out = Out::new(c, m, n, n);
    let cols = gemv_task_cols(n, run);
    let tasks = n.div_ceil(cols);
    let task = |t: usize| {
        let j0 = t * cols;
        let j1 = (j0 + cols).min(n);
        par::with_scratch(j1 - j0, |acc| {
            for i in 0..m {
                let ai = &a[i * k..(i + 1) * k];
                // SAFETY: row i, columns j0..j1 are inside C (Out::new) and
                // belong to this task only.
                unsafe { gemv_block(ai, b, n, j0, j1, out.at(i, 0), acc, run) };
            }
        })
    };
    if run.parallel && n * k >= 1 << 16 {
        par::for_each_chunk(tasks, 1, |r| r.for_each(task));
    } else {
        (0..tasks).for_each(task);
    }
}

/// Columns `j0..j1` of one row:
/// `c[j] = act(acc[j] + bias[j])`, `acc[j] = c0 + sum_kk a[kk] * b[kk * ld + j]`
/// in k order, `c0` the old `c[j]` when accumulating, else 0. B is walked
/// row by row (one contiguous run of `j1 - j0` floats per row, which the
/// memory system streams; a 16 KB stride per value did not), the sums kept
/// in `acc` (`j1 - j0` floats, contents on entry unspecified).
///
/// # Safety
/// `c` points at the row's first element and `c + j` is writable for `j < j1`.
#[allow(clippy::too_many_arguments)]
unsafe fn gemv_block(a: &[f32], b: &[f32], ld: usize, j0: usize, j1: usize, c: *mut f32, acc: &mut [f32], run: Run) {
    use crate::simd::F32x4;
    let width = j1 - j0;
    debug_assert!(acc.len() >= width);
    let vecs = width / 4;
    if run.accumulate {
        for (q, v) in acc[..width].iter_mut().enumerate() {
            *v = *c.add(j0 + q);
        }
    } else {
        acc[..width].fill(0.0);
    }
    let accp = acc.as_mut_ptr();
    for (kk, &av) in a.iter().enumerate() {
        let va = F32x4::splat(av);
        let row = b.as_ptr().add(kk * ld + j0);
        for v in 0..vecs {
            let p = accp.add(4 * v);
            F32x4::load(p).mul_add(va, F32x4::load(row.add(4 * v))).store(p);
        }
        if width > 4 * vecs {
            // The last 1-3 columns in a vector too, so that every column
            // gets the micro-kernel's arithmetic (fused or not).
            let tail = width - 4 * vecs;
            let (mut bt, mut ct) = ([0.0f32; 4], [0.0f32; 4]);
            for q in 0..tail {
                bt[q] = *row.add(4 * vecs + q);
                ct[q] = *accp.add(4 * vecs + q);
            }
            F32x4::load(ct.as_ptr()).mul_add(va, F32x4::load(bt.as_ptr())).store(ct.as_mut_ptr());
            for (q, v) in ct[..tail].iter().enumerate() {
                *accp.add(4 * vecs + q) = *v;
            }
        }
    }
    for (q, &v) in acc[..width].iter().enumerate() {
        let j = j0 + q;
        let mut v = v;
        if let Some(bias) = run.bias {
            v += bias[j];
        }
        *c.add(j) = run.act.apply(v);
    }
}

/// Scalar reference: the textbook triple loop, no packing, no threads.
pub fn gemm_ref(p: &GemmParams, a: &[f32], b: &[f32], bias: Option<&[f32]>, c: &mut [f32]) -> Result<()> {
    p.check(a, b, bias, c)?;
    for i in 0..p.m {
        for j in 0..p.n {
            let mut acc = if p.accumulate { c[i * p.n + j] } else { 0.0 };
            for kk in 0..p.k {
                let av = if p.trans_a { a[kk * p.m + i] } else { a[i * p.k + kk] };
                let bv = if p.trans_b { b[j * p.k + kk] } else { b[kk * p.n + j] };
                acc += av * bv;
            }
            if let Some(bias) = bias {
                acc += bias[j];
            }
            c[i * p.n + j] = p.act.apply(acc);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
