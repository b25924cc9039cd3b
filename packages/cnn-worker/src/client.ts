/**
 * Main-thread side of the worker: starts it, wraps it with comlink, and
 * turns a worker that dies (out of memory, crash) into rejected promises
 * instead of calls that hang forever.
 */
import * as Comlink from 'comlink';
import type { LoadOptions } from './core.js';
import type { CoreInfo } from './module.js';
import { POOL_LOST_EXIT_CODE, type BatchResult, type Command, type ExecutorStats, type StatsOptions } from './protocol.js';
import type { WorkerApi } from './worker.js';
import { isNode, workerExecArgv } from './env.js';
import { nodeModules } from './node-modules.js';
import { viteDevCacheFallback } from './glue.js';

export interface WorkerClient {
  readonly info: CoreInfo;
  /** Runs a batch; `upload` buffers are transferred (detached on this side). */
  submit(batch: Command[]): Promise<BatchResult>;
  stats(opts?: StatsOptions): Promise<ExecutorStats>;
  resetThreadTaskCounts(): Promise<void>;
  /** Fault injection for tests: terminates one of the worker's thread-pool workers (after `afterMs`, counted in the worker). */
  killPoolThread(i: number, afterMs?: number): Promise<void>;
  /** Fault injection for tests: thread-pool worker `thread` traps inside a kernel task after `afterTasks` more. */
  injectPoolFault(thread: number, afterTasks: number): Promise<void>;
  /** True once the worker has died or was terminated. */
  readonly dead: boolean;
  terminate(): Promise<void>;
}

export interface SpawnOptions extends LoadOptions {
  /** URL of the worker script (default: this package's `worker.js`). */
  workerUrl?: string;
  /** Called once when the worker dies or is terminated (with why). */
  onDeath?: (e: Error) => void;
}

/**
 * Calls in flight, so that a death rejects exactly them. (Racing every call
 * against one never-settled "died" promise instead left a reaction on it
 * per call: the main thread's heap grew with every read.) In Node the
 * worker is `ref`ed only while calls are in flight, so an idle worker never
 * keeps the process alive and a pending call never lets it exit.
 */
class InFlight {
  private readonly pending = new Set<(e: Error) => void>();
  constructor(private readonly busy: (yes: boolean) => void) {}

  track<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      if (this.pending.size === 1) this.busy(true);
      const done = () => {
        this.pending.delete(reject);
        if (this.pending.size === 0) this.busy(false);
      };
      p.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  rejectAll(e: Error): void {
    const all = [...this.pending];
    this.pending.clear();
    this.busy(false);
    for (const r of all) r(e);
  }
}

export async function spawnWorker(opts: SpawnOptions = {}): Promise<WorkerClient> {
  let dead: Error | undefined;
  let endpoint: Comlink.Endpoint;
  let terminate: () => Promise<void>;
  let setRef: (yes: boolean) => void = () => undefined;
  const inFlight = new InFlight((yes) => setRef(yes));
  const kill = (why: string) => {
    if (dead) return;
    dead = new Error(`cnn-worker: the worker died (${why}); its tensors are lost`);
    inFlight.rejectAll(dead);
    opts.onDeath?.(dead);
  };
  if (isNode) {
    const { workerThreads, nodeEndpoint } = await nodeModules();
    const { Worker } = await workerThreads();
    const w = new Worker(new URL(opts.workerUrl ?? new URL('./worker.js', import.meta.url).href), { execArgv: workerExecArgv() });
    w.on('error', (e) => kill(e.message));
    w.on('exit', (code) => kill(code === POOL_LOST_EXIT_CODE ? `exit code ${code}: a pool thread of its core died` : `exit code ${code}`));
    setRef = (yes) => (yes && !dead ? w.ref() : w.unref());
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
  const guard = <T>(call: () => Promise<T>): Promise<T> => (dead ? Promise.reject(dead) : inFlight.track(call()));
  const { workerUrl: _url, onDeath: _onDeath, ...load } = opts;
  let info: CoreInfo;
  try {
    info = await guard(() => remote.init(load));
  } catch (e) {
    await terminate();
    throw e;
  }
  return {
    info,
    submit: (batch) => {
      const transfers = batch.flatMap((c) => (c.kind === 'upload' ? [c.data.buffer as ArrayBuffer] : []));
      return guard(() => remote.submit(Comlink.transfer(batch, transfers)));
    },
    stats: (opts) => guard(() => remote.stats(opts)),
    resetThreadTaskCounts: () => guard(() => remote.resetThreadTaskCounts()),
    killPoolThread: (i, afterMs) => guard(() => remote.killPoolThread(i, afterMs)),
    injectPoolFault: (thread, afterTasks) => guard(() => remote.injectPoolFault(thread, afterTasks)),
    get dead() {
      return dead !== undefined;
    },
    terminate,
  };
}
