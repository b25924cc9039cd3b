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
// (a vm.Script has no module loader of its own): the bundled decoders, the
// first core's wasm glue and Node's built-ins. cnn-worker imports the glue of
// any further core (a restart) by URL, through the import() entry.mjs gives it.
// cnn-worker's main-thread modules and the glue of its first core are in the
// bundle too, so they run from the code cache: as ES modules of their own,
// Node loads them one at a time (resolve, read, compile), 8-11 ms of a cold
// start. Their `import.meta.url` is their file in node_modules/cnn-worker/dist/,
// which is still there beside the bundle: the URLs they resolve against it
// (`../wasm/`, the pool's worker scripts) hold.
await bundle(join(repo, 'examples/serverless/handler.ts'), join(out, 'handler.body.cjs'), {
  format: 'cjs',
  alias: { 'cnn-ts': join(repo, 'packages/cnn-ts/dist/index.js') },
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__cnnWorkerUrl' },
  banner: { js: "var __cnnWorkerUrl = require('node:url').pathToFileURL(__dirname + '/node_modules/cnn-worker/dist/index.js').href;" },
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
