//! What the generated kernel exports (`kernels_generated.rs`) call: the
//! buffers of a call bound by name, the packed-spec readers, and the
//! conversion of a kernel's result into a JS exception.
//!
//! A kernel's `run` expression in the kernel list (`src/kernels.rs`) is
//! written against the names in scope here: the crate's kernel modules,
//! the spec readers below, and `OP`, the kernel's JS name.

use crate::error::CoreError;
use crate::shape::{Conv2d, Conv2dArgs, Padding, Pool2d, Pool2dArgs};
use wasm_bindgen::prelude::*;

pub use super::store::Taken;
pub use super::tuning;
pub use crate::batchnorm::{self, BatchNormParams};
pub use crate::depthwise::{self, Depthwise2d};
pub use crate::gemm::{self, Activation, GemmParams};
pub use crate::optim::{self, Adam, RmsProp, Sgd};
pub use crate::resize::{self, Resize2d};
pub use crate::tensor::{self, BinaryOp, Broadcast, ReduceOp, StridedCopy, UnaryOp};
pub use crate::{conv, eltwise, global_pool, pool, softmax};

/// A kernel's result as the export returns it: `()` (a kernel that cannot
/// fail), or the kernel's `Result`, whose error becomes a JS exception
/// ("<op>: <what went wrong>").
pub trait IntoJs<T> {
    fn into_js(self) -> Result<T, JsError>;
}

impl IntoJs<()> for () {
    fn into_js(self) -> Result<(), JsError> {
        Ok(())
    }
}

impl<T, E> IntoJs<T> for Result<T, E>
where
    JsError: From<E>,
{
    fn into_js(self) -> Result<T, JsError> {
        Ok(self?)
    }
}

/// The buffers of one call in boundary order: inputs (read-only), then
/// in-place buffers and outputs (mutable). The generated export binds each
/// to its name from the kernel list.
pub struct Bufs<'a> {
    ins: std::vec::IntoIter<&'a [f32]>,
    outs: std::vec::IntoIter<&'a mut [f32]>,
}

impl<'a> Bufs<'a> {
    /// Splits the taken buffers: the first `inputs` are read-only.
    pub fn new(t: &'a mut Taken, inputs: usize) -> Result<Bufs<'a>, JsError> {
        let (ins, outs) = t.split_mut_n(inputs)?;
        Ok(Bufs { ins: ins.into_iter(), outs: outs.into_iter() })
    }

    /// The next input.
    pub fn input(&mut self) -> &'a [f32] {
        self.ins.next().expect("the generated export counts its inputs")
    }

    /// The next input if it was passed.
    pub fn opt_input(&mut self, present: bool) -> Option<&'a [f32]> {
        present.then(|| self.input())
    }

    /// The next in-place buffer or output.
    pub fn output(&mut self) -> &'a mut [f32] {
        self.outs.next().expect("the generated export counts its outputs")
    }

    /// The next in-place buffer or output if it was passed.
    pub fn opt_output(&mut self, present: bool) -> Option<&'a mut [f32]> {
        present.then(|| self.output())
    }
}

/// The convolution geometry from the 16-word spec of `Conv2dArgs::from_words`
/// (the TS encoder is `packages/cnn-worker/src/specs.ts`).
pub fn conv_geometry(op: &'static str, spec: &[u32]) -> Result<Conv2d, CoreError> {
    let mut p = Conv2d::new(op, &Conv2dArgs::from_words(op, spec)?)?;
    p.tuning = tuning::current();
    Ok(p)
}

/// The depthwise geometry: the convolution spec with `cin = c` and `cout = c * multiplier`.
pub fn dw_geometry(op: &'static str, spec: &[u32]) -> Result<Depthwise2d, CoreError> {
    Depthwise2d::new(op, &Conv2dArgs::from_words(op, spec)?)
}

/// Words in a pooling `spec`.
pub const POOL_SPEC_WORDS: usize = 13;

/// Reads a 2-D pooling `spec` of 13 words: `[n, h, w, c, pool_h, pool_w,
/// stride_h, stride_w, padding (0 valid, 1 same, 2 explicit), top, bottom,
/// left, right]`, the padding codes of `Conv2dArgs::from_words`.
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
    p.tuning = tuning::current();
    Ok(p)
}

/// Packed words as sizes (a shape or an axis list).
pub fn sizes(words: &[u32]) -> Vec<usize> {
    words.iter().map(|&d| d as usize).collect()
}
