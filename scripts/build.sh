#!/usr/bin/env bash
# Builds both wasm flavours, then the TypeScript packages, then the
# self-contained browser worker bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh
npx tsc -b packages/cnn-worker packages/cnn-ts
# The browser workers as single files (comlink and the glue inlined, no
# bare specifier, no dynamic import): they run from pages that resolve
# packages with an import map (a worker does not see it), and bundlers can
# build them in any worker format (Vite's default, iife, allows no code
# splitting). They stay in dist/ so their `../wasm/` URLs still hold.
for w in worker web-pool-worker; do
  npx esbuild "packages/cnn-worker/dist/$w.js" --bundle --format=esm --platform=browser \
    --log-level=warning --outfile="packages/cnn-worker/dist/$w.browser.js"
done
echo "build: done"
