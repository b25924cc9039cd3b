#!/usr/bin/env bash
# Installs every tool the build and the tests need, from this repository's
# own files. Idempotent, and quick when everything is already there.
#   - a Rust toolchain that can build std for wasm32 (rustup nightly +
#     rust-src, else Debian's rustc-web + rust-web-src + lld-19)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - wasm-pack (pinned below), which drives cargo and wasm-bindgen in the
#     wasm build and runs the crate's wasm-bindgen-test tests
#   - wabt (wasm-objdump, used by a test), chromium and chromium-driver
#     (browser tests)
#   - the npm packages (npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root to run: $*" >&2; return 1; fi
}

apt_missing=()
need_apt() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }

# 1. wasm toolchain.
if ! pick_wasm_toolchain; then
  if command -v rustup >/dev/null 2>&1 && rustup toolchain install nightly --profile minimal -c rust-src >/dev/null 2>&1 && pick_wasm_toolchain; then
    :
  else
    echo "setup: rustup nightly + rust-src not available; using Debian's rustc-web"
    need_apt rustc-web; need_apt cargo-web; need_apt rust-web-src; need_apt lld-19
  fi
fi
# 2. test tools.
command -v wasm-objdump >/dev/null 2>&1 || need_apt wabt
[ -x /usr/bin/chromium ] || need_apt chromium
# chromium-driver: the crate's wasm-bindgen-test tests in headless Chromium.
[ -x /usr/bin/chromedriver ] || need_apt chromium-driver
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${apt_missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi
pick_wasm_toolchain || { echo "setup: still no wasm toolchain" >&2; exit 1; }
echo "setup: wasm toolchain: $WASM_TOOLCHAIN"
# rustup's prebuilt wasm32 std: wasm-pack's target check and the crate's
# wasm-bindgen-test tests (scripts/test-wasm.sh) use it (quick when present).
if [ "${WASM_PACK_MODE:-}" = no-install ] && ! rustup target list --installed --toolchain nightly 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: rustup target add wasm32-unknown-unknown (nightly)"
  rustup target add --toolchain nightly wasm32-unknown-unknown
fi

# 3. wasm-bindgen-cli, same version as the wasm-bindgen crate in Cargo.lock
#    (the CLI refuses modules made by another version).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: cargo install wasm-bindgen-cli $want (have: ${have:-none})"
  # --locked first; the registry mirror here lacks one pinned dependency
  # of the CLI's own lockfile, so fall back to fresh resolution.
  cargo install -q wasm-bindgen-cli --version "$want" --locked 2>/dev/null ||
    cargo install -q wasm-bindgen-cli --version "$want"
fi
echo "setup: $(wasm-bindgen --version)"

# 3b. wasm-pack, pinned (its --locked dependencies resolve from crates.io).
#     Compiling it takes several minutes of 2 cores, once per machine.
wasm_pack_want=0.15.1
wasm_pack_have=$(wasm-pack --version 2>/dev/null | awk '{print $2}' || true)
if [ "$wasm_pack_have" != "$wasm_pack_want" ]; then
  echo "setup: cargo install wasm-pack $wasm_pack_want (have: ${wasm_pack_have:-none})"
  cargo install -q wasm-pack --version "$wasm_pack_want" --locked
fi
echo "setup: $(wasm-pack --version)"

# 4. npm packages.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci refuses a lockfile that names an optional package the registry
  # does not have; npm install tolerates it, so fall back to that.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi
echo "setup: done"
