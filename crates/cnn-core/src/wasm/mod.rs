//! The WebAssembly surface, exported with wasm-bindgen.
//!
//! Thin on purpose: tensors live in a [`store`] of f32 buffers addressed by
//! integer handles; ops take handles and a few sizes, check them, run a
//! kernel, and return `Result<_, JsError>` so bad arguments become a JS
//! exception that names the op instead of a trap that would poison the
//! instance and its thread pool.

pub mod api;
pub mod api_arch;
pub mod api_conv;
pub mod api_ops;
pub mod api_tensor;
pub mod pool;
pub mod store;
pub mod tuning;

use wasm_bindgen::prelude::*;

// `CoreError` implements `std::error::Error`, so `?` turns it into a
// `JsError` whose message is "<op>: <what went wrong>".

/// Facts about this build, for feature checks and reports.
#[wasm_bindgen(js_name = buildInfo)]
pub fn build_info() -> String {
    format!("{{\"simd128\":{},\"threads\":{},\"version\":\"{}\"}}", crate::simd::HAS_SIMD128, cfg!(target_feature = "atomics"), env!("CARGO_PKG_VERSION"))
}

/// The module's linear memory (a shared `WebAssembly.Memory` in the threaded
/// build), so JS can view buffers in place.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}
