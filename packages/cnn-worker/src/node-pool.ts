/**
 * rayon on Node's worker_threads.
 *
 * wasm-bindgen-rayon starts its pool with the browser `Worker` API, which
 * Node lacks. This is the same protocol over worker_threads: start `n - 1`
 * workers that instantiate the module on the shared memory and block in
 * `nodePoolWorkerStart()` waiting for a rayon `ThreadBuilder`; once all are
 * up, `nodePoolBuild(n)` builds the global pool with the calling thread as
 * thread 0 and hands one builder to each worker. Workers are `unref`ed so
 * an idle pool never keeps a process alive.
 */
import type { CoreModule, WasmMemory, WasmModule } from './module.js';

export interface NodePoolWorkerData {
  glueUrl: string;
  module: WasmModule;
  memory: WasmMemory;
}

/** What the core keeps of a pool worker_thread. */
export interface PoolThread {
  terminate(): Promise<number>;
}

/**
 * Set when a pool thread of this module instance died (a trap in a kernel,
 * or terminated): rayon would wait for it, so the core must not run
 * kernels any more. Checked by the executor before every batch.
 */
export interface PoolHealth {
  failure: Error | undefined;
  /**
   * The pool's worker_threads (for fault-injection tests). Typed by the one
   * method used, so these declarations need no `node:` types: a browser
   * project type-checks cnn-worker without @types/node.
   */
  workers: PoolThread[];
  /** Called once when a thread dies. */
  onFailure?: (e: Error) => void;
}

export async function startNodePool(glue: CoreModule, glueUrl: string, module: WasmModule, memory: WasmMemory, threads: number, health?: PoolHealth): Promise<void> {
  if (!glue.nodePoolBuild) throw new Error('initThreadPool: this wasm build has no thread support');
  // Imported here, not at the top: browser bundles include this file (a
  // dynamic import of core.ts) and must not get a static `node:` import.
  const { Worker } = await import('node:worker_threads');
  const data: NodePoolWorkerData = { glueUrl, module, memory };
  const workers = Array.from({ length: threads - 1 }, () => new Worker(new URL('./node-pool-worker.js', import.meta.url), { workerData: data }));
  try {
    await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(`pool worker ${i}: unexpected message ${String(m)}`))));
            w.once('error', (e) => reject(new Error(`pool worker ${i} failed to start: ${e.message}`)));
            w.once('exit', (code) => reject(new Error(`pool worker ${i} exited with code ${code} while starting`)));
          }),
      ),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  glue.nodePoolBuild(threads);
  workers.forEach((w, i) => {
    w.removeAllListeners();
    // A dying pool thread must not crash the process (an unhandled 'error'
    // event would): it marks the core as broken instead.
    const died = (why: string) => {
      if (!health || health.failure) return;
      health.failure = new Error(`cnn-worker: pool thread ${i + 1} died (${why}); this core cannot run kernels any more, its tensors are lost`);
      health.onFailure?.(health.failure);
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    w.unref();
  });
  if (health) health.workers = workers;
}
