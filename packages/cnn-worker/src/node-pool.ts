/**
 * rayon on Node's worker_threads.
 *
 * wasm-bindgen-rayon starts its pool with the browser `Worker` API, which
 * Node lacks. This is the same protocol over worker_threads: start `n - 1`
 * workers that instantiate the module on the shared memory and block in
 * `nodePoolWorkerStart()` waiting for a rayon `ThreadBuilder`; once all are
 * up, `nodePoolBuild(n)` builds the global pool with the calling thread as
 * thread 0 and hands one builder to each worker.
 *
 * The pool threads are started and watched by a supervisor thread
 * (node-pool-supervisor.ts), not by the thread that owns the core: that
 * thread blocks inside kernels, so it could not even receive the `exit`
 * event of a pool thread that dies mid-kernel, and rayon would wait for the
 * dead thread forever. The supervisor's event loop stays free: it marks the
 * core lost in shared memory and unblocks the waiting kernel (see
 * `nodePoolRescue`), so the kernel call throws and the executor reports a
 * clear error. The supervisor is `unref`ed, so an idle pool never keeps a
 * process alive.
 */
import { workerExecArgv } from './env.js';
import type { PoolHealth } from './health.js';
import type { CoreModule, WasmMemory, WasmModule } from './module.js';

export interface NodePoolWorkerData {
  glueUrl: string;
  module: WasmModule;
  memory: WasmMemory;
}

export interface SupervisorData extends NodePoolWorkerData {
  /** Pool threads to start (the core's own thread not counted). */
  workers: number;
  /** Int32Array view: [0] = 1-based index of the pool thread that died, 0 while all live. */
  flag: SharedArrayBuffer;
}

/** Supervisor -> owner. */
export type FromSupervisor = { type: 'ready' } | { type: 'start-failed'; message: string } | { type: 'died'; thread: number; why: string } | { type: 'killed'; id: number };
/** Owner -> supervisor. */
export type ToSupervisor = { type: 'built' } | { type: 'kill'; index: number; afterMs: number; id: number } | { type: 'stop' };

function lostError(thread: number, why: string | undefined, during: string | undefined): Error {
  const what = why ? ` (${why})` : '';
  const when = during ? ` while ${during} ran` : '';
  return new Error(`cnn-worker: pool thread ${thread} died${what}${when}; this core cannot run kernels any more, its tensors are lost`);
}

export async function startNodePool(glue: CoreModule, glueUrl: string, module: WasmModule, memory: WasmMemory, threads: number, health: PoolHealth): Promise<void> {
  if (!glue.nodePoolBuild) throw new Error('initThreadPool: this wasm build has no thread support');
  // Imported here, not at the top: browser bundles include this file (a
  // dynamic import of core.ts) and must not get a static `node:` import.
  const { Worker } = await import('node:worker_threads');
  const flag = new SharedArrayBuffer(4);
  const data: SupervisorData = { glueUrl, module, memory, workers: threads - 1, flag };
  // The pool threads inherit the supervisor's flags.
  const sup = new Worker(new URL('./node-pool-supervisor.js', import.meta.url), { workerData: data, execArgv: workerExecArgv() });
  // Not `removeAllListeners()` afterwards: on a Worker that also removes
  // what forwards its port's messages, and no message would arrive again.
  let onMessage = (_m: FromSupervisor) => undefined as void;
  let onError = (_e: Error) => undefined as void;
  let onExit = (_code: number) => undefined as void;
  let stopped = false;
  // The core may be replaced or lost while its pool is still starting
  // (`waitForThreads: false`); the full version is set below once it runs.
  health.stop = async () => {
    stopped = true;
    await sup.terminate();
  };
  await new Promise<void>((resolve, reject) => {
    onMessage = (m) => (m.type === 'ready' ? resolve() : reject(new Error(m.type === 'start-failed' ? m.message : `pool supervisor: unexpected message ${m.type}`)));
    onError = (e) => reject(new Error(`pool supervisor failed to start: ${e.message}`));
    onExit = (code) => reject(new Error(`pool supervisor exited with code ${code} while starting`));
    sup.on('message', onMessage).on('error', onError).on('exit', onExit);
  }).catch(async (e: unknown) => {
    await sup.terminate();
    // Stopped on purpose while starting: nothing failed.
    if (!stopped) throw e;
  });
  sup.off('message', onMessage).off('error', onError).off('exit', onExit);
  if (stopped) return;
  glue.nodePoolBuild(threads);
  const post = (m: ToSupervisor) => sup.postMessage(m);
  post({ type: 'built' });

  const dead = new Int32Array(flag);
  let why: string | undefined;
  const kills = new Map<number, () => void>();
  let nextKill = 0;
  health.poll = (during) => {
    const thread = Atomics.load(dead, 0);
    return thread === 0 ? undefined : lostError(thread, why, during);
  };
  sup.on('message', (m: FromSupervisor) => {
    if (m.type === 'died') {
      why = m.why;
      health.fail(lostError(m.thread, m.why, undefined));
    } else if (m.type === 'killed') {
      kills.get(m.id)?.();
      kills.delete(m.id);
    }
  });
  // The supervisor itself dying (it should not) also leaves nobody to watch.
  const supDied = (what: string) => {
    if (!stopped) health.fail(new Error(`cnn-worker: the pool supervisor ended (${what}); this core cannot run kernels any more, its tensors are lost`));
    for (const done of kills.values()) done();
    kills.clear();
  };
  sup.on('error', (e) => supDied(e.message));
  sup.on('exit', (code) => supDied(`exit code ${code}`));
  health.killThread = (i, afterMs = 0) => {
    if (!Number.isInteger(i) || i < 0 || i >= threads - 1) return Promise.reject(new Error(`killPoolThread: no pool thread ${i} (this pool has ${threads - 1})`));
    const id = nextKill++;
    // With a delay, resolves at once: this thread is meant to be busy (in a
    // kernel) when the kill lands. Without, resolves once the thread is gone
    // (the supervisor is ref'ed meanwhile, so the process waits for it).
    if (afterMs > 0) {
      post({ type: 'kill', index: i, afterMs, id });
      return Promise.resolve();
    }
    sup.ref();
    return new Promise<void>((resolve) => {
      kills.set(id, () => {
        sup.unref();
        resolve();
      });
      post({ type: 'kill', index: i, afterMs, id });
    });
  };
  health.stop = async () => {
    if (stopped) return;
    stopped = true;
    post({ type: 'stop' });
    await sup.terminate();
  };
  sup.unref();
}
