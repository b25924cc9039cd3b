//! Op entry points: handles in, handles out, typed errors.

use super::store::Taken;
use crate::gemm::{self, GemmParams};
use wasm_bindgen::prelude::*;

/// `c = op(a) * op(b)` with `a`, `b`, `c` buffer handles; `c` has `m*n`
/// elements. Parallel over the pool.
#[wasm_bindgen(js_name = matMul)]
#[allow(clippy::too_many_arguments)]
pub fn mat_mul(a: u32, b: u32, c: u32, m: usize, n: usize, k: usize, trans_a: bool, trans_b: bool) -> Result<(), JsError> {
    let mut t = Taken::take("matMul", &[a, b, c])?;
    let (ins, out) = t.split_mut(2)?;
    let p = GemmParams { trans_a, trans_b, tuning: super::tuning::current(), ..GemmParams::new(m, n, k) };
    gemm::gemm(&p, ins[0], ins[1], None, out)?;
    Ok(())
}

/// Same with the scalar micro-kernel, for comparing the two in the wasm build.
#[wasm_bindgen(js_name = matMulScalar)]
pub fn mat_mul_scalar(a: u32, b: u32, c: u32, m: usize, n: usize, k: usize) -> Result<(), JsError> {
    let mut t = Taken::take("matMul", &[a, b, c])?;
    let (ins, out) = t.split_mut(2)?;
    gemm::gemm_with(&GemmParams::new(m, n, k), ins[0], ins[1], None, out, gemm::KernelKind::Scalar)?;
    Ok(())
}
