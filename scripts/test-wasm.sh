#!/usr/bin/env bash
# The crate's wasm-bindgen-test tests (crates/cnn-core/tests/wasm.rs) on the
# wasm32 + SIMD128 build, in Node, with the wasm-bindgen-test-runner that
# wasm-bindgen-cli installed. The first run compiles std and the crate's
# tests for wasm32 (about a minute of 2 cores); later runs seconds.
# Then the same tests in headless Chromium (Debian's chromium +
# chromium-driver, which setup.sh installs), when chromedriver is there.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh
pick_wasm_toolchain || { echo "test-wasm: no wasm toolchain; run 'npm run setup' first" >&2; exit 1; }
# The single-threaded flavour's target features, on a std built from source
# (-Z build-std, as the wasm builds do): rustup's prebuilt wasm32 std is not
# on these machines (`rustup target add` needs a server they cannot reach)
# and Debian ships none for its 1.96. cargo runs the tests itself, with
# wasm-bindgen-test-runner as the target's runner; wasm-pack test cannot
# (it builds the tests twice, and the two std builds collide: duplicate lang
# items). The test binary unwinds (libtest's harness) while the release
# profile aborts, and a std built both ways collides too, so the profile's
# panic setting is overridden to unwind here.
runner=$(command -v wasm-bindgen-test-runner) || { echo "test-wasm: wasm-bindgen-test-runner is not on PATH; run 'npm run setup' (cargo install wasm-bindgen-cli)" >&2; exit 1; }
wasm_test() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$runner" RUSTFLAGS="-C target-feature=+simd128 $WASM_LINKER_FLAGS" \
    CARGO_TARGET_DIR="$PWD/target/wasm-test" $CARGO_WASM test --release --config 'profile.release.panic="unwind"' \
    --target wasm32-unknown-unknown -Z build-std=std,panic_abort -p cnn-core --test wasm
}
wasm_test
if [ -x /usr/bin/chromedriver ]; then
  # The runner picks the browser from WASM_BINDGEN_USE_BROWSER (the tests
  # name no platform) and headless by default, and reads the capabilities
  # (Debian's binary, no sandbox as root) from crates/cnn-core/webdriver.json.
  WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm_test
else
  echo "test-wasm: /usr/bin/chromedriver missing (apt-get install chromium-driver, or npm run setup): the headless Chromium run is skipped" >&2
fi
