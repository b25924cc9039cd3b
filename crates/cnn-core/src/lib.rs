//! cnn-core: the numeric kernels of cnn-ts.
//!
//! Layout conventions are TensorFlow's: activations NHWC, filters HWIO,
//! row-major everywhere. Every kernel family has a plain scalar reference
//! beside its SIMD128 version; the tests compare them. Threading happens only
//! in [`par`], at op level, with results independent of the thread count.
//!
//! Naming of the scalar twins, one convention: an op `foo` (public, checks
//! its arguments, parallel, SIMD) has its scalar reference `foo_ref` beside
//! it (conv2d's live in `conv/reference.rs`); the tests compare the two.
//! Inner loops are named XNNPACK-style `f32_<what>__simd128`; the GEMM
//! micro-kernel, the only one with a second implementation selectable at
//! run time (`gemm::KernelKind::Scalar`), has its twin `f32_gemm_4x8__scalar`.
//! The kernel list ([`kernels`]) names each kernel's reference test.

pub mod batchnorm;
#[cfg(not(target_arch = "wasm32"))]
pub mod bindings;
pub mod conv;
pub mod depthwise;
pub mod eltwise;
pub mod error;
pub mod gemm;
pub mod global_pool;
pub mod kernels;
pub mod optim;
pub mod par;
pub mod pool;
pub mod resize;
pub mod shape;
pub mod simd;
pub mod softmax;
pub mod tensor;
pub mod tuning;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(test)]
pub(crate) mod testutil;

pub use error::{CoreError, Result};
