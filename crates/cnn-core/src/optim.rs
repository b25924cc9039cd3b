#![allow(non_snake_case)] // XNNPACK-style kernel names: <family>__<arch>
//! In-place optimizer updates with the formulas of Keras 3
//! (`keras/src/optimizers/{sgd,adam,rmsprop}.py`), one call per variable.
//!
//! Shapes: `grad`, `param` and every state buffer (`velocity`, `m`, `v`,
//! `ms`, `mom`) have the same length; state starts at zero as in Keras.
//!
//! Hyper-parameters are doubles (as in Python and JS) and are rounded to f32
//! where Keras rounds them: `lr`, `momentum`, `beta` and `epsilon` become
//! f32 constants, while `1 - beta` and `1 - rho` are formed in double
//! first (Python arithmetic on Python floats), then rounded. The per-element
//! arithmetic follows Keras' order of operations, all in f32, mul and add
//! rounded separately.
//!
//! - SGD: `v = momentum * v - lr * g; p += v` (Nesterov:
//!   `p += momentum * v - lr * g`); plain `p -= lr * g` when momentum is 0.
//! - Adam: `alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`,
//!   `m += (g - m) * (1 - beta1)`, `v += (g^2 - v) * (1 - beta2)`,
//!   `p -= m * alpha / (sqrt(v) + epsilon)`; `t` counts from 1. This is
//!   Kingma & Ba's Adam with the "epsilon hat" of their section 2.
//! - RMSprop: `ms = rho * ms + (1 - rho) * g^2`,
//!   `inc = lr * g / sqrt(ms + epsilon)` (epsilon inside the root, as in
//!   Keras 3 and TF's `ApplyRMSProp`); with momentum
//!   `mom = momentum * mom + inc; p -= mom`, else `p -= inc`.
//!
//! The SIMD kernels and scalar twins agree bit for bit (sqrt and div are
//! exact IEEE operations in both); threads split the buffers.

use crate::error::{check_len, CoreError, Result};
use crate::par;
use crate::simd::F32x4;

/// Elements per task below which splitting costs more than it saves.
const MIN_CHUNK: usize = 1 << 13;

/// Keras `SGD` arguments. Defaults: `lr = 0.01`, `momentum = 0`, no Nesterov.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    pub learning_rate: f64,
    /// In `[0, 1]`; 0 is plain gradient descent (no velocity buffer needed).
    pub momentum: f64,
    pub nesterov: bool,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd { learning_rate: 0.01, momentum: 0.0, nesterov: false }
    }
}

/// Keras `Adam` arguments. Defaults: `lr = 0.001`, `beta1 = 0.9`,
/// `beta2 = 0.999`, `epsilon = 1e-7`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
}

impl Default for Adam {
    fn default() -> Self {
        Adam { learning_rate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }
    }
}

/// Keras `RMSprop` arguments (not centered). Defaults: `lr = 0.001`,
/// `rho = 0.9`, `momentum = 0`, `epsilon = 1e-7`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsProp {
    pub learning_rate: f64,
    pub rho: f64,
    /// 0 means no momentum buffer.
    pub momentum: f64,
    pub epsilon: f64,
}

impl Default for RmsProp {
    fn default() -> Self {
        RmsProp { learning_rate: 0.001, rho: 0.9, momentum: 0.0, epsilon: 1e-7 }
    }
}

fn check_hyper(op: &'static str, name: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if !(v >= lo && v <= hi) {
        return Err(CoreError::new(op, format!("{name} must be in [{lo}, {hi}], got {v}")));
    }
    Ok(())
}

fn check_state(op: &'static str, grad: &[f32], param: &[f32], state: &[(&str, Option<usize>)]) -> Result<()> {
    check_len(op, "param", param.len(), grad.len())?;
    for (what, len) in state {
        if let Some(len) = len {
            check_len(op, what, *len, grad.len())?;
        }
    }
    Ok(())
}

fn chunk(len: usize) -> usize {
    par::chunk_size(len, MIN_CHUNK)
}

// ---------------------------------------------------------------------------
// SGD.

fn check_sgd(o: &Sgd, grad: &[f32], param: &[f32], velocity: Option<&[f32]>) -> Result<()> {
    const OP: &str = "sgdUpdate";
    check_hyper(OP, "learning rate", o.learning_rate, 0.0, f64::MAX)?;
    check_hyper(OP, "momentum", o.momentum, 0.0, 1.0)?;
    if o.momentum != 0.0 && velocity.is_none() {
        return Err(CoreError::new(OP, format!("momentum {} needs a velocity buffer, got none", o.momentum)));
    }
    check_state(OP, grad, param, &[("velocity", velocity.map(<[f32]>::len))])
}

/// One SGD step on `param` (and `velocity`, needed when momentum is not 0,
/// ignored otherwise).
pub fn sgd_update(o: &Sgd, grad: &[f32], param: &mut [f32], velocity: Option<&mut [f32]>) -> Result<()> {
    check_sgd(o, grad, param, velocity.as_deref())?;
    let (lr, mom) = (o.learning_rate as f32, o.momentum as f32);
    match velocity {
        Some(v) if o.momentum != 0.0 => {
            par::for_each_out_chunks([param, v], chunk(grad.len()), |i0, [p, v]| f32_sgd_momentum__simd128(&grad[i0..][..p.len()], p, v, lr, mom, o.nesterov))
        }
        _ => par::for_each_out_chunks([param], chunk(grad.len()), |i0, [p]| {
            let g = &grad[i0..][..p.len()];
            let vlr = F32x4::splat(lr);
            let mut i = 0;
            while i + 4 <= p.len() {
                // SAFETY: i + 4 <= len of both.
                unsafe {
                    let pp = p.as_mut_ptr().add(i);
                    F32x4::load(pp).sub(F32x4::load(g.as_ptr().add(i)).mul(vlr)).store(pp);
                }
                i += 4;
            }
            for i in i..p.len() {
                p[i] -= g[i] * lr;
            }
        }),
    }
    Ok(())
}

fn f32_sgd_momentum__simd128(g: &[f32], p: &mut [f32], v: &mut [f32], lr: f32, mom: f32, nesterov: bool) {
    let (vlr, vmom) = (F32x4::splat(lr), F32x4::splat(mom));
    let n = p.len();
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = len of all three.
        unsafe {
            let (pp, pv) = (p.as_mut_ptr().add(i), v.as_mut_ptr().add(i));
            let vglr = F32x4::load(g.as_ptr().add(i)).mul(vlr);
            let vv = F32x4::load(pv).mul(vmom).sub(vglr);
            vv.store(pv);
            let vstep = if nesterov { vv.mul(vmom).sub(vglr) } else { vv };
            F32x4::load(pp).add(vstep).store(pp);
        }
        i += 4;
    }
    for i in i..n {
        sgd_momentum_scalar(g[i], &mut p[i], &mut v[i], lr, mom, nesterov);
    }
}

#[inline(always)]
fn sgd_momentum_scalar(g: f32, p: &mut f32, v: &mut f32, lr: f32, mom: f32, nesterov: bool) {
    *v = *v * mom - g * lr;
    *p += if nesterov { *v * mom - g * lr } else { *v };
}

/// Scalar reference of [`sgd_update`].
pub fn sgd_update_ref(o: &Sgd, grad: &[f32], param: &mut [f32], velocity: Option<&mut [f32]>) -> Result<()> {
    check_sgd(o, grad, param, velocity.as_deref())?;
    let (lr, mom) = (o.learning_rate as f32, o.momentum as f32);
    match velocity {
        Some(v) if o.momentum != 0.0 => {
            for i in 0..grad.len() {
                sgd_momentum_scalar(grad[i], &mut param[i], &mut v[i], lr, mom, o.nesterov);
            }
        }
        _ => {
            for i in 0..grad.len() {
                param[i] -= grad[i] * lr;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Adam.

/// Per-step f32 constants of Adam: `(alpha, 1 - beta1, 1 - beta2, epsilon)`.
fn adam_constants(o: &Adam, step: u64) -> Result<[f32; 4]> {
    const OP: &str = "adamUpdate";
    check_hyper(OP, "learning rate", o.learning_rate, 0.0, f64::MAX)?;
    check_hyper(OP, "beta1", o.beta1, 0.0, 1.0 - f64::EPSILON)?;
    check_hyper(OP, "beta2", o.beta2, 0.0, 1.0 - f64::EPSILON)?;
    check_hyper(OP, "epsilon", o.epsilon, 0.0, f64::MAX)?;
    if step == 0 {
        return Err(CoreError::new(OP, "step counts from 1 (Keras' iterations + 1), got 0"));
    }
    // Keras: local_step = cast(iterations + 1, f32); beta_power = power(cast(beta, f32), local_step).
    let t = step as f32;
    let b1p = (o.beta1 as f32).powf(t);
    let b2p = (o.beta2 as f32).powf(t);
    let alpha = o.learning_rate as f32 * (1.0 - b2p).sqrt() / (1.0 - b1p);
    Ok([alpha, (1.0 - o.beta1) as f32, (1.0 - o.beta2) as f32, o.epsilon as f32])
}

/// One Adam step number `step` (1 for the first update) on `param`, `m`
/// (first moment) and `v` (second moment).
pub fn adam_update(o: &Adam, step: u64, grad: &[f32], param: &mut [f32], m: &mut [f32], v: &mut [f32]) -> Result<()> {
    check_state("adamUpdate", grad, param, &[("m", Some(m.len())), ("v", Some(v.len()))])?;
    let k = adam_constants(o, step)?;
    par::for_each_out_chunks([param, m, v], chunk(grad.len()), |i0, [p, m, v]| f32_adam__simd128(&grad[i0..][..p.len()], p, m, v, k));
    Ok(())
}

fn f32_adam__simd128(g: &[f32], p: &mut [f32], m: &mut [f32], v: &mut [f32], k: [f32; 4]) {
    let [alpha, omb1, omb2, eps] = k;
    let (valpha, vomb1, vomb2, veps) = (F32x4::splat(alpha), F32x4::splat(omb1), F32x4::splat(omb2), F32x4::splat(eps));
    let n = p.len();
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = len of all four.
        unsafe {
            let (pp, pm, pv) = (p.as_mut_ptr().add(i), m.as_mut_ptr().add(i), v.as_mut_ptr().add(i));
            let vg = F32x4::load(g.as_ptr().add(i));
            let vm = F32x4::load(pm);
            let vm = vm.add(vg.sub(vm).mul(vomb1));
            let vv = F32x4::load(pv);
            let vv = vv.add(vg.mul(vg).sub(vv).mul(vomb2));
            vm.store(pm);
            vv.store(pv);
            F32x4::load(pp).sub(vm.mul(valpha).div(vv.sqrt().add(veps))).store(pp);
        }
        i += 4;
    }
    for i in i..n {
        adam_scalar(g[i], &mut p[i], &mut m[i], &mut v[i], k);
    }
}

#[inline(always)]
fn adam_scalar(g: f32, p: &mut f32, m: &mut f32, v: &mut f32, k: [f32; 4]) {
    let [alpha, omb1, omb2, eps] = k;
    *m += (g - *m) * omb1;
    *v += (g * g - *v) * omb2;
    *p -= *m * alpha / (v.sqrt() + eps);
}

/// Scalar reference of [`adam_update`].
pub fn adam_update_ref(o: &Adam, step: u64, grad: &[f32], param: &mut [f32], m: &mut [f32], v: &mut [f32]) -> Result<()> {
    check_state("adamUpdate", grad, param, &[("m", Some(m.len())), ("v", Some(v.len()))])?;
    let k = adam_constants(o, step)?;
    for i in 0..grad.len() {
        adam_scalar(grad[i], &mut param[i], &mut m[i], &mut v[i], k);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// RMSprop.

fn check_rmsprop(o: &RmsProp, grad: &[f32], param: &[f32], ms: &[f32], mom: Option<&[f32]>) -> Result<()> {
    const OP: &str = "rmspropUpdate";
    check_hyper(OP, "learning rate", o.learning_rate, 0.0, f64::MAX)?;
    check_hyper(OP, "rho", o.rho, 0.0, 1.0)?;
    check_hyper(OP, "momentum", o.momentum, 0.0, 1.0)?;
    check_hyper(OP, "epsilon", o.epsilon, 0.0, f64::MAX)?;
    if o.momentum != 0.0 && mom.is_none() {
        return Err(CoreError::new(OP, format!("momentum {} needs a momentum buffer, got none", o.momentum)));
    }
    check_state(OP, grad, param, &[("ms", Some(ms.len())), ("mom", mom.map(<[f32]>::len))])
}

/// `[lr, rho, 1 - rho, epsilon, momentum]` as f32.
fn rmsprop_constants(o: &RmsProp) -> [f32; 5] {
    [o.learning_rate as f32, o.rho as f32, (1.0 - o.rho) as f32, o.epsilon as f32, o.momentum as f32]
}

/// One RMSprop step on `param` and `ms` (the moving mean of `g^2`); `mom`
/// is needed when momentum is not 0 and ignored otherwise.
pub fn rmsprop_update(o: &RmsProp, grad: &[f32], param: &mut [f32], ms: &mut [f32], mom: Option<&mut [f32]>) -> Result<()> {
    check_rmsprop(o, grad, param, ms, mom.as_deref())?;
    let k = rmsprop_constants(o);
    match mom {
        Some(mo) if o.momentum != 0.0 => {
            par::for_each_out_chunks([param, ms, mo], chunk(grad.len()), |i0, [p, ms, mo]| f32_rmsprop__simd128(&grad[i0..][..p.len()], p, ms, Some(mo), k))
        }
        _ => par::for_each_out_chunks([param, ms], chunk(grad.len()), |i0, [p, ms]| f32_rmsprop__simd128(&grad[i0..][..p.len()], p, ms, None, k)),
    }
    Ok(())
}

fn f32_rmsprop__simd128(g: &[f32], p: &mut [f32], ms: &mut [f32], mut mom: Option<&mut [f32]>, k: [f32; 5]) {
    let [lr, rho, omr, eps, momentum] = k;
    let (vlr, vrho, vomr, veps, vmomentum) = (F32x4::splat(lr), F32x4::splat(rho), F32x4::splat(omr), F32x4::splat(eps), F32x4::splat(momentum));
    let n = p.len();
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n = len of every buffer.
        unsafe {
            let (pp, pms) = (p.as_mut_ptr().add(i), ms.as_mut_ptr().add(i));
            let vg = F32x4::load(g.as_ptr().add(i));
            let vms = vrho.mul(F32x4::load(pms)).add(vomr.mul(vg.mul(vg)));
            vms.store(pms);
            let vinc = vlr.mul(vg).div(vms.add(veps).sqrt());
            let vstep = match mom.as_deref_mut() {
                Some(mo) => {
                    let pmo = mo.as_mut_ptr().add(i);
                    let vmo = vmomentum.mul(F32x4::load(pmo)).add(vinc);
                    vmo.store(pmo);
                    vmo
                }
                None => vinc,
            };
            F32x4::load(pp).sub(vstep).store(pp);
        }
        i += 4;
    }
    for i in i..n {
        rmsprop_scalar(g[i], &mut p[i], &mut ms[i], mom.as_deref_mut().map(|mo| &mut mo[i]), k);
    }
}

#[inline(always)]
fn rmsprop_scalar(g: f32, p: &mut f32, ms: &mut f32, mom: Option<&mut f32>, k: [f32; 5]) {
    let [lr, rho, omr, eps, momentum] = k;
    *ms = rho * *ms + omr * (g * g);
    let inc = lr * g / (*ms + eps).sqrt();
    match mom {
        Some(mo) => {
            *mo = momentum * *mo + inc;
            *p -= *mo;
        }
        None => *p -= inc,
    }
}

/// Scalar reference of [`rmsprop_update`].
pub fn rmsprop_update_ref(o: &RmsProp, grad: &[f32], param: &mut [f32], ms: &mut [f32], mut mom: Option<&mut [f32]>) -> Result<()> {
    check_rmsprop(o, grad, param, ms, mom.as_deref())?;
    let k = rmsprop_constants(o);
    let use_mom = o.momentum != 0.0;
    for i in 0..grad.len() {
        let mo = if use_mom { mom.as_deref_mut().map(|mo| &mut mo[i]) } else { None };
        rmsprop_scalar(grad[i], &mut param[i], &mut ms[i], mo, k);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
