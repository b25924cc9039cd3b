#!/usr/bin/env bash
# The whole test suite: the crate's tests natively, then vitest (Node,
# the wasm build, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh
# Habits first (seconds): Rust formatting and lints (clippy where the
# toolchain has it), then typescript-eslint over the TypeScript sources.
cargo fmt --check -p cnn-core
if cargo clippy --version >/dev/null 2>&1; then cargo clippy -q -p cnn-core --all-targets -- -D warnings; fi
npx eslint packages/*/src
cargo test -p cnn-core
# The kernels against their scalar references in the relaxed build's fused
# multiply-add arithmetic (tolerances instead of bit equality).
cargo test -p cnn-core --features fused --lib
# The kernels on the wasm build itself (SIMD128, in Node) against their
# scalar references: crates/cnn-core/tests/wasm.rs, by wasm-bindgen-test.
bash scripts/test-wasm.sh
npx vitest run
