//! The WebAssembly surface, exported with wasm-bindgen.
//!
//! Thin on purpose: tensors live in a [`store`] of f32 buffers addressed by
//! integer handles; ops take handles and a few sizes, check them, run a
//! kernel, and return `Result<_, JsError>` so bad arguments become a JS
//! exception that names the op instead of a trap that would poison the
//! instance and its thread pool. The kernel exports are generated from the
//! kernel list ([`kernels_generated`]); the rest (the store, the thread
//! pool, build facts, tuning) is written here by hand.

// The kernel exports, generated from the kernel list (src/kernels.rs) by
// examples/gen_bindings.rs; rustfmt leaves the generated file as written
// (the staleness test compares it with the generator's output).
#[rustfmt::skip]
pub mod kernels_generated;
pub mod pool;
pub mod store;
pub mod support;
pub mod tuning;

use wasm_bindgen::prelude::*;

// `CoreError` implements `std::error::Error`, so `?` turns it into a
// `JsError` whose message is "<op>: <what went wrong>".

/// Facts about this build, for feature checks and reports.
#[wasm_bindgen(js_name = buildInfo)]
pub fn build_info() -> String {
    format!(
        "{{\"simd128\":{},\"relaxedSimd\":{},\"threads\":{},\"version\":\"{}\"}}",
        crate::simd::HAS_SIMD128,
        crate::simd::FUSED_MUL_ADD,
        cfg!(target_feature = "atomics"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The module's linear memory (a shared `WebAssembly.Memory` in the threaded
/// build), so JS can view buffers in place.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}
