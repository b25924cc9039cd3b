#!/usr/bin/env bash
# Builds both wasm flavours, then the TypeScript packages, then the
# self-contained browser worker bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm.sh
npx tsc -b packages/cnn-worker packages/cnn-ts
# For pages without a bundler: the worker with comlink inlined, next to
# worker.js so its default wasm location (../wasm/) still holds.
npx esbuild packages/cnn-worker/dist/worker.js --bundle --format=esm --platform=browser \
  --external:node:* --log-level=warning --outfile=packages/cnn-worker/dist/worker.browser.js
echo "build: done"
