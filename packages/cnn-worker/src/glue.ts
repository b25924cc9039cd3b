import type { CoreModule, Flavor } from './module.js';
import { isNode } from './env.js';

/** Default location of the wasm builds: `<package>/wasm/<flavor>/`. */
export function defaultWasmBase(): string {
  // Node only (browsers use the literal per-flavour URLs below).
  return new URL(/* @vite-ignore */ '../wasm/', import.meta.url).href;
}

/**
 * The glue of a build at its default location, and the URL of its wasm.
 * Every path is a literal `import('…')` / `new URL('…', import.meta.url)`
 * so that bundlers (Vite, webpack, Rollup, esbuild for the browser worker)
 * see both files and emit them: no bundler configuration, no copying of
 * `wasm/` into a public folder.
 */
export function importDefaultGlue(flavor: Flavor): Promise<CoreModule> {
  // `as string` keeps TypeScript from type-checking the generated glue; the
  // emitted specifier is still a literal.
  // eager: webpack keeps the glue in the worker's chunk (see web-pool-worker.ts).
  return withSelfShim(
    () => (flavor === 'threaded' ? import(/* webpackMode: "eager" */ '../wasm/threaded/cnn_core.js' as string) : import(/* webpackMode: "eager" */ '../wasm/single/cnn_core.js' as string)) as Promise<CoreModule>,
  );
}

export function defaultWasmUrl(flavor: Flavor, relaxed: boolean): URL {
  if (flavor === 'threaded') {
    return relaxed ? new URL('../wasm/threaded/cnn_core_bg.relaxed.wasm', import.meta.url) : new URL('../wasm/threaded/cnn_core_bg.wasm', import.meta.url);
  }
  return relaxed ? new URL('../wasm/single/cnn_core_bg.relaxed.wasm', import.meta.url) : new URL('../wasm/single/cnn_core_bg.wasm', import.meta.url);
}

/**
 * Under Vite's dev server, cnn-worker's modules are served pre-bundled from
 * `node_modules/.vite/deps/`, and Vite's dependency optimizer does not copy
 * the files they reference with `new URL(…, import.meta.url)` there
 * (vitejs/vite#8427). Returns where the dev server serves the package's own
 * `file` instead (its real folder, whose URLs Vite rewrites correctly), or
 * undefined when not running from Vite's dependency cache.
 */
export function viteDevCacheFallback(file: string): URL | undefined {
  const here = import.meta.url;
  const at = here.indexOf('/node_modules/.vite/');
  return at < 0 ? undefined : new URL(`${here.slice(0, at)}/node_modules/cnn-worker/${file}`);
}

export function glueUrl(base: string, flavor: Flavor): string {
  return new URL(`${flavor}/cnn_core.js`, base.endsWith('/') ? base : base + '/').href;
}

export function wasmUrl(base: string, flavor: Flavor, relaxed: boolean): string {
  const file = relaxed ? 'cnn_core_bg.relaxed.wasm' : 'cnn_core_bg.wasm';
  return new URL(`${flavor}/${file}`, base.endsWith('/') ? base : base + '/').href;
}

/**
 * Imports the glue module. The threaded glue statically imports
 * wasm-bindgen-rayon's browser helper, whose top level listens on `self`
 * for messages; Node has no `self`, so in Node a placeholder event target
 * stands in for the duration of the import (the listener it gets never
 * fires) and is removed again.
 */
export async function importGlue(url: string): Promise<CoreModule> {
  return importModule(url);
}

/**
 * Like {@link importGlue}, but every call gets its own module instance (and
 * so its own wasm instance, memory and thread pool), by giving the URL a
 * distinct query. Benchmarks use this to run 1- and 2-thread cores side by
 * side in one process.
 */
let instances = 0;
export function instanceUrl(url: string): string {
  instances += 1;
  return instances === 1 ? url : `${url}?instance=${instances}`;
}

let importer = (url: string): Promise<unknown> => import(/* webpackIgnore: true */ /* @vite-ignore */ url);

/**
 * Sets how this package imports the ES modules it loads by URL (the glue of
 * a core that is not the process's first). Default: `import(url)`. For
 * code that cannot run a dynamic import: a bundle run as a `vm.Script`
 * (examples/serverless/entry.mjs), where it would become a `require`, gets
 * one from the ES module that runs it.
 */
export function setModuleImporter(importUrl: (url: string) => Promise<unknown>): void {
  importer = importUrl;
}

function importModule(url: string): Promise<CoreModule> {
  return withSelfShim(() => importer(url) as Promise<CoreModule>);
}

async function withSelfShim(load: () => Promise<CoreModule>): Promise<CoreModule> {
  const g = globalThis as { self?: unknown };
  const shim = isNode && !('self' in g);
  if (shim) g.self = new EventTarget();
  try {
    return await load();
  } finally {
    if (shim) delete g.self;
  }
}
