/**
 * What every serverless function in this repository is built with: the
 * example (build.mjs) and the benchmark's peers on TF.js and onnxruntime-node
 * (benches/serverless.mjs), so that they are bundled, minified and zipped
 * alike.
 */
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * esbuild: `entry` and everything it imports, for Node 20, minified, into
 * `outfile` (an ES module unless `extra.format` says otherwise). `extra`
 * adds what differs between functions (externals, banner, format, alias).
 */
export function bundle(entry, outfile, extra = {}) {
  return build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    ...extra,
  });
}

/**
 * The banner an ES module bundle needs for its CommonJS dependencies, which
 * call require() (and, with `dirname`, read __dirname / __filename).
 */
export function requireBanner({ dirname = false } = {}) {
  const req = "import { createRequire as __cnnCreateRequire } from 'node:module'; const require = __cnnCreateRequire(import.meta.url);";
  const dir = " import { fileURLToPath as __cnnFileUrl } from 'node:url'; import { dirname as __cnnDirname } from 'node:path'; const __filename = __cnnFileUrl(import.meta.url); const __dirname = __cnnDirname(__filename);";
  return { js: dirname ? req + dir : req };
}

/** Every file under `dir`, as paths. */
export function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** `dir` zipped as a deployment package (wasm and weights at level 6, the rest 9). */
export function zipFolder(dir) {
  return zipSync(Object.fromEntries(files(dir).map((f) => [relative(dir, f), [readFileSync(f), { level: /\.(wasm|bin)$/.test(f) ? 6 : 9 }]])));
}
