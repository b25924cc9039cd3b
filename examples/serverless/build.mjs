#!/usr/bin/env node
/**
 * Builds the deployable function: esbuild bundles examples/serverless/handler.ts
 * (cnn-ts, pngjs, jpeg-js inlined) into one CommonJS script, handler.body.cjs,
 * which handler.mjs (entry.mjs) runs with a V8 code cache made here by one
 * request (code-cache.mjs; see entry.mjs for why); cnn-worker stays a real
 * package beside it (its wasm builds and pool worker are files it loads by
 * URL), with comlink, its one dependency; the model saved by `npm run train`
 * goes in model/. Then it zips the folder (fflate) as AWS Lambda takes it.
 *
 *   node examples/serverless/build.mjs [--model DIR] [--out DIR] [--no-zip] [--no-code-cache]
 *
 * Writes DIR (default out/serverless/) and DIR.zip, and prints their sizes as
 * JSON on the last line. Handler: `handler.handler` (Lambda, Node 20+), or the
 * default export for Vercel's Node runtime. Build with the Node version the
 * function runs on, or its code cache is rejected (and it starts slower).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle, files, zipFolder } from './bundle.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: 'model' },
    out: { type: 'string', default: join(repo, 'out/serverless') },
    'no-zip': { type: 'boolean', default: false },
    'no-code-cache': { type: 'boolean', default: false },
  },
});
const out = resolve(opts.out);
const modelDir = resolve(opts.model);
if (!existsSync(join(modelDir, 'model.json'))) {
  console.error(`build: no model at ${modelDir}/model.json; run 'npm run train' first (or pass --model DIR)`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// CommonJS, for vm.Script's code cache (entry.mjs). cnn-ts's platform-neutral
// entry: its Node entry awaits the core at import (top-level await, which a
// CommonJS script cannot have); the handler awaits `tf.ready()` itself, and
// the core still starts at import. Dynamic imports become require() calls
// (a vm.Script has no module loader of its own): the bundled decoders and
// Node's built-ins.
await bundle(join(repo, 'examples/serverless/handler.ts'), join(out, 'handler.body.cjs'), {
  format: 'cjs',
  external: ['cnn-worker'],
  alias: { 'cnn-ts': join(repo, 'packages/cnn-ts/dist/index.js') },
  supported: { 'dynamic-import': false },
});
cpSync(join(repo, 'examples/serverless/entry.mjs'), join(out, 'handler.mjs'));

/** Copies the files of package `name` that match `keep` into out/node_modules/name. */
function copyPackage(name, keep) {
  const from = dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`)));
  const to = join(out, 'node_modules', name);
  for (const e of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = relative(from, join(e.parentPath, e.name));
    if (rel === 'package.json' || keep(rel)) cpSync(join(from, rel), join(to, rel));
  }
}
copyPackage('cnn-worker', (p) => /^dist\/[^/]+\.js$/.test(p) && !p.endsWith('.browser.js') || /^wasm\/(threaded|single)\/(cnn_core\.js|cnn_core_bg(\.relaxed)?\.wasm|snippets\/.*\.js)$/.test(p) || p === 'LICENSE');
// comlink's main is its UMD file (what Node imports); node-only.js imports the ES node adapter.
copyPackage('comlink', (p) => p === 'dist/umd/comlink.js' || p === 'dist/esm/node-adapter.mjs' || p === 'LICENSE');
// What the function's thread imports of cnn-worker, as one module beside its
// files (so that its URLs, `../wasm/` and the pool's worker scripts, hold):
// Node loads ES modules one at a time (resolve, read, compile), and
// cnn-worker's 15, with comlink's CommonJS build, took 25-35 ms of the cold
// start. The pool threads still load the package's own files.
await bundle(join(out, 'node_modules/cnn-worker/dist/index.js'), join(out, 'node_modules/cnn-worker/dist/node.bundle.js'), { external: ['node:*', '../wasm/*'] });
cpSync(modelDir, join(out, 'model'), { recursive: true, filter: (p) => !/\.(png|onnx)$/.test(p) });
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');

if (!opts['no-code-cache']) {
  execFileSync(process.execPath, [join(repo, 'examples/serverless/code-cache.mjs'), out], { stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
}

const all = files(out);
const sizes = { files: all.length, bytes: all.reduce((s, f) => s + statSync(f).size, 0), handlerBytes: statSync(join(out, 'handler.body.cjs')).size, zipBytes: 0, zip: '' };
if (!opts['no-zip']) {
  const zip = zipFolder(out);
  sizes.zip = `${out}.zip`;
  writeFileSync(sizes.zip, zip);
  sizes.zipBytes = zip.length;
}
console.log(`build: ${out} (${sizes.files} files, ${(sizes.bytes / 1e6).toFixed(2)} MB)${sizes.zip ? `, ${sizes.zip} ${(sizes.zipBytes / 1e6).toFixed(2)} MB` : ''}`);
console.log(JSON.stringify(sizes));
