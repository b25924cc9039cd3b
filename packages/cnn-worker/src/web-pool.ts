/**
 * rayon on Web Workers, with the same protocol as Node's pool
 * (node-pool.ts): `threads - 1` module workers instantiate the module on
 * the shared memory and block in `nodePoolWorkerStart()`; once all are up,
 * `nodePoolBuild(threads)` builds the global pool with the calling worker
 * as thread 0.
 *
 * Used instead of wasm-bindgen-rayon's `initThreadPool`, whose workers
 * re-spawn the helper script from a `blob:` URL and import the glue by a
 * computed URL: neither survives a bundler's dev server (Vite injects an
 * absolute `/@vite/client` import that a `blob:` script cannot resolve, and
 * the pool hangs), and the import map of a page without a bundler does not
 * reach them. A literal `new Worker(new URL(…, import.meta.url))` is what
 * Vite, webpack and browsers all understand.
 */
import type { CoreModule, WasmMemory, WasmModule } from './module.js';

/** The message each pool worker gets (web-pool-worker.ts). */
export interface WebPoolInit {
  module: WasmModule;
  memory: WasmMemory;
  /** Glue to import; absent: the package's own threaded glue. */
  glueUrl?: string;
}

// Kept so that the workers are never garbage-collected while the pool runs.
const pools: Worker[][] = [];

export async function startWebPool(glue: CoreModule, module: WasmModule, memory: WasmMemory, threads: number, glueUrl?: string): Promise<void> {
  if (!glue.nodePoolBuild) throw new Error('initThreadPool: this wasm build has no thread support');
  const init: WebPoolInit = { module, memory, glueUrl };
  const workers = Array.from({ length: threads - 1 }, () => new Worker(new URL('./web-pool-worker.browser.js', import.meta.url), { type: 'module' }));
  try {
    await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            w.addEventListener('message', (e: MessageEvent) => (e.data === 'ready' ? resolve() : reject(new Error(`pool worker ${i}: ${String(e.data)}`))), { once: true });
            w.addEventListener('error', (e: ErrorEvent) => reject(new Error(`pool worker ${i} failed to start: ${e.message || 'error event (script not found or not a module?)'}`)), { once: true });
            w.postMessage(init);
          }),
      ),
    );
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
  glue.nodePoolBuild(threads);
  pools.push(workers);
}
