//! Entry points of the depthwise convolution and resize (up-sampling)
//! kernels. Depthwise ops take the 16-word convolution `spec` of
//! `Conv2dArgs::from_words` with `cin = c` and `cout = c * multiplier`;
//! resize ops take the 9-word spec of `Resize2d::from_words`.

use super::store::Taken;
use crate::depthwise::{self, Depthwise2d};
use crate::resize::{self, Resize2d};
use crate::shape::Conv2dArgs;
use wasm_bindgen::prelude::*;

fn dw_geometry(op: &'static str, spec: &[u32]) -> Result<Depthwise2d, JsError> {
    Ok(Depthwise2d::new(op, &Conv2dArgs::from_words(op, spec)?)?)
}

/// `y = act(depthwiseConv2d(x, w) + bias)`; `bias` optional, `activation` as conv2d's.
#[wasm_bindgen(js_name = depthwiseConv2d)]
pub fn depthwise_conv2d(x: u32, w: u32, bias: Option<u32>, y: u32, activation: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "depthwiseConv2d";
    let p = dw_geometry(OP, spec)?;
    let act = crate::gemm::Activation::from_code(OP, activation)?;
    let mut hs = vec![x, w];
    hs.extend(bias);
    hs.push(y);
    let mut t = Taken::take(OP, &hs)?;
    let last = hs.len() - 1;
    let (ins, out) = t.split_mut(last)?;
    depthwise::depthwise_conv2d_act(&p, ins[0], ins[1], ins.get(2).copied(), act, out)?;
    Ok(())
}

/// `dx` of the depthwise convolution from `dy` and the filter.
#[wasm_bindgen(js_name = depthwiseConv2dBackpropInput)]
pub fn depthwise_conv2d_backprop_input(dy: u32, w: u32, dx: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "depthwiseConv2dBackpropInput";
    let p = dw_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[dy, w, dx])?;
    let (ins, out) = t.split_mut(2)?;
    depthwise::depthwise_conv2d_backward_input(&p, ins[0], ins[1], out)?;
    Ok(())
}

/// `dw` of the depthwise convolution from the input and `dy`.
#[wasm_bindgen(js_name = depthwiseConv2dBackpropFilter)]
pub fn depthwise_conv2d_backprop_filter(x: u32, dy: u32, dw: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "depthwiseConv2dBackpropFilter";
    let p = dw_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[x, dy, dw])?;
    let (ins, out) = t.split_mut(2)?;
    depthwise::depthwise_conv2d_backward_filter(&p, ins[0], ins[1], out)?;
    Ok(())
}

/// `y = resize(x)` (nearest or bilinear).
#[wasm_bindgen(js_name = resize2d)]
pub fn resize2d(x: u32, y: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "resize2d";
    let p = Resize2d::from_words(OP, spec)?;
    let mut t = Taken::take(OP, &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    resize::resize2d(&p, ins[0], out)?;
    Ok(())
}

/// `dx` of [`resize2d`] from `dy`.
#[wasm_bindgen(js_name = resize2dBackward)]
pub fn resize2d_backward(dy: u32, dx: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "resize2dBackward";
    let p = Resize2d::from_words(OP, spec)?;
    let mut t = Taken::take(OP, &[dy, dx])?;
    let (ins, out) = t.split_mut(1)?;
    resize::resize2d_backward(&p, ins[0], out)?;
    Ok(())
}
