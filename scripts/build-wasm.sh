#!/usr/bin/env bash
# Builds crates/cnn-core for WebAssembly with wasm-pack (`wasm-pack build
# --target web`: cargo, then wasm-bindgen) twice:
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

# A panic traps at once (`unreachable`) instead of formatting a message that
# wasm32-unknown-unknown has nowhere to print: the same behaviour as
# panic=abort here, 51 kB less wasm (the kernels return errors; a panic is a
# bug either way).
panic="-Zunstable-options -Cpanic=immediate-abort"

command -v wasm-pack >/dev/null 2>&1 || { echo "build-wasm: wasm-pack missing; run 'npm run setup' first" >&2; exit 1; }

# wasm-pack runs `cargo build --lib --release --target wasm32-unknown-unknown`
# with the arguments after `--` (the std rebuild, the features), then the
# wasm-bindgen on PATH (--mode: see wasm-env.sh). Not its wasm-opt
# (--no-opt: it would download binaryen, and run the pass we skip below),
# nor its package.json / .gitignore: cnn-worker is the package.
build() { # flavor features target-features link-args
  local flavor=$1 features=$2 tf=$3 link=$4 dir=$PWD/$out/$1
  case $flavor in *-relaxed) dir=$PWD/target/wasm-$flavor/bindgen ;; esac
  RUSTFLAGS="$panic -C target-feature=$tf $link $WASM_LINKER_FLAGS" CARGO_TARGET_DIR="$PWD/target/wasm-$flavor" \
    $WASM_PACK_ENV wasm-pack --log-level warn build crates/cnn-core --target web --mode "$WASM_PACK_MODE" --release \
      --no-opt --no-pack --no-gitignore --out-dir "$dir" --out-name cnn_core \
      -- -Z build-std=std,panic_abort $features
  optimise "$dir/cnn_core_bg.wasm"
  # cnn-worker always passes the compiled module; the glue's fallback
  # `new URL('cnn_core_bg.wasm', import.meta.url)` would make bundlers look
  # for the wasm next to whatever file the glue is bundled into.
  sed -i "s|module_or_path = new URL('cnn_core_bg.wasm', import.meta.url);|throw new Error('cnn_core: pass the compiled module (cnn-worker does)');|" "$dir/cnn_core.js"
  grep -q "pass the compiled module" "$dir/cnn_core.js" || { echo "build-wasm: the glue's default wasm URL was not found" >&2; exit 1; }
  case $flavor in *-relaxed)
    local strict=$out/${flavor%-relaxed}
    if ! cmp -s "$dir/cnn_core.js" "$strict/cnn_core.js"; then
      echo "build-wasm: the $flavor glue differs from the strict one; one glue cannot serve both" >&2
      exit 1
    fi
    cp "$dir/cnn_core_bg.wasm" "$strict/cnn_core_bg.relaxed.wasm" ;;
  esac
}

# binaryen's wasm-opt from npm (pinned in the root package.json; Debian's
# binaryen 108 miscompiles this module): -Os, and the name and producers
# sections stripped (44 % of the file). The test suite runs on the result.
# -Os rather than -O3: with the kernels of issue 16, -O3 made the threaded
# file 704 kB, over its 700 kB budget (-Os: 697 kB); training and predict
# speed showed no difference in 3 alternated pairs on the loaded host.
#
# Without ssa-nomerge (part of -O3 and -Os): on Node 20 (V8 11.3), the
# threaded build after that pass hangs starting a 2-thread pool in about one process start in three
# (the pool thread spins in std's thread::park, the main thread waits in
# rayon's wait_until_primed). It needs both that pass's output and V8's
# baseline compiler: `wasm-opt --ssa-nomerge` alone hangs 8/20 starts, the
# same file under `node --no-liftoff` 0/20, the unoptimised file under
# `--liftoff-only` 0/20, -O3 without it 0/40 (tests/wasm-start.test.ts).
# ssa-nomerge only prepares precompute-propagate, which still runs.
# --low-memory-unused: the first 1 KiB of memory holds nothing (Rust's data
# starts at 1 MiB, above the main thread's stack), so constant offsets fold
# into loads and stores (about 6 kB smaller).
wasm_opt=node_modules/.bin/wasm-opt
optimise() {
  [ -x "$wasm_opt" ] || { echo "build-wasm: $wasm_opt missing; run 'npm ci' first" >&2; exit 1; }
  local before
  before=$(stat -c %s "$1")
  "$wasm_opt" -Os --skip-pass=ssa-nomerge --low-memory-unused --strip-debug --strip-producers "$1" -o "$1.opt"
  mv "$1.opt" "$1"
  echo "build-wasm: wasm-opt $1: $before -> $(stat -c %s "$1") bytes"
}

# -multivalue: since Rust 1.82 wasm32 targets have multivalue on, and then
# wasm-bindgen returns each Result-returning export's (value, is_error) as
# two wasm results. V8 before 12 (Node 20) has no generic JS-to-wasm wrapper
# for several results: at every compile it built one optimised wrapper per
# such signature (about 30 here), 10-13 ms of CPU in each process and in each
# pool thread that instantiates the module. Without it those exports take a
# return pointer (one i32 more, read back by the glue) and every export goes
# through V8's generic wrapper. The kernels' code is the same: rustc's wasm32
# C ABI never used several results.
build threaded "--features threads" "+simd128,+atomics,+bulk-memory,+mutable-globals,-multivalue" "$shared $max_mem"
build single "" "+simd128,+bulk-memory,+mutable-globals,-multivalue" "$max_mem"
build threaded-relaxed "--features threads" "+simd128,+relaxed-simd,+atomics,+bulk-memory,+mutable-globals,-multivalue" "$shared $max_mem"
build single-relaxed "" "+simd128,+relaxed-simd,+bulk-memory,+mutable-globals,-multivalue" "$max_mem"
# wasm-bindgen-rayon's helper (imported by the threaded glue, unused: the
# pools are started by cnn-worker, see packages/cnn-worker/src/web-pool.ts)
# imports a computed URL; mark it so bundlers do not warn about it.
sed -i 's|await import(data.mainJS)|await import(/* webpackIgnore: true */ /* @vite-ignore */ data.mainJS)|' \
  "$out"/threaded/snippets/wasm-bindgen-rayon-*/src/workerHelpers.no-bundler.js
ls -l "$out"/*/cnn_core_bg*.wasm
