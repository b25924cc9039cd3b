#!/usr/bin/env bash
# What `npm run train` / `npm test` do first on any clone: set up what is
# missing (tools, npm packages) and build (incremental, seconds when
# nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-env.sh
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! pick_wasm_toolchain || [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ] || ! command -v wasm-pack >/dev/null ||
  [ ! -d node_modules ] || ! command -v wasm-objdump >/dev/null || [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  bash scripts/setup.sh
fi
log=$(mktemp)
bash scripts/build.sh >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
rm -f "$log"
