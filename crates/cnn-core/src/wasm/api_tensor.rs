//! Generic tensor kernels (crates/cnn-core/src/tensor) for the TS tensor
//! layer. Op codes are listed in `packages/cnn-ts/src/ops/kernel.ts`.

use super::store::Taken;
use crate::tensor::{self, BinaryOp, Broadcast, ReduceOp, StridedCopy, UnaryOp};
use wasm_bindgen::prelude::*;

/// `y = f(x)` element-wise.
#[wasm_bindgen(js_name = unary)]
pub fn unary(x: u32, y: u32, op: u32, alpha: f32, beta: f32) -> Result<(), JsError> {
    let op = UnaryOp::from_code(op, alpha, beta)?;
    let mut t = Taken::take("unary", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    tensor::unary(op, ins[0], out)?;
    Ok(())
}

/// `y = f(a, b)` with broadcasting; `shapes = [rank, a.., b.., out..]`.
#[wasm_bindgen(js_name = binary)]
pub fn binary(a: u32, b: u32, y: u32, op: u32, shapes: &[u32]) -> Result<(), JsError> {
    let op = BinaryOp::from_code(op)?;
    let shapes = Broadcast::from_words(shapes)?;
    let mut t = Taken::take("binary", &[a, b, y])?;
    let (ins, out) = t.split_mut(2)?;
    tensor::binary(op, &shapes, ins[0], ins[1], out)?;
    Ok(())
}

/// Reduction of `x` (shape `shape`) over `axes` into `y`.
#[wasm_bindgen(js_name = reduce)]
pub fn reduce(x: u32, y: u32, op: u32, shape: &[u32], axes: &[u32]) -> Result<(), JsError> {
    let op = ReduceOp::from_code(op)?;
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let axes: Vec<usize> = axes.iter().map(|&d| d as usize).collect();
    let mut t = Taken::take("reduce", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    tensor::reduce(op, &shape, &axes, ins[0], out)?;
    Ok(())
}

/// Strided copy from `src` into `dst` (`spec` layout in `StridedCopy::from_words`).
#[wasm_bindgen(js_name = copyStrided)]
pub fn copy_strided(src: u32, dst: u32, spec: &[i32]) -> Result<(), JsError> {
    let c = StridedCopy::from_words(spec)?;
    let mut t = Taken::take("copyStrided", &[src, dst])?;
    let (ins, out) = t.split_mut(1)?;
    tensor::copy_strided(&c, ins[0], out)?;
    Ok(())
}

/// `y[..] = value`.
#[wasm_bindgen(js_name = fill)]
pub fn fill(y: u32, value: f32) -> Result<(), JsError> {
    let mut t = Taken::take("fill", &[y])?;
    let (_, out) = t.split_mut(0)?;
    tensor::fill(out, value);
    Ok(())
}

/// One-hot rows of `depth` for integer `indices`.
#[wasm_bindgen(js_name = oneHot)]
pub fn one_hot(indices: u32, y: u32, depth: u32, on: f32, off: f32) -> Result<(), JsError> {
    let mut t = Taken::take("oneHot", &[indices, y])?;
    let (ins, out) = t.split_mut(1)?;
    tensor::one_hot(ins[0], depth as usize, on, off, out)?;
    Ok(())
}

/// `dx[o, i, :] = sum of dy[o, j, :] over indices[j] == i` (the gradient of `gather`).
#[wasm_bindgen(js_name = scatterAdd)]
pub fn scatter_add(dy: u32, indices: u32, dx: u32, outer: u32, axis_len: u32, inner: u32) -> Result<(), JsError> {
    let mut t = Taken::take("scatterAdd", &[dy, indices, dx])?;
    let (ins, out) = t.split_mut(2)?;
    tensor::scatter_add(ins[0], ins[1], outer as usize, axis_len as usize, inner as usize, out)?;
    Ok(())
}

/// `y[o, j, :] = x[o, indices[j], :]` with `x` viewed as `[outer, axis_len, inner]`.
#[wasm_bindgen(js_name = gather)]
pub fn gather(x: u32, indices: u32, y: u32, outer: u32, axis_len: u32, inner: u32) -> Result<(), JsError> {
    let mut t = Taken::take("gather", &[x, indices, y])?;
    let (ins, out) = t.split_mut(2)?;
    tensor::gather(ins[0], ins[1], outer as usize, axis_len as usize, inner as usize, out)?;
    Ok(())
}
