//! Writes both sides of the wasm boundary from the kernel list
//! (crates/cnn-core/src/kernels.rs): the Rust exports
//! (crates/cnn-core/src/wasm/kernels_generated.rs) and their TypeScript view
//! (packages/cnn-worker/src/kernels.generated.ts).
//! Run from anywhere: `cargo run -p cnn-core --example gen_bindings`.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (rel, text) in [(cnn_core::bindings::RS_PATH, cnn_core::bindings::render_rs()), (cnn_core::bindings::TS_PATH, cnn_core::bindings::render_ts())] {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!("gen_bindings: wrote {rel}");
    }
}
