#!/usr/bin/env bash
# Builds crates/cnn-core for WebAssembly twice and runs wasm-bindgen on each:
#   packages/cnn-worker/wasm/threaded/  +simd128,+atomics,+bulk-memory (std rebuilt), shared memory
#   packages/cnn-worker/wasm/single/    +simd128 only, for pages that are not cross-origin isolated
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh
if ! pick_wasm_toolchain; then
  echo "build-wasm: no toolchain can build std for wasm32; run 'npm run setup' first" >&2
  exit 1
fi
echo "build-wasm: using $WASM_TOOLCHAIN"

# The TypeScript side of the boundary (kernel signatures, parameter tuples,
# op codes, the no-zero-fill list) from the crate's kernel list
# (crates/cnn-core/src/kernels.rs); cargo test fails when it is stale.
cargo run -q -p cnn-core --example gen_bindings

out=packages/cnn-worker/wasm
# 4 GiB maximum: the whole wasm32 address space, so big models are limited
# by the machine, not by the default 1 GiB cap on shared memories.
max_mem="-C link-arg=--max-memory=4294967296"

# A shared memory imported from JS, and the TLS symbols wasm-bindgen needs
# to give every thread its own stack and thread-locals.
shared="-C link-arg=--shared-memory -C link-arg=--import-memory"
for sym in __wasm_init_tls __tls_size __tls_align __tls_base; do shared="$shared -C link-arg=--export=$sym"; done

build() { # flavor features target-features link-args
  local flavor=$1 features=$2 tf=$3 link=$4
  RUSTFLAGS="-C target-feature=$tf $link $WASM_LINKER_FLAGS" \
    $CARGO_WASM build --release -p cnn-core --lib --target wasm32-unknown-unknown \
      -Z build-std=std,panic_abort --target-dir "target/wasm-$flavor" $features
  wasm-bindgen --target web --out-dir "$out/$flavor" --out-name cnn_core \
    "target/wasm-$flavor/wasm32-unknown-unknown/release/cnn_core.wasm"
}

build threaded "--features threads" "+simd128,+atomics,+bulk-memory,+mutable-globals" "$shared $max_mem"
build single "" "+simd128,+bulk-memory,+mutable-globals" "$max_mem"
ls -l "$out"/*/cnn_core_bg.wasm
