#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>_<tile>__<arch>
//! The stride-1 input gradient of layers with 1-3 input channels (first
//! layers, `Tuning::dx_direct`), computed straight from `dy` and the filter:
//!
//! ```text
//! dx[n,iy,ix,ci] = sum_{ky,kx} sum_co dy[n,oy,ox,co] * w[ky,kx,ci,co]
//!                  with oy = iy + pad_top - ky*dil_y, ox = ix + pad_left - kx*dil_x
//! ```
//!
//! The sum over `co` runs along the SIMD lanes: per dx pixel one
//! accumulator of 4 lanes per input channel, fed by one `dy` vector and one
//! filter vector per 4 output channels of each tap (`dy[.., co..co+4]` and
//! `w[tap, ci, co..co+4]` are both contiguous), and reduced across its
//! lanes once at the end. The GEMM path it replaces (`dP = dy W^T`, then
//! col2im) has `cin * taps` = 27 columns for a 3x3x3 filter (4 panels of 8,
//! one of them mostly padding), writes the whole `dP` (9 times dx) and adds
//! it back 3 floats at a time. Each dx pixel is computed by one task in a
//! fixed order (taps, then channel vectors, then the lanes), so the bits do
//! not depend on the thread count.
//!
//! Measured A/B (`benches/tuning.mjs --switch 40 --values 1,2 --op dx`,
//! wasm, one process, ms col2im / direct, load 2.7-4.2): 64x32x32x3->16
//! 4.59 / 2.34 and 4.42 / 2.26 at 1 thread, 2.38 / 1.29 at 2;
//! 64x28x28x1->16 2.23 / 0.95; 1x224x224x3->64 8.00 / 5.93. Training
//! does not run it (the tape asks for no gradient of the input image:
//! `grads/conv.ts` `filterGrads`), but `conv2dBackpropInput` and the
//! transposed convolution of few channels do.

use crate::par;
use crate::par::SharedMut;
use crate::shape::Conv2d;
use crate::simd::F32x4;

/// Pixels of one dx row per kernel call: 4 pixels of 1-3 channels give 4-12
/// sums, a whole number of vectors (one 4 x 4 transpose-and-add each), stored
/// as contiguous floats of dx. With 3 channels that is 12 accumulators, the 3
/// filter vectors and one `dy` vector: 16 live vectors.
const PX: usize = 4;

/// Whether `conv2d_backward_input` takes [`dx_direct`]: stride 1, 1-3
/// input channels (the layers the transposed forward convolution leaves to
/// col2im, see `SMALL_CIN_COL2IM`), whole vectors of output channels.
pub(crate) fn applies(p: &Conv2d) -> bool {
    p.tuning.dx_direct && p.y.stride == 1 && p.x.stride == 1 && (1..=3).contains(&p.cin) && p.cout.is_multiple_of(4) && p.cout > 0
}

/// `dx = conv2d_backward_input(dy, w)` for a layer that [`applies`]; every
/// value of `dx` is written (pixels no tap reaches get zeros). Tasks are
/// dx rows (about 32 chunks of them).
///
/// Shapes: `dy` `[n, oh, ow, cout]`, `w` `[kh, kw, cin, cout]`, `dx` `[n, ih, iw, cin]`.
pub(crate) fn dx_direct(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    debug_assert!(applies(p));
    match p.cin {
        1 => rows::<1>(p, dy, w, dx),
        2 => rows::<2>(p, dy, w, dx),
        _ => rows::<3>(p, dy, w, dx),
    }
}

fn rows<const C: usize>(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    let (ih, iw, oh, ow, cout) = (p.y.input, p.x.input, p.y.output, p.x.output, p.cout);
    let (kh, kw) = (p.y.kernel, p.x.kernel);
    assert!(dy.len() == p.n * oh * ow * cout && w.len() == kh * kw * C * cout && dx.len() == p.n * ih * iw * C);
    let zeros = vec![0.0f32; cout];
    let dxp = SharedMut::new(dx);
    let rows = p.n * ih;
    par::for_each_chunk(rows, par::chunk_size(rows, 1), |range| {
        // (ky, oy) of the taps whose dy row exists, for this dx row.
        let mut row_taps: Vec<(usize, usize)> = Vec::with_capacity(kh);
        for row in range {
            let (n, iy) = (row / ih, row % ih);
            row_taps.clear();
            for ky in 0..kh {
                let oy = (iy + p.y.pad_before) as isize - (ky * p.y.dilation) as isize;
                if oy >= 0 && (oy as usize) < oh {
                    row_taps.push((ky, oy as usize));
                }
            }
            let dx_row = dxp.at(row * iw * C);
            let mut ix0 = 0;
            while ix0 < iw {
                let np = PX.min(iw - ix0);
                let mut acc = [[F32x4::zero(); C]; PX];
                for &(ky, oy) in &row_taps {
                    let dy_row = &dy[(n * oh + oy) * ow * cout..][..ow * cout];
                    for kx in 0..kw {
                        let first = (ix0 + p.x.pad_before) as isize - (kx * p.x.dilation) as isize;
                        let ptrs: [*const f32; PX] = if np == PX && first >= 0 && first as usize + PX <= ow {
                            // All 4 pixels' taps inside dy (nearly all blocks): consecutive dy pixels.
                            let run = dy_row[first as usize * cout..][..PX * cout].as_ptr();
                            core::array::from_fn(|r| run.wrapping_add(r * cout))
                        } else {
                            // Pixels whose tap falls outside dy (or past the row's end) read zeros.
                            let ptrs: [*const f32; PX] = core::array::from_fn(|r| {
                                let ox = first + r as isize;
                                if r < np && ox >= 0 && (ox as usize) < ow {
                                    dy_row[ox as usize * cout..][..cout].as_ptr()
                                } else {
                                    zeros.as_ptr()
                                }
                            });
                            if ptrs.iter().all(|&q| q == zeros.as_ptr()) {
                                continue;
                            }
                            ptrs
                        };
                        let wt = &w[(ky * kw + kx) * C * cout..][..C * cout];
                        // SAFETY: each pointer holds cout floats (a dy pixel or
                        // the zeros); wt holds C rows of cout floats; cout % 4 == 0.
                        unsafe { f32_dconv_input_4px__simd128::<C>(&mut acc, ptrs, wt.as_ptr(), cout) };
                    }
                }
                let sums = reduce_lanes::<C>(&acc);
                // SAFETY: pixels ix0..ix0 + np of this dx row (np * C floats),
                // written by this task only (tasks are whole rows).
                unsafe { core::ptr::copy_nonoverlapping(sums.as_ptr(), dx_row.add(ix0 * C), np * C) };
                ix0 += PX;
            }
        }
    });
}

/// One tap's products for 4 dx pixels: `acc[r][c] += dyp[r][q..q+4] *
/// w[c * cout + q..q+4]` for every vector `q` of the output channels, in
/// `q` order.
///
/// # Safety
/// Each `dyp[r]` holds `cout` floats, `w` holds `C` rows of `cout` floats,
/// and `cout` is a multiple of 4.
#[inline(always)]
unsafe fn f32_dconv_input_4px__simd128<const C: usize>(acc: &mut [[F32x4; C]; PX], dyp: [*const f32; PX], w: *const f32, cout: usize) {
    let mut q = 0;
    while q < cout {
        let vw: [F32x4; C] = core::array::from_fn(|c| F32x4::load(w.add(c * cout + q)));
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let vdy = F32x4::load(dyp[r].add(q));
            for (a, wc) in acc_r.iter_mut().zip(&vw) {
                *a = a.mul_add(vdy, *wc);
            }
        }
        q += 4;
    }
}

/// The lane sums of the `PX * C` accumulators, pixel-major (dx's layout):
/// each 4 of them transposed and added, lane `i` of the result
/// `(a_i0 + a_i1) + (a_i2 + a_i3)`.
#[inline(always)]
fn reduce_lanes<const C: usize>(acc: &[[F32x4; C]; PX]) -> [f32; PX * 3] {
    let mut out = [0.0f32; PX * 3];
    let flat: [F32x4; PX * 3] = core::array::from_fn(|i| if i < PX * C { acc[i / C][i % C] } else { F32x4::zero() });
    for g in 0..C {
        let [t0, t1, t2, t3] = F32x4::transpose4(flat[4 * g], flat[4 * g + 1], flat[4 * g + 2], flat[4 * g + 3]);
        // SAFETY: out holds 4 floats from 4 g (g < C <= 3).
        unsafe { t0.add(t1).add(t2.add(t3)).store(out.as_mut_ptr().add(4 * g)) };
    }
    out
}
