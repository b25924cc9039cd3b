//! Entry points of pooling, element-wise, softmax / loss, batch norm and
//! optimizer kernels.
//!
//! Every export takes buffer handles first (inputs, then buffers updated in
//! place, then outputs), then a few sizes and hyper-parameters, and names
//! itself in its errors with its JS name. Optional state buffers (SGD
//! velocity, RMSprop momentum) are `undefined` when unused. Losses return
//! the batch mean as a number.
//!
//! `spec` of the 2-D pooling ops is 13 words: `[n, h, w, c, pool_h, pool_w,
//! stride_h, stride_w, padding (0 valid, 1 same, 2 explicit), top, bottom,
//! left, right]`, the padding codes of `Conv2dArgs::from_words`.

use super::store::Taken;
use crate::batchnorm::{self, BatchNormParams};
use crate::error::CoreError;
use crate::optim::{self, Adam, RmsProp, Sgd};
use crate::shape::{Padding, Pool2d, Pool2dArgs};
use crate::{eltwise, global_pool, pool, softmax};
use wasm_bindgen::prelude::*;

/// Words in a pooling `spec`.
pub const POOL_SPEC_WORDS: usize = 13;

/// Reads a pooling `spec` (layout in the module comment).
pub fn pool_geometry(op: &'static str, spec: &[u32]) -> Result<Pool2d, CoreError> {
    if spec.len() != POOL_SPEC_WORDS {
        return Err(CoreError::new(op, format!("pooling spec has {} words, expected {POOL_SPEC_WORDS}", spec.len())));
    }
    let u = |i: usize| spec[i] as usize;
    let padding = match spec[8] {
        0 => Padding::Valid,
        1 => Padding::Same,
        2 => Padding::Explicit([u(9), u(10), u(11), u(12)]),
        m => return Err(CoreError::new(op, format!("unknown padding mode {m}, expected 0 (valid), 1 (same) or 2 (explicit)"))),
    };
    let mut p = Pool2d::new(op, &Pool2dArgs { n: u(0), h: u(1), w: u(2), c: u(3), pool: [u(4), u(5)], stride: [u(6), u(7)], padding })?;
    p.tuning = super::tuning::current();
    Ok(p)
}

/// The mutable buffers of a call as an array (their count is fixed by the
/// handle list built just before).
fn outs<const N: usize>(v: Vec<&mut [f32]>) -> [&mut [f32]; N] {
    v.try_into().unwrap_or_else(|_| unreachable!("handle count is fixed by the caller"))
}

// ---------------------------------------------------------------------------
// Pooling.

/// `y = maxPool(x)` over NHWC.
#[wasm_bindgen(js_name = maxPool2d)]
pub fn max_pool2d(x: u32, y: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "maxPool2d";
    let p = pool_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    pool::max_pool2d(&p, ins[0], out)?;
    Ok(())
}

/// `dx` of max pooling from the forward input `x` and `dy`.
#[wasm_bindgen(js_name = maxPool2dBackward)]
pub fn max_pool2d_backward(x: u32, dy: u32, dx: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "maxPool2dBackward";
    let p = pool_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[x, dy, dx])?;
    let (ins, out) = t.split_mut(2)?;
    pool::max_pool2d_backward(&p, ins[0], ins[1], out)?;
    Ok(())
}

/// `y = avgPool(x)` over NHWC (padded cells not counted).
#[wasm_bindgen(js_name = avgPool2d)]
pub fn avg_pool2d(x: u32, y: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "avgPool2d";
    let p = pool_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    pool::avg_pool2d(&p, ins[0], out)?;
    Ok(())
}

/// `dx` of average pooling from `dy`.
#[wasm_bindgen(js_name = avgPool2dBackward)]
pub fn avg_pool2d_backward(dy: u32, dx: u32, spec: &[u32]) -> Result<(), JsError> {
    const OP: &str = "avgPool2dBackward";
    let p = pool_geometry(OP, spec)?;
    let mut t = Taken::take(OP, &[dy, dx])?;
    let (ins, out) = t.split_mut(1)?;
    pool::avg_pool2d_backward(&p, ins[0], out)?;
    Ok(())
}

/// `y [n, c]` = mean of `x [n, h, w, c]` over pixels.
#[wasm_bindgen(js_name = globalAvgPool)]
pub fn global_avg_pool(x: u32, y: u32, n: usize, h: usize, w: usize, c: usize) -> Result<(), JsError> {
    let mut t = Taken::take("globalAvgPool", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    global_pool::global_avg_pool([n, h, w, c], ins[0], out)?;
    Ok(())
}

/// `dx [n, h, w, c]` of global average pooling from `dy [n, c]`.
#[wasm_bindgen(js_name = globalAvgPoolBackward)]
pub fn global_avg_pool_backward(dy: u32, dx: u32, n: usize, h: usize, w: usize, c: usize) -> Result<(), JsError> {
    let mut t = Taken::take("globalAvgPoolBackward", &[dy, dx])?;
    let (ins, out) = t.split_mut(1)?;
    global_pool::global_avg_pool_backward([n, h, w, c], ins[0], out)?;
    Ok(())
}

/// `y [n, c]` = max of `x [n, h, w, c]` over pixels.
#[wasm_bindgen(js_name = globalMaxPool)]
pub fn global_max_pool(x: u32, y: u32, n: usize, h: usize, w: usize, c: usize) -> Result<(), JsError> {
    let mut t = Taken::take("globalMaxPool", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    global_pool::global_max_pool([n, h, w, c], ins[0], out)?;
    Ok(())
}

/// `dx` of global max pooling from the forward input `x` and `dy [n, c]`.
#[wasm_bindgen(js_name = globalMaxPoolBackward)]
pub fn global_max_pool_backward(x: u32, dy: u32, dx: u32, n: usize, h: usize, w: usize, c: usize) -> Result<(), JsError> {
    let mut t = Taken::take("globalMaxPoolBackward", &[x, dy, dx])?;
    let (ins, out) = t.split_mut(2)?;
    global_pool::global_max_pool_backward([n, h, w, c], ins[0], ins[1], out)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Element-wise.

/// `y = max(x, 0)`.
#[wasm_bindgen(js_name = relu)]
pub fn relu(x: u32, y: u32) -> Result<(), JsError> {
    let mut t = Taken::take("relu", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    eltwise::relu(ins[0], out)?;
    Ok(())
}

/// `dx = dy where x > 0 else 0` (`x`: the forward input or output).
#[wasm_bindgen(js_name = reluBackward)]
pub fn relu_backward(x: u32, dy: u32, dx: u32) -> Result<(), JsError> {
    let mut t = Taken::take("reluBackward", &[x, dy, dx])?;
    let (ins, out) = t.split_mut(2)?;
    eltwise::relu_backward(ins[0], ins[1], out)?;
    Ok(())
}

/// `dx = dy * sigmoid(x)` (softplus' gradient).
#[wasm_bindgen(js_name = softplusBackward)]
pub fn softplus_backward(x: u32, dy: u32, dx: u32) -> Result<(), JsError> {
    let mut t = Taken::take("softplusBackward", &[x, dy, dx])?;
    let (ins, out) = t.split_mut(2)?;
    eltwise::softplus_backward(ins[0], ins[1], out)?;
    Ok(())
}

/// `y = a + b`, same lengths.
#[wasm_bindgen(js_name = add)]
pub fn add(a: u32, b: u32, y: u32) -> Result<(), JsError> {
    let mut t = Taken::take("add", &[a, b, y])?;
    let (ins, out) = t.split_mut(2)?;
    eltwise::add(ins[0], ins[1], out)?;
    Ok(())
}

/// `y[r, j] = x[r, j] + bias[j]` for `x [rows, c]`.
#[wasm_bindgen(js_name = biasAdd)]
pub fn bias_add(x: u32, bias: u32, y: u32, rows: usize, c: usize) -> Result<(), JsError> {
    let mut t = Taken::take("biasAdd", &[x, bias, y])?;
    let (ins, out) = t.split_mut(2)?;
    eltwise::bias_add(rows, c, ins[0], ins[1], out)?;
    Ok(())
}

/// `y = alpha * x`.
#[wasm_bindgen(js_name = scale)]
pub fn scale(x: u32, y: u32, alpha: f32) -> Result<(), JsError> {
    let mut t = Taken::take("scale", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    eltwise::scale(ins[0], alpha, out)?;
    Ok(())
}

/// `y += alpha * x` (`y` updated in place).
#[wasm_bindgen(js_name = axpy)]
pub fn axpy(x: u32, y: u32, alpha: f32) -> Result<(), JsError> {
    let mut t = Taken::take("axpy", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    eltwise::axpy(alpha, ins[0], out)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Softmax and losses. `labels` holds class indices as f32.

/// Softmax over the last axis of `x [rows, classes]`.
#[wasm_bindgen(js_name = softmax)]
pub fn softmax(x: u32, y: u32, rows: usize, classes: usize) -> Result<(), JsError> {
    let mut t = Taken::take("softmax", &[x, y])?;
    let (ins, out) = t.split_mut(1)?;
    softmax::softmax(rows, classes, ins[0], out)?;
    Ok(())
}

/// `dx = y * (dy - sum(y * dy))` per row, from the softmax output `y`.
#[wasm_bindgen(js_name = softmaxBackward)]
pub fn softmax_backward(y: u32, dy: u32, dx: u32, rows: usize, classes: usize) -> Result<(), JsError> {
    let mut t = Taken::take("softmaxBackward", &[y, dy, dx])?;
    let (ins, out) = t.split_mut(2)?;
    softmax::softmax_backward(rows, classes, ins[0], ins[1], out)?;
    Ok(())
}

/// Mean sparse categorical cross-entropy from logits; writes the softmax
/// to `probs` and returns the loss.
#[wasm_bindgen(js_name = sparseSoftmaxCrossEntropy)]
pub fn sparse_softmax_cross_entropy(logits: u32, labels: u32, probs: u32, rows: usize, classes: usize) -> Result<f32, JsError> {
    let mut t = Taken::take("sparseSoftmaxCrossEntropy", &[logits, labels, probs])?;
    let (ins, out) = t.split_mut(2)?;
    Ok(softmax::sparse_softmax_cross_entropy(rows, classes, ins[0], ins[1], out)?)
}

/// `dlogits = (probs - onehot) / rows`.
#[wasm_bindgen(js_name = sparseSoftmaxCrossEntropyBackward)]
pub fn sparse_softmax_cross_entropy_backward(probs: u32, labels: u32, dlogits: u32, rows: usize, classes: usize) -> Result<(), JsError> {
    let mut t = Taken::take("sparseSoftmaxCrossEntropyBackward", &[probs, labels, dlogits])?;
    let (ins, out) = t.split_mut(2)?;
    softmax::sparse_softmax_cross_entropy_backward(rows, classes, ins[0], ins[1], out)?;
    Ok(())
}

/// Keras categorical cross-entropy on probabilities (clipped at 1e-7),
/// batch mean.
#[wasm_bindgen(js_name = categoricalCrossEntropy)]
pub fn categorical_cross_entropy(probs: u32, targets: u32, rows: usize, classes: usize) -> Result<f32, JsError> {
    let t = Taken::take("categoricalCrossEntropy", &[probs, targets])?;
    Ok(softmax::categorical_cross_entropy(rows, classes, t.get(0), t.get(1))?)
}

/// Gradient of [`categorical_cross_entropy`] with respect to `probs`.
#[wasm_bindgen(js_name = categoricalCrossEntropyBackward)]
pub fn categorical_cross_entropy_backward(probs: u32, targets: u32, dprobs: u32, rows: usize, classes: usize) -> Result<(), JsError> {
    let mut t = Taken::take("categoricalCrossEntropyBackward", &[probs, targets, dprobs])?;
    let (ins, out) = t.split_mut(2)?;
    softmax::categorical_cross_entropy_backward(rows, classes, ins[0], ins[1], out)?;
    Ok(())
}

/// Keras sparse categorical cross-entropy on probabilities (clipped at
/// 1e-7), batch mean.
#[wasm_bindgen(js_name = sparseCategoricalCrossEntropy)]
pub fn sparse_categorical_cross_entropy(probs: u32, labels: u32, rows: usize, classes: usize) -> Result<f32, JsError> {
    let t = Taken::take("sparseCategoricalCrossEntropy", &[probs, labels])?;
    Ok(softmax::sparse_categorical_cross_entropy(rows, classes, t.get(0), t.get(1))?)
}

/// Gradient of [`sparse_categorical_cross_entropy`] with respect to `probs`.
#[wasm_bindgen(js_name = sparseCategoricalCrossEntropyBackward)]
pub fn sparse_categorical_cross_entropy_backward(probs: u32, labels: u32, dprobs: u32, rows: usize, classes: usize) -> Result<(), JsError> {
    let mut t = Taken::take("sparseCategoricalCrossEntropyBackward", &[probs, labels, dprobs])?;
    let (ins, out) = t.split_mut(2)?;
    softmax::sparse_categorical_cross_entropy_backward(rows, classes, ins[0], ins[1], out)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Batch normalisation. `rows = n * h * w`.

/// Training forward: normalises with the batch moments (written to `mean`
/// and `variance`) and updates the moving statistics in place.
#[wasm_bindgen(js_name = batchNormTrain)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_train(
    x: u32,
    gamma: u32,
    beta: u32,
    moving_mean: u32,
    moving_variance: u32,
    y: u32,
    mean: u32,
    variance: u32,
    rows: usize,
    channels: usize,
    momentum: f64,
    epsilon: f64,
) -> Result<(), JsError> {
    let p = BatchNormParams { rows, channels, momentum, epsilon };
    let mut t = Taken::take("batchNormTrain", &[x, gamma, beta, moving_mean, moving_variance, y, mean, variance])?;
    let (ins, o) = t.split_mut_n(3)?;
    let [mm, mv, y, mean, var] = outs(o);
    batchnorm::batch_norm_train(&p, ins[0], ins[1], ins[2], mm, mv, y, mean, var)?;
    Ok(())
}

/// Inference forward with the moving statistics.
#[wasm_bindgen(js_name = batchNormInference)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_inference(
    x: u32,
    gamma: u32,
    beta: u32,
    moving_mean: u32,
    moving_variance: u32,
    y: u32,
    rows: usize,
    channels: usize,
    epsilon: f64,
) -> Result<(), JsError> {
    let p = BatchNormParams { epsilon, ..BatchNormParams::new(rows, channels) };
    let mut t = Taken::take("batchNormInference", &[x, gamma, beta, moving_mean, moving_variance, y])?;
    let (ins, out) = t.split_mut(5)?;
    batchnorm::batch_norm_inference(&p, ins[0], ins[1], ins[2], ins[3], ins[4], out)?;
    Ok(())
}

/// Training backward: writes `dx`, `dgamma` and `dbeta` from the batch
/// `mean` and `variance` of the forward pass.
#[wasm_bindgen(js_name = batchNormBackward)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    x: u32,
    dy: u32,
    gamma: u32,
    mean: u32,
    variance: u32,
    dx: u32,
    dgamma: u32,
    dbeta: u32,
    rows: usize,
    channels: usize,
    epsilon: f64,
) -> Result<(), JsError> {
    let p = BatchNormParams { epsilon, ..BatchNormParams::new(rows, channels) };
    let mut t = Taken::take("batchNormBackward", &[x, dy, gamma, mean, variance, dx, dgamma, dbeta])?;
    let (ins, o) = t.split_mut_n(5)?;
    let [dx, dgamma, dbeta] = outs(o);
    batchnorm::batch_norm_backward(&p, ins[0], ins[1], ins[2], ins[3], ins[4], dx, dgamma, dbeta)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Optimizers: `param` and the state buffers are updated in place.

/// One SGD step; `velocity` is needed when `momentum` is not 0.
#[wasm_bindgen(js_name = sgdUpdate)]
pub fn sgd_update(grad: u32, param: u32, velocity: Option<u32>, learning_rate: f64, momentum: f64, nesterov: bool) -> Result<(), JsError> {
    let o = Sgd { learning_rate, momentum, nesterov };
    let mut hs = vec![grad, param];
    hs.extend(velocity);
    let mut t = Taken::take("sgdUpdate", &hs)?;
    let (ins, mut o2) = t.split_mut_n(1)?;
    let v = if velocity.is_some() { o2.pop() } else { None };
    let [p] = outs(o2);
    optim::sgd_update(&o, ins[0], p, v)?;
    Ok(())
}

/// One Adam step; `step` counts from 1.
#[wasm_bindgen(js_name = adamUpdate)]
#[allow(clippy::too_many_arguments)]
pub fn adam_update(grad: u32, param: u32, m: u32, v: u32, step: u32, learning_rate: f64, beta1: f64, beta2: f64, epsilon: f64) -> Result<(), JsError> {
    let o = Adam { learning_rate, beta1, beta2, epsilon };
    let mut t = Taken::take("adamUpdate", &[grad, param, m, v])?;
    let (ins, o2) = t.split_mut_n(1)?;
    let [p, m, v] = outs(o2);
    optim::adam_update(&o, step as u64, ins[0], p, m, v)?;
    Ok(())
}

/// One RMSprop step; `mom` is needed when `momentum` is not 0.
#[wasm_bindgen(js_name = rmspropUpdate)]
#[allow(clippy::too_many_arguments)]
pub fn rmsprop_update(grad: u32, param: u32, ms: u32, mom: Option<u32>, learning_rate: f64, rho: f64, momentum: f64, epsilon: f64) -> Result<(), JsError> {
    let o = RmsProp { learning_rate, rho, momentum, epsilon };
    let mut hs = vec![grad, param, ms];
    hs.extend(mom);
    let mut t = Taken::take("rmspropUpdate", &hs)?;
    let (ins, mut o2) = t.split_mut_n(1)?;
    let mo = if mom.is_some() { o2.pop() } else { None };
    let [p, ms] = outs(o2);
    optim::rmsprop_update(&o, ins[0], p, ms, mo)?;
    Ok(())
}
