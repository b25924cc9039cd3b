#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>_<tile>__<arch>
//! The 4x8 panels kernel with its inner dimension fixed at compile time
//! (`f32_gemm_4x8_panels_fixed__simd128::<K>`), for Winograd's short
//! per-tile GEMMs (`M[ξ] = V[ξ] U[ξ]`, K = input channels: 8-64).
//!
//! [`super::kernel::f32_gemm_4x8_panels__simd128`] walks K with five
//! pointers (four rows of A, one of B) bumped every step and a loop
//! counter: at K = 16-32 that bookkeeping is a sizeable share of the ~25
//! instructions a step. Here A is one contiguous `4 x K` block (rows `K`
//! floats apart, as Winograd's V is laid out) and B a packed panel (rows
//! `NR` apart), so every load's address is one of two moving bases plus a
//! constant: each K step moves two pointers instead of five.
//!
//! The same loads, multiply-adds and stores in the same order as the
//! panels kernel: the same bits (`gemm::tests`).

use super::kernel::{store_tile_4x8, MR, NR};
use crate::simd::F32x4;

/// A fixed-K panels kernel: `(a, b, panel_step, panels, c, ldc)` as
/// [`f32_gemm_4x8_panels_fixed__simd128`] takes them.
pub type FixedKernel = unsafe fn(*const f32, *const f32, usize, usize, *mut f32, usize);

/// The kernel for an inner dimension of `k`, if there is one (K = 8, 16,
/// 32 and 64: the channel counts of the layers Winograd runs on; other
/// K take the general kernel).
pub fn kernel_for(k: usize) -> Option<FixedKernel> {
    match k {
        8 => Some(f32_gemm_4x8_panels_fixed__simd128::<8>),
        16 => Some(f32_gemm_4x8_panels_fixed__simd128::<16>),
        32 => Some(f32_gemm_4x8_panels_fixed__simd128::<32>),
        64 => Some(f32_gemm_4x8_panels_fixed__simd128::<64>),
        _ => None,
    }
}

/// `C[0..4, 0..8 * panels] = A * B` for a row-major `4 x K` A at `a` (row
/// `r` at `a + r * K`) and `panels` packed 8-column panels of B (panel `j`
/// at `b + j * panel_step`, its `K` rows `NR` floats apart). Products
/// summed in `k` order from zero, mul then add, as every 4x8 kernel does.
///
/// The K loop stays a loop (LLVM unrolls it only for K = 8). Written out
/// in full for every K it measured 1.3-1.8x slower (switch 44 A/B, wasm,
/// 1 thread, ms general / fixed: 64x32x32x16->32 10.8 / 13.8,
/// 64x16x16x32->64 7.6 / 12.9, 64x16x16x64->64 12.9 / 23.6): the wasm
/// backend, which has unlimited locals, hoists the loads of many steps
/// ahead of their multiply-adds, and V8 then spills them from its 15
/// vector registers.
///
/// # Safety
/// `a` holds `MR * K` floats; each panel holds `K * NR` floats; C holds 4
/// rows (`ldc` apart) of `8 * panels` floats.
#[inline(never)]
pub unsafe fn f32_gemm_4x8_panels_fixed__simd128<const K: usize>(a: *const f32, b: *const f32, panel_step: usize, panels: usize, c: *mut f32, ldc: usize) {
    debug_assert!(K > 0 && (panels <= 1 || panel_step >= K * NR));
    for j in 0..panels {
        let pb = b.add(j * panel_step);
        let mut acc = [F32x4::zero(); 8];
        // `add`, not `wrapping_add`: in-bounds offsets, which LLVM can fold
        // into the loads' immediate offsets.
        for i in 0..K {
            let vb0123 = F32x4::load(pb.add(i * NR));
            let vb4567 = F32x4::load(pb.add(i * NR + 4));
            for r in 0..MR {
                let va = F32x4::load_splat(a.add(r * K + i));
                acc[2 * r] = acc[2 * r].mul_add(va, vb0123);
                acc[2 * r + 1] = acc[2 * r + 1].mul_add(va, vb4567);
            }
        }
        store_tile_4x8(&acc, c.add(j * NR), ldc);
    }
}
