#!/usr/bin/env bash
# Builds crates/cnn-core for WebAssembly twice and runs wasm-bindgen on each:
#   packages/cnn-worker/wasm/threaded/  +simd128,+atomics,+bulk-memory (std rebuilt), shared memory
#   packages/cnn-worker/wasm/single/    +simd128 only, for pages that are not cross-origin isolated
# and each once more with +relaxed-simd (f32x4.relaxed_madd in the kernels'
# multiply-adds), kept as cnn_core_bg.relaxed.wasm beside the strict module:
# the exports are the same, so one glue serves both (checked below).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh
if ! pick_wasm_toolchain; then
  echo "build-wasm: no toolchain can build std for wasm32; run 'npm run setup' first" >&2
  exit 1
fi
echo "build-wasm: using $WASM_TOOLCHAIN"

out=packages/cnn-worker/wasm
# 4 GiB maximum: the whole wasm32 address space, so big models are limited
# by the machine, not by the default 1 GiB cap on shared memories.
max_mem="-C link-arg=--max-memory=4294967296"

# A shared memory imported from JS, and the TLS symbols wasm-bindgen needs
# to give every thread its own stack and thread-locals.
shared="-C link-arg=--shared-memory -C link-arg=--import-memory"
for sym in __wasm_init_tls __tls_size __tls_align __tls_base; do shared="$shared -C link-arg=--export=$sym"; done

build() { # flavor features target-features link-args
  local flavor=$1 features=$2 tf=$3 link=$4 dir=$out/$1
  RUSTFLAGS="-C target-feature=$tf $link $WASM_LINKER_FLAGS" \
    $CARGO_WASM build --release -p cnn-core --lib --target wasm32-unknown-unknown \
      -Z build-std=std,panic_abort --target-dir "target/wasm-$flavor" $features
  case $flavor in *-relaxed) dir=target/wasm-$flavor/bindgen ;; esac
  wasm-bindgen --target web --out-dir "$dir" --out-name cnn_core \
    "target/wasm-$flavor/wasm32-unknown-unknown/release/cnn_core.wasm"
  case $flavor in *-relaxed)
    local strict=$out/${flavor%-relaxed}
    if ! cmp -s "$dir/cnn_core.js" "$strict/cnn_core.js"; then
      echo "build-wasm: the $flavor glue differs from the strict one; one glue cannot serve both" >&2
      exit 1
    fi
    cp "$dir/cnn_core_bg.wasm" "$strict/cnn_core_bg.relaxed.wasm" ;;
  esac
}

build threaded "--features threads" "+simd128,+atomics,+bulk-memory,+mutable-globals" "$shared $max_mem"
build single "" "+simd128,+bulk-memory,+mutable-globals" "$max_mem"
build threaded-relaxed "--features threads" "+simd128,+relaxed-simd,+atomics,+bulk-memory,+mutable-globals" "$shared $max_mem"
build single-relaxed "" "+simd128,+relaxed-simd,+bulk-memory,+mutable-globals" "$max_mem"
ls -l "$out"/*/cnn_core_bg*.wasm
