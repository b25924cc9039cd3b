/**
 * The deployed function's entry point (build.mjs writes it as handler.mjs):
 * it runs the bundle, handler.body.cjs, with the V8 code cache that build.mjs
 * made for it (handler.body.cache), and exports its handlers.
 *
 * Why: Node 20 compiles every module's JavaScript at every cold start (it
 * has no compile cache; Node 22's `module.enableCompileCache` is the same
 * idea), and for the 470 kB bundle that, with the functions compiled on
 * their first call, is a third of the way to the first prediction. V8 can
 * instead deserialise the bytecode of a script compiled before, through
 * `vm.Script`'s `cachedData`, which takes a script, not an ES module: so the
 * bundle is CommonJS, wrapped in a function as Node wraps CommonJS modules.
 * The cache holds what one build-time request compiled (build.mjs runs
 * code-cache.mjs). V8 takes it only from the same V8 version and flags:
 * from another Node version it is rejected (`codeCache` says so) and the
 * bundle compiles as usual, about 30 ms slower; build the function with the
 * Node version it will run on (e.g. inside the platform's build image).
 *
 * cnn-worker's main-thread modules and its wasm glue are in the bundle
 * (build.mjs); the package stays beside it for the files it loads by URL:
 * the wasm, and the pool threads' modules. The bundle gets Node's built-ins
 * through the `require` it is given.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

const body = fileURLToPath(new URL('./handler.body.cjs', import.meta.url));
const cacheFile = fileURLToPath(new URL('./handler.body.cache', import.meta.url));
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(body, 'utf8')}\n})`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // Built without a cache (build.mjs --no-code-cache): compiled as usual.
}
const script = new Script(source, { filename: body, cachedData });
/** Whether V8 took the code cache: 'accepted', 'rejected' (another V8 version or flags) or 'none'. */
export const codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';

const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(import.meta.url), mod, body, fileURLToPath(new URL('.', import.meta.url)));
// cnn-worker turns on V8's relaxed SIMD flag (Node 20) when it loads the
// core, after this compile; V8 checks the flags a cache was made under.
// The bundle's run only started loading the core (it awaits the built-ins
// first), so the flag is still as the process started.
const relaxedAtStart = mod.exports.hasRelaxedSimd();
// A script has no import() of its own (esbuild made the bundle's require
// calls); cnn-worker imports the glue of a second core (a restart for other
// options) by URL, with this module's.
mod.exports.setModuleImporter((url) => import(url));

/** AWS Lambda (API Gateway / function URL events). */
export const handler = mod.exports.handler;
/** Vercel's Node runtime, or any node:http server. */
export default mod.exports.default;
/** For tests and the benchmark. */
export const classifier = mod.exports.classifier;

/**
 * Writes handler.body.cache: the bytecode of everything compiled so far
 * (code-cache.mjs calls it after a first request), under the V8 flags this
 * process started with, which are the ones the next cold start compiles under.
 */
export function writeCodeCache() {
  if (!relaxedAtStart && mod.exports.hasRelaxedSimd()) setFlagsFromString('--no-experimental-wasm-relaxed-simd');
  writeFileSync(cacheFile, script.createCachedData());
}
