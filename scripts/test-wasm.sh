#!/usr/bin/env bash
# The crate's wasm-bindgen-test tests (crates/cnn-core/tests/wasm.rs) on the
# wasm32 + SIMD128 build, in Node: `wasm-pack test --node`, with the
# wasm-bindgen-test-runner that wasm-bindgen-cli installed (--mode
# no-install: wasm-pack downloads nothing). The first run compiles the
# crate's tests for wasm32 (a few minutes of 2 cores); later runs seconds.
# Then the same tests in headless Chromium (Debian's chromium +
# chromium-driver, which setup.sh installs), when chromedriver is there.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh
pick_wasm_toolchain || { echo "test-wasm: no wasm toolchain; run 'npm run setup' first" >&2; exit 1; }
# The single-threaded flavour's target features. Rust's prebuilt wasm32 std
# (rustup's wasm32-unknown-unknown target), not -Z build-std: wasm-pack
# builds the tests once with CARGO_BUILD_TARGET and again with --target,
# and the two std rebuilds collide (duplicate lang items).
export RUSTFLAGS="-C target-feature=+simd128"
export CARGO_TARGET_DIR="$PWD/target/wasm-test"
$WASM_PACK_ENV wasm-pack --log-level warn test --node --release --mode "$WASM_PACK_MODE" crates/cnn-core --test wasm
if [ -x /usr/bin/chromedriver ]; then
  # The runner picks the browser from WASM_BINDGEN_USE_BROWSER (the tests
  # name no platform), and reads the capabilities (Debian's binary, no
  # sandbox as root) from crates/cnn-core/webdriver.json.
  WASM_BINDGEN_USE_BROWSER=1 $WASM_PACK_ENV wasm-pack --log-level warn test --chrome --headless --chromedriver /usr/bin/chromedriver \
    --release --mode "$WASM_PACK_MODE" crates/cnn-core --test wasm
else
  echo "test-wasm: /usr/bin/chromedriver missing (apt-get install chromium-driver, or npm run setup): the headless Chromium run is skipped" >&2
fi
