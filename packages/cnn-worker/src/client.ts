/**
 * Main-thread side of the worker: starts it, wraps it with comlink, and
 * turns a worker that dies (out of memory, crash) into rejected promises
 * instead of calls that hang forever.
 */
import * as Comlink from 'comlink';
import type { LoadOptions } from './core.js';
import type { CoreInfo } from './module.js';
import type { BatchResult, Command, ExecutorStats } from './protocol.js';
import type { WorkerApi } from './worker.js';
import { isNode } from './env.js';
import { nodeModules } from './node-modules.js';
import { viteDevCacheFallback } from './glue.js';

export interface WorkerClient {
  readonly info: CoreInfo;
  /** Runs a batch; `upload` buffers are transferred (detached on this side). */
  submit(batch: Command[]): Promise<BatchResult>;
  stats(): Promise<ExecutorStats>;
  resetThreadTaskCounts(): Promise<void>;
  /** True once the worker has died or was terminated. */
  readonly dead: boolean;
  terminate(): Promise<void>;
}

export interface SpawnOptions extends LoadOptions {
  /** URL of the worker script (default: this package's `worker.js`). */
  workerUrl?: string;
}

interface Death {
  promise: Promise<never>;
  fire(e: Error): void;
}

function death(): Death {
  let fire!: (e: Error) => void;
  const promise = new Promise<never>((_, reject) => (fire = reject));
  promise.catch(() => undefined); // observed only through race()
  return { promise, fire };
}

export async function spawnWorker(opts: SpawnOptions = {}): Promise<WorkerClient> {
  const died = death();
  let dead = false;
  let endpoint: Comlink.Endpoint;
  let terminate: () => Promise<void>;
  const kill = (why: string) => {
    if (!dead) {
      dead = true;
      died.fire(new Error(`cnn-worker: the worker died (${why}); its tensors are lost`));
    }
  };
  if (isNode) {
    const { Worker, nodeEndpoint } = await nodeModules();
    const w = new Worker(new URL(opts.workerUrl ?? new URL('./worker.js', import.meta.url).href));
    w.on('error', (e) => kill(e.message));
    w.on('exit', (code) => kill(`exit code ${code}`));
    endpoint = nodeEndpoint(w);
    terminate = async () => {
      kill('terminated');
      await w.terminate();
    };
  } else {
    // Written literally so that bundlers (Vite, webpack) find and emit the
    // worker. It is the self-contained build (comlink inlined, no bare
    // specifiers), so it also runs from a page that resolves `cnn-worker`
    // with an import map, which a worker does not inherit.
    const devUrl = opts.workerUrl === undefined ? viteDevCacheFallback('dist/worker.browser.js') : undefined;
    const w = opts.workerUrl
      ? new Worker(opts.workerUrl, { type: 'module' })
      : devUrl
        ? new Worker(devUrl, { type: 'module' })
        : new Worker(new URL('./worker.browser.js', import.meta.url), { type: 'module' });
    w.addEventListener('error', (e) => kill(e.message || 'error event'));
    endpoint = w;
    terminate = async () => {
      kill('terminated');
      w.terminate();
    };
  }
  const remote = Comlink.wrap<WorkerApi>(endpoint);
  const guard = <T>(p: Promise<T>): Promise<T> => (dead ? died.promise : Promise.race([p, died.promise]));
  const { workerUrl: _ignored, ...load } = opts;
  const info = await guard(remote.init(load));
  return {
    info,
    submit: (batch) => {
      const transfers = batch.flatMap((c) => (c.kind === 'upload' ? [c.data.buffer as ArrayBuffer] : []));
      return guard(remote.submit(Comlink.transfer(batch, transfers)));
    },
    stats: () => guard(remote.stats()),
    resetThreadTaskCounts: () => guard(remote.resetThreadTaskCounts()),
    get dead() {
      return dead;
    },
    terminate,
  };
}
