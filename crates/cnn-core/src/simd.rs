//! A four-lane f32 vector, the only SIMD vocabulary the kernels use.
//!
//! On `wasm32` with `simd128` it is a `v128` and every method is one
//! WebAssembly SIMD instruction. Everywhere else it is a `[f32; 4]` with the
//! same per-lane arithmetic, so the very same micro-kernels compile natively,
//! run under `cargo test`, and give bit-identical results to the wasm build
//! (mul and add are separate roundings in both).
//!
//! The one exception is [`F32x4::mul_add`] in the relaxed builds: compiled
//! with `+relaxed-simd` it is `f32x4.relaxed_madd`, a fused multiply-add on
//! engines whose hardware has one (one rounding, so results differ from the
//! strict build in the last bits, and may differ between machines). The
//! native cargo feature `fused` gives the native build the same one-rounding
//! arithmetic (`f32::mul_add`), so `cargo test --features fused` checks the
//! kernels' tolerances as the relaxed wasm computes them.
//!
//! Pointer-taking methods are `unsafe`: the caller guarantees that four f32
//! are readable / writable at `p` (no alignment requirement).

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Copy, Clone)]
    #[repr(transparent)]
    pub struct F32x4(v128);

    // Named as the operator traits (implemented below by calling these),
    // the same names as the scalar version's.
    #[allow(clippy::should_implement_trait)]
    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4(f32x4_splat(0.0))
        }
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4(f32x4_splat(x))
        }
        /// # Safety
        /// `p` must point to 4 readable `f32` (no alignment needed).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            F32x4(v128_load(p as *const v128))
        }
        /// Loads one f32 and broadcasts it to all lanes (`v128.load32_splat`).
        ///
        /// # Safety
        /// `p` must point to a readable `f32`.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            F32x4(v128_load32_splat(p as *const u32))
        }
        /// # Safety
        /// `p` must point to 4 writable `f32` (no alignment needed).
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            v128_store(p as *mut v128, self.0)
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            F32x4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
        #[inline(always)]
        pub fn div(self, o: Self) -> Self {
            F32x4(f32x4_div(self.0, o.0))
        }
        /// `self + a * b`: two roundings (mul, then add) in the strict
        /// build, `f32x4.relaxed_madd` (fused where the hardware has FMA) in
        /// the relaxed one.
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            #[cfg(target_feature = "relaxed-simd")]
            {
                F32x4(f32x4_relaxed_madd(a.0, b.0, self.0))
            }
            #[cfg(not(target_feature = "relaxed-simd"))]
            {
                F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
            }
        }
        /// Lane-wise maximum with IEEE `max` semantics of `f32::max` for
        /// non-NaN inputs (`pmax` would differ from the scalar reference on
        /// NaN, which the kernels never rely on).
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            F32x4(f32x4_pmax(self.0, o.0))
        }
        #[inline(always)]
        pub fn min(self, o: Self) -> Self {
            F32x4(f32x4_pmin(self.0, o.0))
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            F32x4(f32x4_sqrt(self.0))
        }
        /// Lanes where `self > o` keep `a`, the others take `b`.
        #[inline(always)]
        pub fn select_gt(self, o: Self, a: Self, b: Self) -> Self {
            F32x4(v128_bitselect(a.0, b.0, f32x4_gt(self.0, o.0)))
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            let mut out = [0.0f32; 4];
            unsafe { self.store(out.as_mut_ptr()) };
            out
        }
        /// The 4x4 transpose of rows `a, b, c, d`: lane `j` of result `i`
        /// is lane `i` of row `j` (four shuffles in two rounds).
        #[inline(always)]
        pub fn transpose4(a: Self, b: Self, c: Self, d: Self) -> [Self; 4] {
            let ab_lo = i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0); // a0 b0 a1 b1
            let ab_hi = i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0); // a2 b2 a3 b3
            let cd_lo = i32x4_shuffle::<0, 4, 1, 5>(c.0, d.0);
            let cd_hi = i32x4_shuffle::<2, 6, 3, 7>(c.0, d.0);
            [
                F32x4(i64x2_shuffle::<0, 2>(ab_lo, cd_lo)),
                F32x4(i64x2_shuffle::<1, 3>(ab_lo, cd_lo)),
                F32x4(i64x2_shuffle::<0, 2>(ab_hi, cd_hi)),
                F32x4(i64x2_shuffle::<1, 3>(ab_hi, cd_hi)),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Copy, Clone)]
    #[repr(C, align(16))]
    pub struct F32x4([f32; 4]);

    #[inline(always)]
    fn map2(a: [f32; 4], b: [f32; 4], f: impl Fn(f32, f32) -> f32) -> [f32; 4] {
        [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])]
    }

    // The same method names as the SIMD128 version (and as the operator
    // traits below, which call them), so kernels compile against either.
    #[allow(clippy::should_implement_trait)]
    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4([0.0; 4])
        }
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4([x; 4])
        }
        /// # Safety
        /// `p` must point to 4 readable `f32` (no alignment needed).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            F32x4(core::ptr::read_unaligned(p as *const [f32; 4]))
        }
        /// # Safety
        /// `p` must point to a readable `f32`.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            F32x4([*p; 4])
        }
        /// # Safety
        /// `p` must point to 4 writable `f32` (no alignment needed).
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            core::ptr::write_unaligned(p as *mut [f32; 4], self.0)
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| x + y))
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| x - y))
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| x * y))
        }
        #[inline(always)]
        pub fn div(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| x / y))
        }
        /// `self + a * b`: two roundings, or one with the `fused` feature
        /// (what the relaxed wasm build computes on FMA hardware).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            if cfg!(feature = "fused") {
                let (s, a, b) = (self.0, a.0, b.0);
                F32x4([a[0].mul_add(b[0], s[0]), a[1].mul_add(b[1], s[1]), a[2].mul_add(b[2], s[2]), a[3].mul_add(b[3], s[3])])
            } else {
                self.add(a.mul(b))
            }
        }
        /// Same lane rule as wasm `f32x4.pmax`: `self < o ? o : self`.
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| if x < y { y } else { x }))
        }
        /// Same lane rule as wasm `f32x4.pmin`: `o < self ? o : self`.
        #[inline(always)]
        pub fn min(self, o: Self) -> Self {
            F32x4(map2(self.0, o.0, |x, y| if y < x { y } else { x }))
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            let a = self.0;
            F32x4([a[0].sqrt(), a[1].sqrt(), a[2].sqrt(), a[3].sqrt()])
        }
        #[inline(always)]
        #[allow(clippy::needless_range_loop)]
        pub fn select_gt(self, o: Self, a: Self, b: Self) -> Self {
            let mut r = b.0;
            for i in 0..4 {
                if self.0[i] > o.0[i] {
                    r[i] = a.0[i];
                }
            }
            F32x4(r)
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
        /// The 4x4 transpose of rows `a, b, c, d`: lane `j` of result `i`
        /// is lane `i` of row `j`.
        #[inline(always)]
        pub fn transpose4(a: Self, b: Self, c: Self, d: Self) -> [Self; 4] {
            core::array::from_fn(|i| F32x4([a.0[i], b.0[i], c.0[i], d.0[i]]))
        }
    }
}

pub use imp::F32x4;

/// True when this build runs the kernels on real WebAssembly SIMD128.
pub const HAS_SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// True when [`F32x4::mul_add`] rounds once (the relaxed wasm build, or the
/// native `fused` feature): results then match the strict build only within
/// a tolerance.
pub const FUSED_MUL_ADD: bool = cfg!(any(all(target_arch = "wasm32", target_feature = "relaxed-simd"), feature = "fused"));

// Operator forms, so that small transforms (Winograd) can be written once
// for `f32` and `F32x4` alike.
impl core::ops::Add for F32x4 {
    type Output = F32x4;
    #[inline(always)]
    fn add(self, o: F32x4) -> F32x4 {
        F32x4::add(self, o)
    }
}
impl core::ops::Sub for F32x4 {
    type Output = F32x4;
    #[inline(always)]
    fn sub(self, o: F32x4) -> F32x4 {
        F32x4::sub(self, o)
    }
}
impl core::ops::Mul for F32x4 {
    type Output = F32x4;
    #[inline(always)]
    fn mul(self, o: F32x4) -> F32x4 {
        F32x4::mul(self, o)
    }
}

#[cfg(test)]
mod tests {
    use super::F32x4;

    #[test]
    fn lanes_follow_scalar_arithmetic() {
        let a = [1.5f32, -2.0, 3.25, 0.0];
        let b = [0.5f32, 4.0, -1.0, 7.0];
        let (va, vb) = unsafe { (F32x4::load(a.as_ptr()), F32x4::load(b.as_ptr())) };
        let sum = va.add(vb).to_array();
        let prod = va.mul(vb).to_array();
        let mx = va.max(vb).to_array();
        let sel = va.select_gt(vb, F32x4::splat(1.0), F32x4::splat(-1.0)).to_array();
        for i in 0..4 {
            assert_eq!(sum[i], a[i] + b[i]);
            assert_eq!(prod[i], a[i] * b[i]);
            assert_eq!(mx[i], a[i].max(b[i]));
            assert_eq!(sel[i], if a[i] > b[i] { 1.0 } else { -1.0 });
        }
    }

    #[test]
    fn transpose4_swaps_rows_and_lanes() {
        let rows: [[f32; 4]; 4] = core::array::from_fn(|r| core::array::from_fn(|l| (10 * r + l) as f32));
        let v: [F32x4; 4] = core::array::from_fn(|r| unsafe { F32x4::load(rows[r].as_ptr()) });
        let t = F32x4::transpose4(v[0], v[1], v[2], v[3]);
        for (i, ti) in t.iter().enumerate() {
            assert_eq!(ti.to_array(), [rows[0][i], rows[1][i], rows[2][i], rows[3][i]], "row {i}");
        }
    }
}
