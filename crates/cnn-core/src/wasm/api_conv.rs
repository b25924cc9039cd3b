//! Convolution entry points. `spec` is the packed [`Conv2dArgs`] (16 words,
//! layout in `Conv2dArgs::from_words`; the TS encoder is
//! `packages/cnn-worker/src/specs.ts`).

use super::store::Taken;
use crate::conv;
use crate::gemm::Activation;
use crate::shape::{Conv2d, Conv2dArgs};
use wasm_bindgen::prelude::*;

fn geometry(op: &'static str, spec: &[u32]) -> Result<Conv2d, JsError> {
    let mut p = Conv2d::new(op, &Conv2dArgs::from_words(op, spec)?)?;
    p.tuning = super::tuning::current();
    Ok(p)
}

/// `y = act(conv2d(x, w) + bias)`; `bias` optional, `relu` fuses ReLU.
#[wasm_bindgen(js_name = conv2d)]
pub fn conv2d(x: u32, w: u32, bias: Option<u32>, y: u32, relu: bool, spec: &[u32]) -> Result<(), JsError> {
    let p = geometry("conv2d", spec)?;
    let act = if relu { Activation::Relu } else { Activation::Linear };
    let mut hs = vec![x, w];
    hs.extend(bias);
    hs.push(y);
    let mut t = Taken::take("conv2d", &hs)?;
    let last = hs.len() - 1;
    let (ins, out) = t.split_mut(last)?;
    conv::conv2d(&p, ins[0], ins[1], ins.get(2).copied(), act, out)?;
    Ok(())
}

/// `dx` from `dy` and the filter (also the transposed convolution).
#[wasm_bindgen(js_name = conv2dBackpropInput)]
pub fn conv2d_backprop_input(dy: u32, w: u32, dx: u32, spec: &[u32]) -> Result<(), JsError> {
    let p = geometry("conv2dBackpropInput", spec)?;
    let mut t = Taken::take("conv2dBackpropInput", &[dy, w, dx])?;
    let (ins, out) = t.split_mut(2)?;
    conv::conv2d_backward_input(&p, ins[0], ins[1], out)?;
    Ok(())
}

/// `dw` from the input and `dy`.
#[wasm_bindgen(js_name = conv2dBackpropFilter)]
pub fn conv2d_backprop_filter(x: u32, dy: u32, dw: u32, spec: &[u32]) -> Result<(), JsError> {
    let p = geometry("conv2dBackpropFilter", spec)?;
    let mut t = Taken::take("conv2dBackpropFilter", &[x, dy, dw])?;
    let (ins, out) = t.split_mut(2)?;
    conv::conv2d_backward_filter(&p, ins[0], ins[1], out)?;
    Ok(())
}

/// `db[c]` = sum of `dy[.., c]` over all leading axes.
#[wasm_bindgen(js_name = biasGrad)]
pub fn bias_grad(dy: u32, db: u32, channels: usize) -> Result<(), JsError> {
    let mut t = Taken::take("biasAddGrad", &[dy, db])?;
    let (ins, out) = t.split_mut(1)?;
    conv::bias_grad(ins[0], channels, out)?;
    Ok(())
}

/// `dx = y > 0 ? dy : 0` and `db[c]` = sum of `dx[.., c]` in one pass.
#[wasm_bindgen(js_name = reluBiasGrad)]
pub fn relu_bias_grad(y: u32, dy: u32, dx: u32, db: u32, channels: usize) -> Result<(), JsError> {
    let mut t = Taken::take("reluBiasGrad", &[y, dy, dx, db])?;
    let (ins, mut o) = t.split_mut_n(2)?;
    let db_out = o.pop().unwrap_or_else(|| unreachable!("two outputs"));
    let dx_out = o.pop().unwrap_or_else(|| unreachable!("two outputs"));
    conv::relu_bias_grad(ins[0], ins[1], channels, dx_out, db_out)?;
    Ok(())
}
