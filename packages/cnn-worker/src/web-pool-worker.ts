/**
 * Entry point of one rayon pool thread in browsers (see web-pool.ts). It
 * imports only the glue (by a relative, literal path): no bare specifiers,
 * so it runs without an import map and needs no bundling.
 */
import type { CoreModule } from './module.js';
import type { WebPoolInit } from './web-pool.js';
// By name: a pool thread calls only these two, so bundlers leave the
// glue's ~90 export wrappers out of this worker's file (its gzipped JS
// counts against the browser budget, tests/bundlers.test.ts).
import { initSync, nodePoolWorkerStart } from '../wasm/threaded/cnn_core.js';

const scope = globalThis as unknown as { addEventListener(type: 'message', f: (e: MessageEvent<WebPoolInit>) => void, o: { once: boolean }): void; postMessage(m: unknown): void };

scope.addEventListener(
  'message',
  (e) => {
    const { module, memory, glueUrl } = e.data;
    const load = glueUrl ? import(/* webpackIgnore: true */ /* @vite-ignore */ glueUrl) : Promise.resolve({ initSync, nodePoolWorkerStart });
    (load as Promise<CoreModule>).then(
      (glue) => {
        glue.initSync({ module, memory });
        scope.postMessage('ready');
        // Blocks this thread in rayon's worker loop for the life of the pool.
        glue.nodePoolWorkerStart!();
      },
      (err: unknown) => scope.postMessage(`could not load the glue: ${err instanceof Error ? err.message : String(err)}`),
    );
  },
  { once: true },
);
