#!/usr/bin/env bash
# The whole test suite: the crate's tests natively, then vitest (Node,
# the wasm build, headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh
cargo test -p cnn-core
# The kernels against their scalar references in the relaxed build's fused
# multiply-add arithmetic (tolerances instead of bit equality).
cargo test -p cnn-core --features fused --lib
npx vitest run
