//! 2-D convolution, forward and backward, NHWC activations, HWIO filters.
//!
//! ```text
//! forward          y[n,oy,ox,co]  = act(sum_{ky,kx,ci} x[n,iy,ix,ci] * w[ky,kx,ci,co] + b[co])
//! backward input   dx[n,iy,ix,ci] = sum_{ky,kx,co} dy[n,oy,ox,co] * w[ky,kx,ci,co]
//! backward filter  dw[ky,kx,ci,co] = sum_{n,oy,ox} x[n,iy,ix,ci] * dy[n,oy,ox,co]
//! with iy = oy*sy + ky*dy - pad_top, ix = ox*sx + kx*dx - pad_left
//! ```
//!
//! All three are GEMMs over the patch matrix `P[out_pixels, kh*kw*cin]`
//! (filter `W[kh*kw*cin, cout]`): `y = P W`, `dP = dy W^T` then col2im,
//! `dW = P^T dy`. `P` is never materialised for the forward pass and the
//! filter gradient (see [`im2col`]); the input gradient materialises `dP`
//! one band of output rows at a time and scatters it (col2im).
//!
//! Stride-1 3x3 layers with enough channels take Winograd paths: F(4x4, 3x3)
//! or F(2x2, 3x3) for the forward pass and the input gradient
//! ([`winograd`]), F(3x3, 4x4) or F(3x3, 2x2) for the filter gradient
//! ([`winograd_filter`]); `choose` in each module holds the measured rule.

mod dx_direct;
mod filter_grad_runs;
pub mod im2col;
pub mod reference;
#[cfg(test)]
mod tests;
pub mod winograd;
pub mod winograd_filter;

use crate::error::{check_len, CoreError, Result};
use crate::gemm::{drive, Activation, Dense, Out, PackedB, RowSource, Run, Seg};
use crate::par::{self, SharedMut};
use crate::shape::{Conv2d, Conv2dArgs, Padding};
use crate::simd::F32x4;
use im2col::{GradT, Patches, PatchesB, PatchesT};

pub use crate::gemm::KernelKind;

/// True when the patch matrix is the input itself (1x1, stride 1, no padding).
fn is_pointwise(p: &Conv2d) -> bool {
    p.y.kernel == 1
        && p.x.kernel == 1
        && p.y.stride == 1
        && p.x.stride == 1
        && p.y.pad_before == 0
        && p.x.pad_before == 0
        && p.y.pad_after == 0
        && p.x.pad_after == 0
}

/// `y = act(conv2d(x, w) + bias)`: Winograd where it applies, else the
/// implicit-im2col GEMM.
pub fn conv2d(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32]) -> Result<()> {
    conv2d_residual(p, x, w, bias, None, act, y)
}

/// `y = act((conv2d(x, w) + bias) + residual)`, `residual` shaped as `y`
/// (a residual block's shortcut added in the convolution's store): the
/// same bits as [`conv2d`] then an add and the activation.
pub fn conv2d_residual(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, residual: Option<&[f32]>, act: Activation, y: &mut [f32]) -> Result<()> {
    if winograd::applies(p) {
        check_forward(forward_op(residual), p, x, w, bias, residual, y)?;
        winograd::conv2d_winograd_residual(p, x, w, bias, residual, act, y);
        return Ok(());
    }
    conv2d_residual_with(p, x, w, bias, residual, act, y, KernelKind::Simd)
}

/// [`conv2d_residual`] with the filter also given transformed (`u`, from
/// [`winograd::prepare_filter`] of the same `w`): Winograd in `u`'s tiling
/// whatever [`winograd::choose`] says, without transforming `w` again
/// (predict's convolutions, whose weights stay put between calls). With
/// `Tuning::prepared_filters` off, `u` is ignored and this is
/// [`conv2d_residual`]. A shape Winograd cannot take, or a `u` of neither
/// tiling's length, is an error.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_prepared(
    p: &Conv2d,
    x: &[f32],
    w: &[f32],
    u: &[f32],
    bias: Option<&[f32]>,
    residual: Option<&[f32]>,
    act: Activation,
    y: &mut [f32],
) -> Result<()> {
    const OP: &str = "conv2dPrepared";
    if !winograd::shape_ok(p) {
        return Err(CoreError::new(OP, format!("a prepared filter needs a 3x3 convolution with stride 1 and no dilation, got {}x{}", p.y.kernel, p.x.kernel)));
    }
    check_forward(OP, p, x, w, bias, residual, y)?;
    let filter = winograd::TransformedFilter::prepared(OP, p, u)?;
    if !p.tuning.prepared_filters {
        return conv2d_residual(p, x, w, bias, residual, act, y);
    }
    winograd::conv2d_winograd_filter_residual(p, x, &filter, bias, residual, act, y);
    Ok(())
}

/// The kernel a forward call with this residual is (for error messages).
fn forward_op(residual: Option<&[f32]>) -> &'static str {
    if residual.is_some() {
        "conv2dResidual"
    } else {
        "conv2d"
    }
}

/// The forward kernels' buffer lengths, errors naming kernel `op`.
#[allow(clippy::too_many_arguments)]
fn check_forward(op: &'static str, p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, residual: Option<&[f32]>, y: &[f32]) -> Result<()> {
    check_len(op, "input", x.len(), p.input_len())?;
    check_len(op, "filter", w.len(), p.filter_len())?;
    check_len(op, "output", y.len(), p.output_len())?;
    if let Some(b) = bias {
        check_len(op, "bias", b.len(), p.cout)?;
    }
    if let Some(r) = residual {
        check_len(op, "residual", r.len(), p.output_len())?;
    }
    Ok(())
}

/// [`conv2d`] through the im2col GEMM (never Winograd) with a chosen
/// micro-kernel.
pub fn conv2d_with(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, y: &mut [f32], kernel: KernelKind) -> Result<()> {
    conv2d_residual_with(p, x, w, bias, None, act, y, kernel)
}

/// [`conv2d_residual`] through the im2col GEMM (never Winograd) with a
/// chosen micro-kernel.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_residual_with(
    p: &Conv2d,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    residual: Option<&[f32]>,
    act: Activation,
    y: &mut [f32],
    kernel: KernelKind,
) -> Result<()> {
    check_forward(forward_op(residual), p, x, w, bias, residual, y)?;
    let k = p.patch_len();
    let m = p.out_pixels();
    // At batch 1 the deep layers have few output pixels and big filters:
    // reading the HWIO filter (a row-major [k, cout]) in place saves
    // copying all of it on every call.
    let packed = PackedB::for_rows(m, w, p.cout, k, p.cout, p.tuning);
    let run = Run { bias, act, kernel, tuning: p.tuning, residual, ..Run::default() };
    let out = Out::new(y, m, p.cout, p.cout);
    if is_pointwise(p) {
        drive(m, k, &Dense { data: x, ld: p.cin, rows_are_contiguous: true }, &packed, out, run);
    } else if kernel == KernelKind::Simd && short_patch_forward_applies(p) && short_patch_forward(p, x, &packed, bias, residual, act, y) {
    } else {
        let zeros = vec![0.0f32; p.x.kernel * p.cin];
        drive(m, k, &Patches { p, x, zeros: &zeros }, &packed, out, run);
    }
    Ok(())
}

/// Whether the forward pass takes [`short_patch_forward`]: few input
/// channels (a first layer, whose indirect patch rows are a few short
/// segments: 3 x 9 values for 3x3x3), a patch of at most [`SHORT_PATCH`]
/// values, no horizontal dilation, and whole 8-channel output panels.
fn short_patch_forward_applies(p: &Conv2d) -> bool {
    p.tuning.short_patch_forward && p.cin < 8 && p.patch_len() <= SHORT_PATCH && p.x.dilation == 1 && p.cout.is_multiple_of(crate::gemm::NR) && p.cout > 0
}

/// Output pixels per task block of [`short_patch_forward`].
const FORWARD_PATCH_BLOCK: usize = 256;

/// The forward pass of a short-patch layer on the input with its padding
/// written out (every window then lies inside its image): each row
/// panel's patch rows are one segment per kernel row (`kw * cin`
/// contiguous values) pointing into that input, and one micro-kernel call
/// computes all the filter's column panels
/// (`f32_gemm_4x8_panels_segs__simd128`) straight into `y`; the bias,
/// residual and activation are applied to each block of pixels while it
/// is in cache. The indirect GEMM spent more time building segments (with
/// checks for the padding) and setting up 4 x 8 tiles than multiplying
/// (64x32x32x3->16: 47 % of its time in the micro-kernel). The same sums
/// in the same order as the micro-kernel and its epilogue: the same bits.
/// False (nothing written) when the padding cannot be written out with the
/// same output size.
///
/// With padding, each task pads only the input rows of its own band of
/// output rows ([`short_patch_forward_bands`], `Tuning::forward_pads_per_task`)
/// instead of the whole padded input being written before the parallel
/// loop ([`padded_input`]).
fn short_patch_forward(p: &Conv2d, x: &[f32], packed: &PackedB<'_>, bias: Option<&[f32]>, residual: Option<&[f32]>, act: Activation, y: &mut [f32]) -> bool {
    if p.tuning.forward_pads_per_task && has_padding(p) {
        let Some(q) = padded_geometry(p) else { return false };
        short_patch_forward_bands(p, &q, x, packed, bias, residual, act, y);
        return true;
    }
    let padded = padded_input(p, x);
    let (q, xq) = match &padded {
        Some((q, xp)) => (q, xp.as_slice()),
        None if has_padding(p) => return false,
        None => (p, x),
    };
    let (cout, m) = (q.cout, q.out_pixels());
    let (ow, oh) = (q.x.output, q.y.output);
    let yp = SharedMut::new(y);
    // Several blocks per task (about 32 tasks): one claim and one segment
    // list per chunk, not per 256-pixel block.
    let blocks = m.div_ceil(FORWARD_PATCH_BLOCK);
    par::for_each_chunk(blocks, par::chunk_size(blocks, 1), |blocks| {
        let mut segs = Vec::with_capacity(q.y.kernel);
        for blk in blocks {
            let m0 = blk * FORWARD_PATCH_BLOCK;
            let len = FORWARD_PATCH_BLOCK.min(m - m0);
            let (mut n, mut oy, mut ox) = (m0 / (oh * ow), (m0 / ow) % oh, m0 % ow);
            let mut origin = || {
                let o = ((n * q.y.input + oy * q.y.stride) * q.x.input + ox * q.x.stride) * q.cin;
                ox += 1;
                if ox == ow {
                    ox = 0;
                    oy += 1;
                    if oy == oh {
                        oy = 0;
                        n += 1;
                    }
                }
                o
            };
            let res = residual.map(|r| &r[m0 * cout..(m0 + len) * cout]);
            // SAFETY: y's rows m0..m0 + len belong to this block only.
            unsafe { short_patch_block(q, xq, &mut origin, len, packed, &mut segs, (bias, res, act), yp.slice(m0 * cout, len * cout)) };
        }
    });
    true
}

/// [`short_patch_forward`] of a padded layer, `q` its [`padded_geometry`]:
/// tasks take bands of output rows of one image (about
/// [`FORWARD_PATCH_BLOCK`] pixels), and each pads the input rows its band
/// reads (a few KiB: 10 rows of 34 x 3 floats for 8 rows of 32x32x3 3x3)
/// into its thread's scratch, then multiplies from there while they are
/// in L1. The whole padded copy before the parallel loop was a serial
/// zero-filled allocation of the full input (888 KB for 64x32x32x3) and a
/// second pass over memory. Each output pixel gets the same products in
/// the same order from the same micro-kernel: the same bits as with the
/// whole copy.
#[allow(clippy::too_many_arguments)]
fn short_patch_forward_bands(
    p: &Conv2d,
    q: &Conv2d,
    x: &[f32],
    packed: &PackedB<'_>,
    bias: Option<&[f32]>,
    residual: Option<&[f32]>,
    act: Activation,
    y: &mut [f32],
) {
    let (cout, cin) = (q.cout, q.cin);
    let (ow, oh) = (q.x.output, q.y.output);
    let (sy, sx) = (q.y.stride, q.x.stride);
    // Padded rows (q's input rows) and the real part of each.
    let (row_len, src_row, left) = (q.x.input * cin, p.x.input * cin, p.x.pad_before * cin);
    let band = (FORWARD_PATCH_BLOCK / ow).clamp(1, oh);
    let bands = oh.div_ceil(band);
    // Padded input rows a band of `rows` output rows reads.
    let span = |rows: usize| (rows - 1) * sy + (q.y.kernel - 1) * q.y.dilation + 1;
    let yp = SharedMut::new(y);
    let blocks = p.n * bands;
    par::for_each_chunk(blocks, par::chunk_size(blocks, 1), |blocks| {
        // Every float of the band's rows is written before it is read.
        par::with_scratch(span(band) * row_len, |scratch| {
            let mut segs = Vec::with_capacity(q.y.kernel);
            for blk in blocks {
                let (img, oy0) = (blk / bands, (blk % bands) * band);
                let rows = band.min(oh - oy0);
                let xb = &mut scratch[..span(rows) * row_len];
                for (r, dst) in xb.chunks_exact_mut(row_len).enumerate() {
                    let iy = (oy0 * sy + r).wrapping_sub(p.y.pad_before);
                    if iy >= p.y.input {
                        dst.fill(0.0);
                        continue;
                    }
                    let (before, rest) = dst.split_at_mut(left);
                    let (inside, after) = rest.split_at_mut(src_row);
                    before.fill(0.0);
                    inside.copy_from_slice(&x[(img * p.y.input + iy) * src_row..][..src_row]);
                    after.fill(0.0);
                }
                let (m0, len) = ((img * oh + oy0) * ow, rows * ow);
                let (mut oy, mut ox) = (0, 0);
                let mut origin = || {
                    let o = oy * sy * row_len + ox * sx * cin;
                    ox += 1;
                    if ox == ow {
                        ox = 0;
                        oy += 1;
                    }
                    o
                };
                let res = residual.map(|r| &r[m0 * cout..(m0 + len) * cout]);
                // SAFETY: y's rows m0..m0 + len (this band) belong to this block only.
                unsafe { short_patch_block(q, xb, &mut origin, len, packed, &mut segs, (bias, res, act), yp.slice(m0 * cout, len * cout)) };
            }
        });
    });
}

/// `len` output pixels of [`short_patch_forward`] into `y` (`len` rows of
/// `cout`), 4 at a time, then `(bias, residual, act)` (the residual's rows
/// of these pixels) applied while they are in cache: `origin()` gives the
/// offset in `src` of the next pixel's window (its top-left value), every
/// window of `q` (a `VALID` geometry) lying inside `src`.
///
/// # Safety
/// `y` is a piece of the output that no other task touches (the
/// micro-kernels write it through a raw pointer).
#[allow(clippy::too_many_arguments)]
unsafe fn short_patch_block(
    q: &Conv2d,
    src: &[f32],
    origin: &mut dyn FnMut() -> usize,
    len: usize,
    packed: &PackedB<'_>,
    segs: &mut Vec<Seg>,
    (bias, residual, act): (Option<&[f32]>, Option<&[f32]>, Activation),
    y: &mut [f32],
) {
    use crate::gemm::kernel::{f32_gemm_4x8__simd128_ldb, f32_gemm_4x8_panels_segs__simd128, f32_gemm_4x8_panels_segs_rowstep__simd128, Tile};
    use crate::gemm::{MR, NR};
    let (cout, kh, run) = (q.cout, q.y.kernel, q.x.kernel * q.cin);
    let ky_step = q.y.dilation * q.x.input * q.cin;
    let panels = cout / NR;
    debug_assert_eq!(y.len(), len * cout);
    let c = y.as_mut_ptr();
    // Floats between the windows of consecutive pixels of an output row.
    let (rowstep, win_step) = (q.tuning.short_patch_rowstep, q.x.stride * q.cin);
    let mut r0 = 0;
    while r0 < len {
        let mr = MR.min(len - r0);
        // Window origin of each row's pixel (rows past mr repeat the last).
        let mut base = [0usize; MR];
        for r in 0..MR {
            base[r] = if r < mr { origin() } else { base[mr - 1] };
        }
        segs.clear();
        for ky in 0..kh {
            let ptrs = core::array::from_fn(|r| src[base[r] + ky * ky_step..][..run].as_ptr());
            segs.push(Seg::new(ptrs, run));
        }
        let c = c.add(r0 * cout);
        // The 4 windows `stride * cin` floats apart (one output row): one A pointer.
        let rows_even = rowstep && mr == MR && (1..MR).all(|r| base[r] == base[0] + r * win_step);
        let (b, ldb, step) = (packed.panel(0, 0), packed.ldb(), packed.panel_step());
        // SAFETY: each segment holds `run` floats of `src` (bounds-checked
        // slices); the packed filter has `panels` full panels of k rows,
        // `step` floats apart.
        if rows_even && win_step == 3 {
            f32_gemm_4x8_panels_segs_rowstep__simd128::<3>(segs, b, ldb, step, panels, c, cout);
        } else if rows_even && win_step == 1 {
            f32_gemm_4x8_panels_segs_rowstep__simd128::<1>(segs, b, ldb, step, panels, c, cout);
        } else if mr == MR {
            f32_gemm_4x8_panels_segs__simd128(segs, b, ldb, step, panels, c, cout);
        } else {
            for j in 0..panels {
                let t = Tile { c: c.add(j * NR), ldc: cout, mr, nr: NR };
                f32_gemm_4x8__simd128_ldb(segs, b.add(j * step), ldb, &t, false, None);
            }
        }
        r0 += MR;
    }
    if bias.is_some() || residual.is_some() || act != Activation::Linear {
        forward_epilogue(y, cout, bias, residual, act);
    }
}

fn has_padding(p: &Conv2d) -> bool {
    p.y.pad_before + p.y.pad_after + p.x.pad_before + p.x.pad_after > 0
}

/// `y = act((y + bias) + residual)` over rows of `c` values (`c` a
/// multiple of 4), the micro-kernel epilogue's operations in its order.
fn forward_epilogue(y: &mut [f32], c: usize, bias: Option<&[f32]>, residual: Option<&[f32]>, act: Activation) {
    debug_assert!(c.is_multiple_of(4) && y.len().is_multiple_of(c));
    for (i, row) in y.chunks_exact_mut(c).enumerate() {
        let mut j = 0;
        while j < c {
            // SAFETY: j + 4 <= c for the row, the bias (c values) and the residual row.
            unsafe {
                let d = row.as_mut_ptr().add(j);
                let mut v = F32x4::load(d);
                if let Some(b) = bias {
                    v = v.add(F32x4::load(b.as_ptr().add(j)));
                }
                if let Some(r) = residual {
                    v = v.add(F32x4::load(r[i * c..].as_ptr().add(j)));
                }
                act.apply4(v).store(d);
            }
            j += 4;
        }
    }
}

/// Output rows per band in the input gradient. Bands of one image are run
/// in two phases (even, then odd); two bands of the same phase never touch
/// the same input rows when `rows * stride >= k_eff - stride`. Depends on
/// the shape only, so the summation order does not depend on threads.
fn band_rows(p: &Conv2d) -> usize {
    let k_eff = (p.y.kernel - 1) * p.y.dilation + 1;
    let min_rows = k_eff.saturating_sub(p.y.stride).div_ceil(p.y.stride).max(1);
    // Aim at >= 16 tasks in all and at most ~1 MiB of dP per task.
    let per_image = 16usize.div_ceil(p.n.max(1));
    let by_tasks = p.y.output.div_ceil(per_image);
    let by_memory = ((1 << 18) / (p.x.output * p.patch_len()).max(1)).max(1);
    by_tasks.min(by_memory).max(min_rows).min(p.y.output.max(1))
}

/// Below this many input channels the stride-1 input gradient takes the
/// col2im path rather than the transposed forward convolution, whose GEMM
/// would have only `cin` output columns of the micro-kernel's 8.
const SMALL_CIN_COL2IM: usize = 4;

/// `dx = conv2d_backward_input(dy, w)`; also the transposed convolution.
pub fn conv2d_backward_input(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32]) -> Result<()> {
    conv2d_backward_input_with(p, dy, w, dx, KernelKind::Simd)
}

pub fn conv2d_backward_input_with(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32], kernel: KernelKind) -> Result<()> {
    const OP: &str = "conv2dBackpropInput";
    check_len(OP, "output gradient", dy.len(), p.output_len())?;
    check_len(OP, "filter", w.len(), p.filter_len())?;
    check_len(OP, "input gradient", dx.len(), p.input_len())?;
    if let Some(t) = transposed_as_forward(p).filter(|_| p.cin >= SMALL_CIN_COL2IM) {
        // Stride 1: dx is a plain convolution of dy with the flipped,
        // in/out-swapped filter, so it takes the forward paths (Winograd or
        // indirect GEMM) and needs no col2im.
        let wt = flip_filter(p, w);
        return match kernel {
            KernelKind::Simd => conv2d(&t, dy, &wt, None, Activation::Linear, dx),
            KernelKind::Scalar => conv2d_with(&t, dy, &wt, None, Activation::Linear, dx, kernel),
        };
    }
    if kernel == KernelKind::Simd && dx_direct::applies(p) {
        dx_direct::dx_direct(p, dy, w, dx);
        return Ok(());
    }
    let k = p.patch_len();
    // B = W^T: column j of B is row j of W (contiguous, cout long).
    let packed = PackedB::new(&Dense { data: w, ld: p.cout, rows_are_contiguous: true }, p.cout, k);
    let run = Run { kernel, parallel: false, tuning: p.tuning, ..Run::default() };
    if is_pointwise(p) {
        let m = p.out_pixels();
        drive(m, p.cout, &Dense { data: dy, ld: p.cout, rows_are_contiguous: true }, &packed, Out::new(dx, m, k, k), Run { parallel: true, ..run });
        return Ok(());
    }
    if dx_phases_applies(p) {
        dx_by_phases(p, dy, w, dx, kernel);
        return Ok(());
    }
    dx.fill(0.0);
    let band = band_rows(p);
    let bands = p.y.output.div_ceil(band);
    let ow = p.x.output;
    let dxp = SharedMut::new(dx);
    let scatter = kernel == KernelKind::Simd && scatter_applies(p);
    for phase in 0..2 {
        let tasks: Vec<(usize, usize)> = (0..p.n).flat_map(|n| (phase..bands).step_by(2).map(move |b| (n, b))).collect();
        par::for_each_chunk(tasks.len(), 1, |range| {
            let mut dcols = Vec::new();
            for &(n, b) in &tasks[range] {
                let oy0 = b * band;
                let oy1 = (oy0 + band).min(p.y.output);
                let rows = (oy1 - oy0) * ow;
                let first = (n * p.y.output + oy0) * ow;
                if scatter {
                    // SAFETY: as for col2im_band below.
                    unsafe { band_scatter_add(p, n, oy0, oy1, &dy[first * p.cout..(first + rows) * p.cout], &packed, dxp) };
                    continue;
                }
                dcols.resize(rows * k, 0.0);
                let dyb = &dy[first * p.cout..(first + rows) * p.cout];
                drive(rows, p.cout, &Dense { data: dyb, ld: p.cout, rows_are_contiguous: true }, &packed, Out::new(&mut dcols, rows, k, k), run);
                // SAFETY: bands of one phase write disjoint input rows (band_rows).
                unsafe { col2im_band(p, n, oy0, oy1, &dcols, dxp) };
            }
        });
    }
    Ok(())
}

/// The taps of one axis that reach input positions `phase + stride * i`:
/// `(tap, q)` with output position `i + q` (`q` may be negative), in
/// increasing `q` (decreasing tap), so that consecutive taps read
/// consecutive output positions when the dilation is the stride's divisor.
fn phase_taps(a: &crate::shape::Axis, phase: usize) -> Vec<(usize, isize)> {
    let s = a.stride as isize;
    let mut taps: Vec<(usize, isize)> = (0..a.kernel)
        .filter_map(|t| {
            let d = phase as isize + a.pad_before as isize - (t * a.dilation) as isize;
            (d.rem_euclid(s) == 0).then_some((t, d.div_euclid(s)))
        })
        .collect();
    taps.sort_by_key(|&(_, q)| q);
    taps
}

/// Whether the strided input gradient takes [`dx_by_phases`]: strided,
/// at most 64 input and 128 output channels. Measured A/B
/// (`benches/tuning.mjs --switch 35 --op dx`, wasm, 1 thread, load 2-4,
/// ms scatter / phases): 64x16x16x32->64 s2 7.57 / 6.84 and 7.81 / 6.69,
/// 64x8x8x64->64 s2 3.71 / 3.45 and 3.57 / 3.29, 64x32x32x16->32 s2
/// 7.16 / 5.74, 1x112x112x64->128 s2 20.1 / 18.6, 8x56x56x64->128 s2
/// 35.1 / 34.0; with 128+ channels both sides the phases' K (4 taps x
/// cout) makes long B panels that stream from L2 for every row panel:
/// 8x28x28x128->128 s2 17.6 / 19.1, 8x28x28x128->256 s2 32.8 / 37.2,
/// 4x14x14x256->256 s2 10.2 / 12.3, 8x28x28x256->128 s2 35.7 / 37.3.
fn dx_phases_applies(p: &Conv2d) -> bool {
    p.tuning.dx_phases && (p.y.stride > 1 || p.x.stride > 1) && p.cin <= 64 && p.cout <= 128
}

/// The strided input gradient by stride phases (`Tuning::dx_phases`): the
/// input pixels `(phase_y + sy * i, phase_x + sx * j)` of one phase
/// receive gradient from a fixed subset of the taps (for 3x3 stride 2: a
/// 2x2, 2x1, 1x2 or 1x1 sub-filter), each from output pixel
/// `(i + qy, j + qx)`; so each phase is a dense stride-1 convolution of
/// dy with that sub-filter, `dx_phase = A B` with A's rows the taps' dy
/// pixels (one segment per tap, `cout` contiguous values, merged where
/// the next tap reads the next pixel; zeros outside dy) and
/// `B[(tap, co), ci] = w[tap, ci, co]`. Each row panel (4 consecutive
/// pixels of a phase row, `sx * cin` floats apart in dx) is one
/// micro-kernel call for all its column panels, stored straight into dx:
/// every dx value is written once (pixels no tap reaches get zeros), with
/// no zero fill, no `dP` strip and no scatter-add. Tasks are phase rows,
/// each value computed by one task in a fixed order: the same bits on any
/// thread count.
fn dx_by_phases(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32], kernel: KernelKind) {
    use crate::gemm::kernel::{f32_gemm_4x8__scalar, f32_gemm_4x8__simd128_ldb, f32_gemm_4x8_panels_segs__simd128, Tile};
    use crate::gemm::{Seg, MR, NR};
    let (cin, cout) = (p.cin, p.cout);
    let (sy, sx) = (p.y.stride, p.x.stride);
    let (ih, iw, oh, ow) = (p.y.input, p.x.input, p.y.output, p.x.output);
    struct Phase<'a> {
        a: usize,
        b: usize,
        taps: Vec<(usize, isize, usize, isize)>,
        filter: PackedB<'a>,
    }
    let mut phase_taps_list = Vec::with_capacity(sy * sx);
    for a in 0..sy.min(ih) {
        let ty = phase_taps(&p.y, a);
        for b in 0..sx.min(iw) {
            let tx = phase_taps(&p.x, b);
            let taps: Vec<_> = ty.iter().flat_map(|&(ky, qy)| tx.iter().map(move |&(kx, qx)| (ky, qy, kx, qx))).collect();
            phase_taps_list.push((a, b, taps));
        }
    }
    // B of each phase: rows (tap, co) of cin values, each tap's cin x cout
    // block transposed. With `Tuning::dx_phase_filters_at_once`, all
    // phases' rows in one buffer, phase after phase, by the vector
    // transposes split over the thread pool ([`transpose_taps`]), each
    // phase reading its rows in place; before, one zero-filled buffer per
    // phase filled a scalar at a time on the calling thread (64x64 3x3:
    // 37K values, tens of microseconds while the other thread waited).
    let at_once = p.tuning.dx_phase_filters_at_once;
    let tap_index = |&(ky, _, kx, _): &(usize, isize, usize, isize)| ky * p.x.kernel + kx;
    let order: Vec<usize> = if at_once { phase_taps_list.iter().flat_map(|(_, _, taps)| taps.iter().map(tap_index)).collect() } else { Vec::new() };
    let all_rows = if at_once { transpose_taps(p, w, order.len(), &|s| order[s]) } else { Vec::new() };
    let mut phases = Vec::with_capacity(phase_taps_list.len());
    let mut first_row = 0;
    for (a, b, taps) in phase_taps_list {
        let k = taps.len() * cout;
        let filter = if at_once {
            let rows = &all_rows[first_row * cin..(first_row + k) * cin];
            first_row += k;
            PackedB::in_place(rows, cin, k, cin).unwrap_or_else(|| PackedB::new(&Dense { data: rows, ld: cin, rows_are_contiguous: false }, k, cin))
        } else {
            let mut rows = vec![0.0f32; k * cin];
            for (t, tp) in taps.iter().enumerate() {
                let src = &w[tap_index(tp) * cin * cout..][..cin * cout];
                for ci in 0..cin {
                    for co in 0..cout {
                        rows[(t * cout + co) * cin + ci] = src[ci * cout + co];
                    }
                }
            }
            PackedB::from_rows(rows, k, cin)
        };
        phases.push(Phase { a, b, taps, filter });
    }
    let zeros = vec![0.0f32; cout];
    let full_panels = cin / NR;
    let dxp = SharedMut::new(dx);
    // Tasks: (phase, image, phase row), phase-major so a phase's filter stays in cache.
    let mut tasks: Vec<(usize, usize, usize)> = Vec::new();
    for (f, ph) in phases.iter().enumerate() {
        let rows = (ih - ph.a).div_ceil(sy);
        for n in 0..p.n {
            tasks.extend((0..rows).map(|i| (f, n, i)));
        }
    }
    // Phase rows are short (64x8x8x64 s2: 1,024 rows of 4 pixels), so
    // several per task: one claim and one segment list per chunk, not per row.
    par::for_each_chunk(tasks.len(), par::chunk_size(tasks.len(), 1), |range| {
        let mut segs: Vec<Seg> = Vec::with_capacity(16);
        for &(f, n, i) in &tasks[range] {
            let ph = &phases[f];
            let iy = ph.a + sy * i;
            let cols = (iw - ph.b).div_ceil(sx);
            let row0 = dxp.at(((n * ih + iy) * iw + ph.b) * cin);
            let ldc = sx * cin;
            if ph.taps.is_empty() {
                for j in 0..cols {
                    // SAFETY: pixel (n, iy, b + sx * j) of dx; this task's only.
                    unsafe { core::ptr::write_bytes(row0.add(j * ldc), 0, cin) };
                }
                continue;
            }
            let mut j0 = 0;
            while j0 < cols {
                let mr = MR.min(cols - j0);
                segs.clear();
                for &(_, qy, _, qx) in &ph.taps {
                    let oy = i as isize + qy;
                    let ptrs: [*const f32; MR] = core::array::from_fn(|r| {
                        let ox = (j0 + r.min(mr - 1)) as isize + qx;
                        if oy < 0 || oy >= oh as isize || ox < 0 || ox >= ow as isize {
                            zeros.as_ptr()
                        } else {
                            dy[((n * oh + oy as usize) * ow + ox as usize) * cout..][..cout].as_ptr()
                        }
                    });
                    match segs.last_mut() {
                        // The previous tap's pixels are just before these, in every row: one segment.
                        Some(last)
                            if (0..MR).all(|r| ptrs[r] != zeros.as_ptr() && last.a[r] != zeros.as_ptr() && last.a[r].wrapping_add(last.len) == ptrs[r]) =>
                        {
                            last.len += cout
                        }
                        _ => segs.push(Seg::new(ptrs, cout)),
                    }
                }
                let c = row0.wrapping_add(j0 * ldc);
                let fb = &ph.filter;
                // SAFETY: each segment holds its length in floats of dy or
                // zeros; the filter has k = taps * cout rows; the tile's rows
                // are pixels (n, iy, b + sx * (j0 + r)) of dx, this task's only.
                unsafe {
                    let mut jp = 0;
                    if kernel == KernelKind::Simd && mr == MR && full_panels > 0 {
                        f32_gemm_4x8_panels_segs__simd128(&segs, fb.panel(0, 0), fb.ldb(), fb.panel_step(), full_panels, c, ldc);
                        jp = full_panels;
                    }
                    while jp * NR < cin {
                        let t = Tile { c: c.add(jp * NR), ldc, mr, nr: NR.min(cin - jp * NR) };
                        match kernel {
                            KernelKind::Simd => f32_gemm_4x8__simd128_ldb(&segs, fb.panel(jp, 0), fb.ldb(), &t, false, None),
                            KernelKind::Scalar => f32_gemm_4x8__scalar(&segs, fb.panel(jp, 0), fb.ldb(), &t, false, None),
                        }
                        jp += 1;
                    }
                }
                j0 += MR;
            }
        }
    });
}

/// For a stride-1 convolution, the convolution that maps dy to dx:
/// input dy `[n, oh, ow, cout]`, filter `[kh, kw, cout, cin]` (flipped),
/// padding `k_eff - 1 - pad` on each side, same dilation. `None` for
/// strides > 1 or padding wider than the kernel (negative padding).
fn transposed_as_forward(p: &Conv2d) -> Option<Conv2d> {
    if p.y.stride != 1 || p.x.stride != 1 {
        return None;
    }
    let ky = (p.y.kernel - 1) * p.y.dilation;
    let kx = (p.x.kernel - 1) * p.x.dilation;
    if p.y.pad_before > ky || p.y.pad_after > ky || p.x.pad_before > kx || p.x.pad_after > kx {
        return None;
    }
    let args = Conv2dArgs {
        n: p.n,
        h: p.y.output,
        w: p.x.output,
        cin: p.cout,
        kh: p.y.kernel,
        kw: p.x.kernel,
        cout: p.cin,
        stride: [1, 1],
        dilation: [p.y.dilation, p.x.dilation],
        padding: Padding::Explicit([ky - p.y.pad_before, ky - p.y.pad_after, kx - p.x.pad_before, kx - p.x.pad_after]),
    };
    let t = Conv2d::new("conv2dBackpropInput", &args).ok()?;
    debug_assert_eq!((t.y.output, t.x.output), (p.y.input, p.x.input));
    Some(t)
}

/// `wt[kh-1-ky][kw-1-kx][co][ci] = w[ky][kx][ci][co]`: the filter of the
/// stride-1 input gradient as a forward convolution ([`transpose_taps`]
/// with the taps in reverse order).
fn flip_filter(p: &Conv2d, w: &[f32]) -> Vec<f32> {
    let taps = p.y.kernel * p.x.kernel;
    transpose_taps(p, w, taps, &|t| taps - 1 - t)
}

/// `wt[slot][co][ci] = w[tap(slot)][ci][co]` for `slot < slots`: per tap a
/// cin x cout transpose, done in 8 x 8 blocks (a plain loop writes `cin`
/// floats apart and misses the cache on every store once the tap is bigger
/// than L1: 1x14x14x512->512 flips 9 MB) and split over the thread pool by
/// output rows. Whole blocks move as 4 x 4 vector transposes
/// (`Tuning::flip_filter_vector`; before, one bounds-checked scalar copy
/// per value), and `wt` is not zero-filled first: every row is written.
/// Pure copies, so any split gives the same result.
fn transpose_taps(p: &Conv2d, w: &[f32], slots: usize, tap: &(dyn Fn(usize) -> usize + Sync)) -> Vec<f32> {
    let (cin, cout) = (p.cin, p.cout);
    let len = slots * cin * cout;
    if cin == 0 || cout == 0 {
        return vec![0.0f32; len];
    }
    let vector = p.tuning.flip_filter_vector;
    let mut wt: Vec<f32> = if vector { Vec::with_capacity(len) } else { vec![0.0f32; len] };
    let blocks = Blocks { src: w, rows: cin, cols: cout, ld: cout, block: cin * cout };
    // SAFETY: wt's capacity holds slots * cout rows of cin floats.
    unsafe { transpose_blocks(&blocks, slots, tap, vector, SharedMut::from_raw(wt.as_mut_ptr())) };
    // SAFETY: every (row, ci) was written (blocks cover all rows and channels).
    unsafe { wt.set_len(len) };
    wt
}

/// The source of [`transpose_blocks`]: matrices of `rows x cols` floats,
/// rows `ld` apart, matrix `b` at `b * block`.
struct Blocks<'a> {
    src: &'a [f32],
    rows: usize,
    cols: usize,
    ld: usize,
    block: usize,
}

/// `out[slot * cols + c][r] = src[tap(slot)][r][c]` (out's rows `rows`
/// floats long) for `slot < slots`, in 8 x 8 blocks (4 x 4 vector
/// transposes when `vector`), split over the thread pool by output rows.
///
/// # Safety
/// `out` is valid for writes of `slots * cols * rows` floats that nothing
/// else reads or writes meanwhile.
unsafe fn transpose_blocks(b: &Blocks<'_>, slots: usize, tap: &(dyn Fn(usize) -> usize + Sync), vector: bool, out: SharedMut) {
    let (rows, cols, ld) = (b.rows, b.cols, b.ld);
    if rows == 0 || cols == 0 {
        return;
    }
    const B: usize = 8;
    let rows_per_task = (1usize << 15).div_ceil(rows).next_multiple_of(B);
    par::for_each_chunk(slots * cols, rows_per_task, |range| {
        let mut r = range.start;
        while r < range.end {
            let (t, c0) = (r / cols, r % cols);
            // A block of output rows of one matrix.
            let nr = B.min(range.end - r).min(cols - c0);
            let src = &b.src[tap(t) * b.block..][..(rows - 1) * ld + cols];
            let mut i0 = 0;
            while i0 < rows {
                let nc = B.min(rows - i0);
                if vector && nr == B && nc == B {
                    for (h, v) in [(0, 0), (0, 4), (4, 0), (4, 4)] {
                        // Rows i0+v.. of src at columns c0+h..: 4 x 4 floats in bounds
                        // (c0 + 8 <= cols, i0 + 8 <= rows); output rows r+h.., columns i0+v...
                        unsafe {
                            let s = src.as_ptr().add((i0 + v) * ld + c0 + h);
                            let t4 = F32x4::transpose4(F32x4::load(s), F32x4::load(s.add(ld)), F32x4::load(s.add(2 * ld)), F32x4::load(s.add(3 * ld)));
                            for (q, row) in t4.iter().enumerate() {
                                // SAFETY: row r + h + q < slots * cols, columns inside rows; one task writes it.
                                row.store(out.at((r + h + q) * rows + i0 + v));
                            }
                        }
                    }
                } else {
                    for c in 0..nc {
                        let s = &src[(i0 + c) * ld + c0..][..nr];
                        for (rr, v) in s.iter().enumerate() {
                            // SAFETY: as above.
                            unsafe { *out.at((r + rr) * rows + i0 + c) = *v };
                        }
                    }
                }
                i0 += nc;
            }
            r += nr;
        }
    });
}

/// Whether the input gradient's bands add each `MR x NR` tile of `dP`
/// straight into dx ([`band_scatter_add`], `Tuning::dx_scatter_tiles`)
/// instead of writing the band's `dP` out for [`col2im_band`]: every
/// `NR`-column panel of `dP` must be 8 channels of one tap (`cin % 8 == 0`),
/// and the inner dimension (`cout`) one K block.
fn scatter_applies(p: &Conv2d) -> bool {
    p.tuning.dx_scatter_tiles && p.cin.is_multiple_of(crate::gemm::NR) && p.cout <= crate::gemm::KC
}

/// The patch gradients of output rows `oy0..oy1` of image `n` (`dyb`:
/// those rows of dy), `dP = dy W^T` one `MR x NR` tile at a time on the
/// micro-kernel into a stack tile, each tile row added at once into the
/// input pixel its tap reads (skipped where the tap is in the padding).
/// No band of `dP` is written to memory and read back. Tiles go in a
/// shape-only order (row panels, then taps and channel panels), so the
/// sums do not depend on the thread count.
///
/// # Safety
/// No other task writes the input rows this band's windows cover (the
/// even/odd band phases of [`band_rows`]); `dx` holds the input.
unsafe fn band_scatter_add(p: &Conv2d, n: usize, oy0: usize, oy1: usize, dyb: &[f32], packed: &PackedB<'_>, dx: SharedMut) {
    use crate::gemm::kernel::{f32_gemm_4x8__simd128_ldb, f32_gemm_4x8_panels__simd128, Tile};
    use crate::gemm::{RowScratch, KC, MR, NR};
    let (cin, cout, ow) = (p.cin, p.cout, p.x.output);
    let rows = (oy1 - oy0) * ow;
    let panels = p.patch_len() / NR;
    let src = Dense { data: dyb, ld: cout, rows_are_contiguous: true };
    let mut scratch: RowScratch = [0.0f32; MR * KC];
    let mut segs = Vec::with_capacity(2);
    let mut tile = [0.0f32; MR * NR];
    // With `Tuning::dx_scatter_panels`, all panels of a row panel's dP in
    // one micro-kernel call into a strip (4 x patch floats), then added in
    // the same (panel, row) order: the same bits as a call per tile.
    let k = p.patch_len();
    let mut strip = if p.tuning.dx_scatter_panels { vec![0.0f32; MR * k] } else { Vec::new() };
    let mut r0 = 0;
    while r0 < rows {
        let mr = MR.min(rows - r0);
        let pix: [(usize, usize); MR] = core::array::from_fn(|r| {
            let m = r0 + r.min(mr - 1);
            (oy0 + m / ow, m % ow)
        });
        if p.tuning.dx_scatter_panels {
            let ptrs: [*const f32; MR] = core::array::from_fn(|r| dyb[(r0 + r.min(mr - 1)) * cout..].as_ptr());
            // SAFETY: each row pointer holds cout floats of dyb; the panels
            // are full (k = patch, a multiple of NR: cin % NR == 0); strip
            // holds 4 rows of k floats.
            f32_gemm_4x8_panels__simd128(ptrs, cout, packed.panel(0, 0), packed.ldb(), packed.panel_step(), panels, strip.as_mut_ptr(), k);
            for j in 0..panels {
                let (tap, ci0) = (j * NR / cin, j * NR % cin);
                let (ky, kx) = (tap / p.x.kernel, tap % p.x.kernel);
                for (r, &(oy, ox)) in pix[..mr].iter().enumerate() {
                    let (iy, ix) = (p.y.input_index(oy, ky), p.x.input_index(ox, kx));
                    if iy < 0 || ix < 0 || iy as usize >= p.y.input || ix as usize >= p.x.input {
                        continue;
                    }
                    let d = dx.at(((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin + ci0);
                    let s = strip.as_ptr().add(r * k + j * NR);
                    F32x4::load(d).add(F32x4::load(s)).store(d);
                    F32x4::load(d.add(4)).add(F32x4::load(s.add(4))).store(d.add(4));
                }
            }
            r0 += MR;
            continue;
        }
        segs.clear();
        src.rows(r0, mr, 0, cout, &mut scratch, &mut segs);
        for j in 0..panels {
            let (tap, ci0) = (j * NR / cin, j * NR % cin);
            let (ky, kx) = (tap / p.x.kernel, tap % p.x.kernel);
            let t = Tile { c: tile.as_mut_ptr(), ldc: NR, mr: MR, nr: NR };
            f32_gemm_4x8__simd128_ldb(&segs, packed.panel(j, 0), packed.ldb(), &t, false, None);
            for (r, &(oy, ox)) in pix[..mr].iter().enumerate() {
                let (iy, ix) = (p.y.input_index(oy, ky), p.x.input_index(ox, kx));
                if iy < 0 || ix < 0 || iy as usize >= p.y.input || ix as usize >= p.x.input {
                    continue;
                }
                let d = dx.at(((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin + ci0);
                let s = tile.as_ptr().add(r * NR);
                F32x4::load(d).add(F32x4::load(s)).store(d);
                F32x4::load(d.add(4)).add(F32x4::load(s.add(4))).store(d.add(4));
            }
        }
        r0 += MR;
    }
}

/// Adds the patch gradients of output rows `oy0..oy1` of image `n` into dx.
unsafe fn col2im_band(p: &Conv2d, n: usize, oy0: usize, oy1: usize, dcols: &[f32], dx: SharedMut) {
    let cin = p.cin;
    let k = p.patch_len();
    let mut row = 0;
    for oy in oy0..oy1 {
        for ox in 0..p.x.output {
            let src_row = &dcols[row * k..(row + 1) * k];
            row += 1;
            for ky in 0..p.y.kernel {
                let iy = p.y.input_index(oy, ky);
                if iy < 0 || iy as usize >= p.y.input {
                    continue;
                }
                for kx in 0..p.x.kernel {
                    let ix = p.x.input_index(ox, kx);
                    if ix < 0 || ix as usize >= p.x.input {
                        continue;
                    }
                    let dst = dx.at(((n * p.y.input + iy as usize) * p.x.input + ix as usize) * cin);
                    let src = src_row[(ky * p.x.kernel + kx) * cin..].as_ptr();
                    add_into(dst, src, cin);
                }
            }
        }
    }
}

/// `dst[i] += src[i]` for `i < len`.
#[inline(always)]
unsafe fn add_into(dst: *mut f32, src: *const f32, len: usize) {
    let mut i = 0;
    while i + 4 <= len {
        F32x4::load(dst.add(i)).add(F32x4::load(src.add(i))).store(dst.add(i));
        i += 4;
    }
    while i < len {
        *dst.add(i) += *src.add(i);
        i += 1;
    }
}

/// Output pixels per partial sum of the filter gradient. Shape-only, so
/// the partials and their summation order do not depend on threads.
fn filter_grad_chunk(p: &Conv2d) -> usize {
    let m = p.out_pixels();
    let partial = p.filter_len().max(1);
    // Few partials when the filter is big (each is a full dW), enough to
    // keep 2+ threads busy when it is small.
    let max_partials = ((1usize << 22) / partial).clamp(1, 16);
    m.div_ceil(max_partials).max(1024.min(m.max(1)))
}

/// `dw = conv2d_backward_filter(x, dy)`.
pub fn conv2d_backward_filter(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) -> Result<()> {
    conv2d_backward_filter_with(p, x, dy, dw, KernelKind::Simd)
}

pub fn conv2d_backward_filter_with(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32], kernel: KernelKind) -> Result<()> {
    const OP: &str = "conv2dBackpropFilter";
    check_len(OP, "input", x.len(), p.input_len())?;
    check_len(OP, "output gradient", dy.len(), p.output_len())?;
    check_len(OP, "filter gradient", dw.len(), p.filter_len())?;
    if kernel == KernelKind::Simd && winograd_filter::applies(p) {
        winograd_filter::conv2d_backward_filter_winograd(p, x, dy, dw);
        return Ok(());
    }
    let k = p.patch_len();
    let m = p.out_pixels();
    let cout = p.cout;
    let pointwise = is_pointwise(p);
    if kernel == KernelKind::Simd && !pointwise && short_patch(p) {
        filter_grad_short_patch(p, x, dy, dw);
        return Ok(());
    }
    if kernel == KernelKind::Simd && !pointwise && p.cin.is_multiple_of(8) && p.cout <= 64 && m >= k && p.tuning.filter_grad_transposed {
        // dW^T = dy^T P: dy^T is read in place (strided), the patches are
        // packed as B with one 8-float copy per pixel and panel, instead of
        // gathering P^T four scalars at a time. Measured A/B (tuning switch
        // 8, wasm, 1 thread, ms before / after): 64x16x16x32->64 s2 10.5 /
        // 9.4, 64x14x14x32->64 s2 8.3 / 7.2, 64x8x8x64->64 s2 5.7 / 5.5;
        // where cout is wide or the patch long (1x112x112x64->128 s2 17.7 /
        // 18.6, 1x14x14x512->512 31 / 46) the P^T gather is amortised over
        // more columns and stays.
        let mut dwt = vec![0.0f32; dw.len()];
        // With one pixel chunk, the driver's task grid (over row and
        // column panels) balances 2 threads better than row panels alone
        // (64x8x8x64->64 s2 at 2 threads: 1.81 ms driver / 1.93 panels).
        let panels = p.tuning.filter_grad_panels && cout.is_multiple_of(crate::gemm::MR) && m > filter_grad_chunk(p);
        let runs = filter_grad_runs::applies(p);
        par::reduce_chunks(m, filter_grad_chunk(p), &mut dwt, |range, partial| {
            if runs {
                filter_grad_runs::filter_grad_runs(p, x, dy, range, partial);
                return;
            }
            let len = range.len();
            let packed = if p.tuning.filter_grad_pack_by_pixel {
                im2col::pack_patches_b(p, x, range.start, len)
            } else {
                PackedB::new(&PatchesB { p, x, m0: range.start }, len, k)
            };
            if panels {
                filter_grad_panels(&dy[range.start * cout..range.end * cout], cout, &packed, partial, k);
                return;
            }
            let out = Out::new(partial, cout, k, k);
            drive(cout, len, &GradT { dy, cout, m0: range.start }, &packed, out, Run { kernel, tuning: p.tuning, ..Run::default() });
        });
        untranspose_filter_grad(p, &dwt, k, dw);
        return Ok(());
    }
    if kernel == KernelKind::Simd && !pointwise && p.cin < 8 && p.tuning.filter_grad_padded_input {
        if let Some((q, xp)) = padded_input(p, x) {
            // Every window of q lies inside its input: the gathered
            // transpose reads every output row as one strided run.
            return conv2d_backward_filter_with(&q, &xp, dy, dw, kernel);
        }
    }
    if kernel == KernelKind::Simd && filter_grad_rows_applies(p) {
        filter_grad_rows(p, x, dy, dw);
        return Ok(());
    }
    par::reduce_chunks(m, filter_grad_chunk(p), dw, |range, partial| {
        let len = range.len();
        let dyc = &dy[range.start * cout..range.end * cout];
        let packed = PackedB::new(&Dense { data: dyc, ld: cout, rows_are_contiguous: false }, len, cout);
        let out = Out::new(partial, k, cout, cout);
        let run = Run { kernel, tuning: p.tuning, ..Run::default() };
        let xt = Dense { data: &x[range.start * p.cin..], ld: p.cin, rows_are_contiguous: false };
        let pt = PatchesT { p, x, m0: range.start };
        let a: &dyn RowSource = if pointwise { &xt } else { &pt };
        drive(k, len, a, &packed, out, run);
    });
    Ok(())
}

/// K block (pixels) of [`filter_grad_panels`], as the driver's blocks.
const FILTER_GRAD_KC: usize = crate::gemm::KC_LONG;

/// `dW^T[cout, k] = dy^T P` for one chunk of pixels (`dyc`: their rows of
/// dy, `len x cout`; `b`: their patch panels, `k / NR` full panels of
/// `len` rows) into `out` (`cout x k`), `Tuning::filter_grad_panels`:
/// dy^T copied into packed panels of 4 channels (`[len][4]`, one vector
/// per pixel), then per row panel and K block of [`FILTER_GRAD_KC`]
/// pixels one micro-kernel call for all column panels (C loaded after the
/// first block). Row panels run in parallel (each writes its own rows of
/// `out`). The same products in the same order as the driver's tiles (its
/// K blocks are the same): the same bits.
fn filter_grad_panels(dyc: &[f32], cout: usize, b: &PackedB<'_>, out: &mut [f32], k: usize) {
    use crate::gemm::kernel::f32_gemm_4x8_panels_packed__simd128;
    use crate::gemm::{MR, NR};
    let len = dyc.len() / cout;
    let row_panels = cout / MR;
    let a = pack_dy_t(dyc, cout);
    let o = SharedMut::new(out);
    let panels = k / NR;
    par::for_each_chunk(row_panels, 1, |rps| {
        for rp in rps {
            let mut k0 = 0;
            while k0 < len {
                let kc = FILTER_GRAD_KC.min(len - k0);
                // SAFETY: the A panel holds kc rows of 4 floats from k0; the
                // patch panels hold len rows; out's rows 4 rp.. (k floats
                // each) belong to this row panel only.
                unsafe {
                    f32_gemm_4x8_panels_packed__simd128(
                        a[(rp * len + k0) * MR..].as_ptr(),
                        kc,
                        b.panel(0, k0),
                        b.ldb(),
                        b.panel_step(),
                        panels,
                        o.at(rp * MR * k),
                        k,
                        k0 > 0,
                    )
                };
                k0 += kc;
            }
        }
    });
}

/// `dy^T` of a chunk of pixels (`dyc`: `len x cout`, `cout % 4 == 0`) as
/// packed 4-row panels `[cout / 4][len][4]`, one vector per pixel: the A of
/// the transposed filter gradient's panel kernels.
fn pack_dy_t(dyc: &[f32], cout: usize) -> Vec<f32> {
    use crate::gemm::MR;
    assert!(cout.is_multiple_of(MR) && dyc.len().is_multiple_of(cout));
    let len = dyc.len() / cout;
    let row_panels = cout / MR;
    let mut a: Vec<f32> = Vec::with_capacity(row_panels * len * MR);
    let ap = SharedMut::from_raw(a.as_mut_ptr());
    for (kk, px) in dyc.chunks_exact(cout).enumerate() {
        for rp in 0..row_panels {
            // SAFETY: px holds cout >= 4 rp + 4 floats; a's capacity holds row_panels * len * 4.
            unsafe { F32x4::load(px.as_ptr().add(rp * MR)).store(ap.at((rp * len + kk) * MR)) };
        }
    }
    // SAFETY: every (row panel, pixel) vector was written above.
    unsafe { a.set_len(row_panels * len * MR) };
    a
}

/// Whether the filter gradient takes [`filter_grad_rows`]: no padding (a
/// padded first layer gets there through [`padded_input`]), fewer than 8
/// input channels, whole 8-channel output panels.
fn filter_grad_rows_applies(p: &Conv2d) -> bool {
    p.tuning.filter_grad_rows && !has_padding(p) && !is_pointwise(p) && p.cin < 8 && p.cout.is_multiple_of(crate::gemm::NR) && p.cout > 0
}

/// `dW[k, co] = sum over pixels of P[px, k] dy[px, co]` for an unpadded
/// layer with few input channels, per chunk of pixels ([`filter_grad_chunk`],
/// partials summed in chunk order): row `k` of `P^T` is, along one output
/// row, input values `sx * cin` floats apart, so each row panel of `P^T`
/// (4 patch positions) is read in place as one strided segment per output
/// row of the chunk, and `dy` in place as B (rows `cout` floats apart);
/// one micro-kernel call per row panel covers the chunk and all column
/// panels. Nothing is gathered or packed (before: the gathered transpose's
/// segments, a packed copy of dy and a call per 4 x 8 tile and 256-pixel
/// block: 64x32x32x3->16 spent 44 % of its time in the micro-kernel). The
/// same products summed in the same order (pixels, from zero): the same
/// bits as the driver's path.
fn filter_grad_rows(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    use crate::gemm::kernel::f32_gemm_4x8_panels_segs_c__simd128;
    use crate::gemm::{Seg, MR, NR};
    let (k, cin, cout) = (p.patch_len(), p.cin, p.cout);
    let (ow, oh) = (p.x.output, p.y.output);
    let step = p.x.stride * cin;
    let panels = cout / NR;
    let b = PackedB::in_place(dy, cout, p.out_pixels(), cout).expect("cout is a multiple of NR");
    // Offset of patch position kk from its window's first value.
    let rel = |kk: usize| {
        let (tap, ci) = (kk / cin, kk % cin);
        ((tap / p.x.kernel) * p.y.dilation * p.x.input + (tap % p.x.kernel) * p.x.dilation) * cin + ci
    };
    par::reduce_chunks(p.out_pixels(), filter_grad_chunk(p), dw, |range, partial| {
        // Per output row in the chunk: its window origin and pixel count.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut m = range.start;
        while m < range.end {
            let (n, oy, ox) = (m / (oh * ow), (m / ow) % oh, m % ow);
            let len = (ow - ox).min(range.end - m);
            runs.push((((n * p.y.input + oy * p.y.stride) * p.x.input + ox * p.x.stride) * cin, len));
            m += len;
        }
        let mut segs: Vec<Seg> = Vec::with_capacity(runs.len());
        // The last row panel when k % 4 != 0 goes through a 4-row tile.
        let mut tile = vec![0.0f32; if k.is_multiple_of(MR) { 0 } else { MR * cout }];
        let mut k0 = 0;
        while k0 < k {
            let mr = MR.min(k - k0);
            let offs: [usize; MR] = core::array::from_fn(|r| rel(k0 + r.min(mr - 1)));
            let reach = offs.iter().max().copied().unwrap_or(0);
            segs.clear();
            for &(origin, len) in &runs {
                let span = &x[origin..origin + (len - 1) * step + reach + 1];
                segs.push(Seg { a: core::array::from_fn(|r| span[offs[r]..].as_ptr()), len, stride: step });
            }
            let c = if mr == MR { partial[k0 * cout..(k0 + MR) * cout].as_mut_ptr() } else { tile.as_mut_ptr() };
            // SAFETY: each segment's rows hold len values `step` apart inside
            // x (the slices above); B's rows range.start.. are the chunk's
            // pixels of dy (cout floats each); C holds 4 rows of cout floats.
            unsafe { f32_gemm_4x8_panels_segs_c__simd128(&segs, b.panel(0, range.start), b.ldb(), b.panel_step(), panels, c, cout, false) };
            if mr < MR {
                partial[k0 * cout..(k0 + mr) * cout].copy_from_slice(&tile[..mr * cout]);
            }
            k0 += MR;
        }
    });
}

/// For a padded convolution, the same convolution over an input with the
/// padding written out as zeros (`Tuning::filter_grad_padded_input`): the
/// `VALID` geometry with the same outputs, and that input. `None` without
/// padding. For the filter gradient of first layers (`cin < 8`), whose
/// gathered transpose ([`PatchesT`]) otherwise gathers every pixel whose
/// window touches the padding value by value, with a bounds check per value
/// (`64x32x32x3->16`: 2 of every 32 pixels of each row, and the first and
/// last rows), and cuts each output row's strided run there.
fn padded_input(p: &Conv2d, x: &[f32]) -> Option<(Conv2d, Vec<f32>)> {
    let q = padded_geometry(p)?;
    let (y, xa, cin) = (&p.y, &p.x, p.cin);
    let (h, w) = (q.y.input, q.x.input);
    let (src_row, dst_row) = (xa.input * cin, w * cin);
    let mut xp = vec![0.0f32; p.n * h * dst_row];
    par::for_each_out_chunk(&mut xp, h * dst_row, 1, |img, out| {
        for iy in 0..y.input {
            let src = &x[(img * y.input + iy) * src_row..][..src_row];
            out[(iy + y.pad_before) * dst_row + xa.pad_before * cin..][..src_row].copy_from_slice(src);
        }
    });
    Some((q, xp))
}

/// The `VALID` geometry over the input with `p`'s padding written out,
/// with the same outputs (and `p`'s tuning); `None` without padding or when
/// the output size would differ.
fn padded_geometry(p: &Conv2d) -> Option<Conv2d> {
    let (y, xa) = (&p.y, &p.x);
    if !has_padding(p) {
        return None;
    }
    let (h, w) = (y.input + y.pad_before + y.pad_after, xa.input + xa.pad_before + xa.pad_after);
    let args = Conv2dArgs {
        n: p.n,
        h,
        w,
        cin: p.cin,
        kh: y.kernel,
        kw: xa.kernel,
        cout: p.cout,
        stride: [y.stride, xa.stride],
        dilation: [y.dilation, xa.dilation],
        padding: Padding::Valid,
    };
    let mut q = Conv2d::new("conv2dBackpropFilter", &args).ok()?;
    if (q.y.output, q.x.output) != (y.output, xa.output) {
        return None;
    }
    q.tuning = p.tuning;
    Some(q)
}

/// Whether the filter gradient takes [`filter_grad_short_patch`]: few
/// input channels and a short patch (one explicit patch row of at most
/// [`SHORT_PATCH`] floats per pixel), with more pixels than patch values,
/// where it measured faster than the gathered transpose
/// (`benches/tuning.mjs --switch 13 --values 1,2 --op dw`, wasm, load 5.5-6.2,
/// two runs, ms gathered / short patch): 4-7 channels, whose rows the
/// gather reads a value at a time (64x32x32x4->16 s2 2.31 / 1.42 and
/// 3.99 / 2.14 at 1 thread, 1.27 / 0.80 at 2), and 64 output channels
/// (1x224x224x3->64 12.9 / 10.3, 20.5 / 17.8; 2 threads 6.6 / 5.7). Not
/// for 1-3 channels into 16 or 32, where the transpose reads long strided
/// runs in place: 64x32x32x3->16 4.7 / 5.8, 64x28x28x1->16 2.1 / 3.5,
/// 8x112x112x3->32 s2 3.1 / 3.5.
fn short_patch(p: &Conv2d) -> bool {
    p.tuning.filter_grad_short_patch && p.cin < 8 && (p.cin >= 4 || p.cout >= 64) && p.patch_len() <= SHORT_PATCH && p.out_pixels() >= p.patch_len()
}

/// Longest patch [`short_patch`] takes.
const SHORT_PATCH: usize = 64;

/// Pixels per explicit patch block of [`filter_grad_short_patch`] (with
/// 32-float rows, 32 KiB: it stays in L1 while the GEMM reads it).
const PATCH_BLOCK: usize = 256;

/// `dW^T = dy^T P` with `P` written out a block of pixels at a time
/// ([`im2col::fill_patch_rows`], rows padded to a multiple of `NR`) and read
/// in place as B, `dy^T` read in place as A: no per-panel gathers, and the
/// GEMM's short side is `cout` rows instead of the patch. Per-chunk
/// partials as in the other paths (shape-only chunks, summed in order).
fn filter_grad_short_patch(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    let (k, cout) = (p.patch_len(), p.cout);
    let kp = k.next_multiple_of(crate::gemm::NR);
    let mut dwt = vec![0.0f32; cout * kp];
    par::reduce_chunks(p.out_pixels(), filter_grad_chunk(p), &mut dwt, |range, partial| {
        par::with_scratch(PATCH_BLOCK * kp, |patches| {
            let mut m0 = range.start;
            while m0 < range.end {
                let len = PATCH_BLOCK.min(range.end - m0);
                im2col::fill_patch_rows(p, x, m0, len, kp, patches);
                let b = PackedB::in_place(&patches[..len * kp], kp, len, kp).expect("kp is a multiple of NR");
                let run = Run { accumulate: m0 > range.start, parallel: false, tuning: p.tuning, ..Run::default() };
                drive(cout, len, &GradT { dy, cout, m0 }, &b, Out::new(partial, cout, kp, kp), run);
                m0 += len;
            }
        });
    });
    untranspose_filter_grad(p, &dwt, kp, dw);
}

/// `dw[kk][co] = dwt[co * ld + kk]` for the transposed filter gradients
/// (`dW^T`, `cout` rows of `ld >= k` floats). With
/// `Tuning::filter_grad_untranspose_vector`, by [`transpose_blocks`]'s
/// vector transposes split over the thread pool; before, a scalar loop on
/// the calling thread reading `ld` floats apart (64x8x8x64->64 s2: 37K
/// values while the other thread waited). Pure copies.
fn untranspose_filter_grad(p: &Conv2d, dwt: &[f32], ld: usize, dw: &mut [f32]) {
    let (k, cout) = (p.patch_len(), p.cout);
    debug_assert!(dwt.len() >= cout * ld && dw.len() == k * cout && ld >= k);
    if p.tuning.filter_grad_untranspose_vector {
        let blocks = Blocks { src: dwt, rows: cout, cols: k, ld, block: 0 };
        // SAFETY: dw holds k rows of cout floats, written by this call only.
        unsafe { transpose_blocks(&blocks, 1, &|_| 0, true, SharedMut::new(dw)) };
        return;
    }
    for (kk, row) in dw.chunks_exact_mut(cout).enumerate() {
        for (co, v) in row.iter_mut().enumerate() {
            *v = dwt[co * ld + kk];
        }
    }
}

/// `db[c] = sum over all pixels of dy[.., c]` (`dy` is `[pixels, c]`).
pub fn bias_grad(dy: &[f32], c: usize, db: &mut [f32]) -> Result<()> {
    const OP: &str = "biasAddGrad";
    if c == 0 || !dy.len().is_multiple_of(c) {
        return Err(CoreError::new(OP, format!("gradient of {} elements is not a whole number of rows of {c} channels", dy.len())));
    }
    check_len(OP, "bias gradient", db.len(), c)?;
    let pixels = dy.len() / c;
    par::reduce_chunks(pixels, 4096, db, |range, acc| sum_rows_into(&dy[range.start * c..range.end * c], c, acc));
    Ok(())
}

/// `acc[j] += sum over rows r of rows[r * c + j]` for `j < c`, rows added
/// in order (the body of [`bias_grad`]'s chunks, also the max-pool fused
/// bias gradient's). 16 channels at a time summed in registers over all
/// rows (before: `acc += pixel` through memory, bound by the store-to-load
/// latency); the same additions in the same order.
pub(crate) fn sum_rows_into(rows: &[f32], c: usize, acc: &mut [f32]) {
    assert!(acc.len() >= c && rows.len().is_multiple_of(c));
    let mut c0 = 0;
    while c0 + 16 <= c {
        sum_columns16(rows, c, c0, &mut acc[c0..c0 + 16]);
        c0 += 16;
    }
    if c0 < c {
        for px in rows.chunks_exact(c) {
            // SAFETY: acc and px hold c floats.
            unsafe { add_into(acc[c0..].as_mut_ptr(), px[c0..].as_ptr(), c - c0) };
        }
    }
}

/// The gradient of a ReLU-fused convolution's output and its bias in one
/// pass: `dx = y > 0 ? dy : 0` (`y` the forward output or input) and
/// `db[c] = sum over pixels of dx[.., c]`. The same bits as
/// `eltwise::relu_backward` then [`bias_grad`] (the same 4096-pixel chunks
/// and order), one read of `dx` less.
pub fn relu_bias_grad(y: &[f32], dy: &[f32], c: usize, dx: &mut [f32], db: &mut [f32]) -> Result<()> {
    const OP: &str = "reluBiasGrad";
    if c == 0 || !y.len().is_multiple_of(c) {
        return Err(CoreError::new(OP, format!("output of {} elements is not a whole number of rows of {c} channels", y.len())));
    }
    check_len(OP, "dy", dy.len(), y.len())?;
    check_len(OP, "dx", dx.len(), y.len())?;
    check_len(OP, "bias gradient", db.len(), c)?;
    par::for_each_out_chunk_reduce(dx, c, 4096, db, |first, dxs, acc| {
        let ys = &y[first * c..][..dxs.len()];
        let dys = &dy[first * c..][..dxs.len()];
        let mut c0 = 0;
        // 32 channels per pass where they fit (8 accumulators): one pass
        // over a 32-channel map instead of two over its half rows.
        while c0 + 32 <= c {
            // SAFETY: every row of ys, dys, dxs holds c >= c0 + 32 floats; acc holds c.
            unsafe { relu_bias_columns::<8>(ys, dys, dxs, c, c0, acc) };
            c0 += 32;
        }
        while c0 + 16 <= c {
            // SAFETY: as above, c >= c0 + 16.
            unsafe { relu_bias_columns::<4>(ys, dys, dxs, c, c0, acc) };
            c0 += 16;
        }
        if c0 < c {
            for ((yr, dyr), dxr) in ys.chunks_exact(c).zip(dys.chunks_exact(c)).zip(dxs.chunks_exact_mut(c)) {
                for j in c0..c {
                    let g = if yr[j] > 0.0 { dyr[j] } else { 0.0 };
                    dxr[j] = g;
                    acc[j] += g;
                }
            }
        }
    });
    Ok(())
}

/// Channels `c0..c0 + 4V` of [`relu_bias_grad`] over the rows of one chunk:
/// `dx = y > 0 ? dy : 0` stored, and summed into `acc` in registers, rows in
/// order.
///
/// # Safety
/// Every row of `ys`, `dys`, `dxs` (`c` floats) holds `c0 + 4V` floats; `acc` holds `c`.
#[inline(always)]
unsafe fn relu_bias_columns<const V: usize>(ys: &[f32], dys: &[f32], dxs: &mut [f32], c: usize, c0: usize, acc: &mut [f32]) {
    let zero = F32x4::zero();
    let a = acc.as_mut_ptr().add(c0);
    let mut v: [F32x4; V] = core::array::from_fn(|q| F32x4::load(a.add(4 * q)));
    let mut o = c0;
    while o < dxs.len() {
        for (q, vq) in v.iter_mut().enumerate() {
            let i = o + 4 * q;
            let g = F32x4::load(ys.as_ptr().add(i)).select_gt(zero, F32x4::load(dys.as_ptr().add(i)), zero);
            g.store(dxs.as_mut_ptr().add(i));
            *vq = vq.add(g);
        }
        o += c;
    }
    for (q, vq) in v.iter().enumerate() {
        vq.store(a.add(4 * q));
    }
}

/// `acc[j] += sum over rows r of rows[r * c + c0 + j]` for `j < 16`, rows
/// added in order.
fn sum_columns16(rows: &[f32], c: usize, c0: usize, acc: &mut [f32]) {
    assert!(acc.len() == 16 && c0 + 16 <= c && rows.len().is_multiple_of(c));
    // SAFETY: acc holds 16 floats; every row holds c >= c0 + 16 floats.
    unsafe {
        let a = acc.as_mut_ptr();
        let (mut v0, mut v1, mut v2, mut v3) = (F32x4::load(a), F32x4::load(a.add(4)), F32x4::load(a.add(8)), F32x4::load(a.add(12)));
        for px in rows.chunks_exact(c) {
            let p = px.as_ptr().add(c0);
            v0 = v0.add(F32x4::load(p));
            v1 = v1.add(F32x4::load(p.add(4)));
            v2 = v2.add(F32x4::load(p.add(8)));
            v3 = v3.add(F32x4::load(p.add(12)));
        }
        v0.store(a);
        v1.store(a.add(4));
        v2.store(a.add(8));
        v3.store(a.add(12));
    }
}
