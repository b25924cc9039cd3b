//! Writes the TypeScript side of the wasm boundary from the kernel list
//! (crates/cnn-core/src/kernels.rs): packages/cnn-worker/src/kernels.generated.ts.
//! Run from anywhere: `cargo run -p cnn-core --example gen_bindings`.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join(cnn_core::bindings::TS_PATH);
    let text = cnn_core::bindings::render_ts();
    if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return;
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    println!("gen_bindings: wrote {}", cnn_core::bindings::TS_PATH);
}
