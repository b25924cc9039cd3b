/**
 * Worker entry point: loads the core in this worker and serves command
 * batches over comlink. Runs as a module Web Worker in browsers and as a
 * worker_threads worker in Node.
 */
import * as Comlink from 'comlink';
import { loadCore, type LoadOptions } from './core.js';
import { Executor } from './executor.js';
import type { CoreInfo } from './module.js';
import type { BatchResult, Command, ExecutorStats, StatsOptions } from './protocol.js';
import { isNode } from './env.js';
import { POOL_LOST_EXIT_CODE } from './protocol.js';
import { nodeModules } from './node-modules.js';

export class WorkerApi {
  private executor: Executor | undefined;

  async init(opts: LoadOptions): Promise<CoreInfo> {
    if (this.executor) throw new Error('init: the worker is already initialised');
    const core = await loadCore(opts);
    this.executor = new Executor(core);
    // A dead thread-pool worker breaks this core for good: end this worker so that
    // the main thread rejects what is pending and starts a fresh one (the
    // client reads exit code 70 as this).
    if (isNode) core.health.onFailure = () => process.exit(POOL_LOST_EXIT_CODE);
    return core.info;
  }

  /** Fault injection for tests: terminates thread-pool worker `i` (Node), after `afterMs`. */
  async killPoolThread(i: number, afterMs?: number): Promise<void> {
    const kill = this.ready().core.health.killThread;
    if (!kill) throw new Error('killPoolThread: this core has no Node pool');
    await kill(i, afterMs);
  }

  /** Fault injection for tests: thread-pool worker `thread` traps inside a kernel task after `afterTasks` more (see `injectPoolFault`; "pool" there is the thread pool). */
  injectPoolFault(thread: number, afterTasks: number): void {
    this.ready().core.raw.injectPoolFault(thread, afterTasks);
  }

  submit(batch: Command[]): BatchResult {
    const result = this.ready().submit(batch);
    return Comlink.transfer(result, result.reads.map((r) => r.buffer as ArrayBuffer));
  }

  stats(opts?: StatsOptions): ExecutorStats {
    return this.ready().stats(opts);
  }

  resetThreadTaskCounts(): void {
    this.ready().resetThreadTaskCounts();
  }

  private ready(): Executor {
    if (!this.executor) throw new Error('the worker is not initialised: call init() first');
    return this.executor;
  }
}

const api = new WorkerApi();
// No top-level await: bundlers build workers as classic scripts by default
// (Vite's worker format 'iife'), which cannot have one.
if (isNode) {
  void nodeModules().then(async ({ workerThreads, nodeEndpoint }) => Comlink.expose(api, nodeEndpoint((await workerThreads()).parentPort!)));
} else {
  Comlink.expose(api);
}
