/**
 * The engine: one per process or page. It owns the connection to the core
 * (in this thread, or a worker), the queue of commands not yet sent, tensor
 * ids, memory accounting, `tidy` scopes, and the gradient tape.
 *
 * Ops do not wait for the core: they validate their arguments, infer the
 * output shape, queue a command and return a tensor at once. The queue goes
 * to the core in one batch when something reads data back (`data()`,
 * `array()`), when it grows long, or on `flush()`.
 */
import { Executor, isNode, loadCore, spawnWorker, type BatchResult, type Command, type CoreInfo, type ExecutorStats, type StatsOptions, type WorkerClient } from 'cnn-worker';
import type { Tensor } from './tensor.js';

/** How to start the core; see {@link ready}. */
export interface ReadyOptions {
  /** Threads that run kernels (default: all cores where threads are available). */
  threads?: number;
  /**
   * `'inline'`: the core runs in this thread (Node only; kernels block the
   * caller, like tfjs-node). `'worker'`: in a dedicated worker, nothing
   * blocks (the only choice in browsers). Default: inline in Node, worker in
   * browsers.
   */
  mode?: 'inline' | 'worker';
  /** Force the threaded or the single-threaded SIMD build. */
  flavor?: 'threaded' | 'single';
  /**
   * `'strict'` SIMD128 (bit-identical on every machine), `'relaxed'` SIMD
   * (fused multiply-adds: faster, within 1e-5 relative of strict), or
   * `'auto'` (default): relaxed where the engine has it. Reported as
   * `relaxedSimd` in the backend info.
   */
  simd?: 'auto' | 'relaxed' | 'strict';
  /** Where the wasm builds live (default: next to cnn-worker). */
  wasmBase?: string;
  /** Worker script URL (browsers without a bundler: cnn-worker's `dist/worker.browser.js`). */
  workerUrl?: string;
  /**
   * Node, `threads > 1`: `false` resolves `ready()` as soon as ops can run,
   * on one thread, while the thread pool's threads start; they join when they are
   * up (a serverless function's first request then need not wait 50-200 ms
   * for them). Default `true`: `ready()` waits for every thread. (The core
   * Node starts at import never waits: ops run from the first line.)
   */
  waitForThreads?: boolean;
}

/** What {@link ready} reports. */
export interface BackendInfo extends CoreInfo {
  mode: 'inline' | 'worker';
}

interface Backend {
  info: BackendInfo;
  /** Resolves once every thread of the thread pool runs ops (rejects if the thread pool could not start). */
  threadsReady: Promise<void>;
  /** Starts the thread pool now if it waits for its turn (inline mode, see `loadCore`'s `waitForThreads`). */
  startThreads(): void;
  /** Set in inline mode: batches can run synchronously. */
  inline: Executor | null;
  submit(batch: Command[]): Promise<BatchResult>;
  stats(opts?: StatsOptions): Promise<ExecutorStats>;
  terminate(): Promise<void>;
  /** Fault injection for tests: terminates thread-pool worker `i` of the core (after `afterMs`, counted off this thread). */
  killPoolThread(i: number, afterMs?: number): Promise<void>;
  /** Fault injection for tests: thread-pool worker `thread` (1..n-1) traps inside a kernel task after `afterTasks` more. */
  injectPoolFault(thread: number, afterTasks: number): Promise<void>;
}

async function startBackend(opts: ReadyOptions, onDeath: (b: Backend) => void): Promise<Backend> {
  const mode = opts.mode ?? (isNode ? 'inline' : 'worker');
  if (mode === 'inline') {
    if (!isNode) throw new Error("ready: mode 'inline' is for Node; browsers run the core in a worker");
    // Never waits here for the thread pool: `ready()` waits for `threadsReady` unless told not to.
    const core = await loadCore({ threads: opts.threads, flavor: opts.flavor, simd: opts.simd, wasmBase: opts.wasmBase, waitForThreads: false });
    const ex = new Executor(core);
    const backend: Backend = {
      info: { ...core.info, mode },
      threadsReady: core.threadsReady,
      startThreads: () => core.startThreads(),
      inline: ex,
      submit: async (batch) => ex.submit(batch),
      stats: async (o) => ex.stats(o),
      // Ends the thread pool's workers, so the old core's memory can be freed.
      terminate: async () => core.health.stop?.(),
      killPoolThread: async (i, afterMs) => {
        if (!core.health.killThread) throw new Error('killPoolThread: this core has no Node pool');
        await core.health.killThread(i, afterMs);
      },
      injectPoolFault: async (thread, afterTasks) => core.raw.injectPoolFault(thread, afterTasks),
    };
    // A thread-pool worker died: the next op starts a fresh core.
    core.health.onFailure = () => onDeath(backend);
    return backend;
  }
  let backend: Backend | undefined;
  let diedEarly = false;
  const w: WorkerClient = await spawnWorker({
    threads: opts.threads,
    flavor: opts.flavor,
    simd: opts.simd,
    wasmBase: opts.wasmBase,
    waitForThreads: opts.waitForThreads,
    workerUrl: opts.workerUrl,
    onDeath: () => (backend ? onDeath(backend) : (diedEarly = true)),
  });
  backend = {
    info: { ...w.info, mode },
    // The worker's `init` returns once its core is loaded as `waitForThreads` says.
    threadsReady: Promise.resolve(),
    startThreads: () => undefined,
    inline: null,
    submit: (batch) => w.submit(batch),
    stats: (o) => w.stats(o),
    terminate: () => w.terminate(),
    killPoolThread: (i, afterMs) => w.killPoolThread(i, afterMs),
    injectPoolFault: (thread, afterTasks) => w.injectPoolFault(thread, afterTasks),
  };
  if (diedEarly) throw new Error('ready: the worker died while starting');
  return backend;
}

/** Whether a running core is what `opts` asks for (so `ready(opts)` need not restart it). */
async function satisfies(info: BackendInfo, opts: ReadyOptions): Promise<boolean> {
  if (opts.wasmBase !== undefined || opts.workerUrl !== undefined) return false;
  if ((opts.mode ?? (isNode ? 'inline' : 'worker')) !== info.mode) return false;
  if (opts.flavor !== undefined && opts.flavor !== info.flavor) return false;
  if (opts.simd === 'strict' && info.relaxedSimd) return false;
  if (opts.simd === 'relaxed' && !info.relaxedSimd) return false;
  if (opts.threads === undefined) return true;
  return opts.threads === info.poolThreads;
}

/**
 * A node of the gradient tape: an op as it ran. Its backward function is
 * looked up by `op` in the gradient registry (grads/registry.ts) when the
 * tape is replayed.
 */
export interface TapeNode {
  /** Registry key of the op's gradient. */
  op: string;
  /** The op's name in error messages. */
  name: string;
  /** The op's inputs, followed by the `saved` tensors its backward pass reads. */
  inputs: Tensor[];
  outputs: Tensor[];
  /** The op's parameters, passed to its backward function. */
  attrs: unknown;
  /** How many of `inputs` (at the end) are saved tensors rather than op inputs. */
  saved: number;
}

/** Queue length at which commands are sent without waiting for a read. */
const AUTO_FLUSH = 512;

export class Engine {
  private backend: Backend | undefined;
  private starting: Promise<Backend> | undefined;
  private options: ReadyOptions = {};
  private queue: Command[] = [];
  /** Worker mode: batches are sent one after the other. */
  private chain: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  /** Bumped when the backend is replaced; tensors of older epochs are lost. */
  epoch = 0;
  /** Tensors whose producing command failed or did not run, with why (until disposed). */
  private failed = new Map<number, string>();

  numTensors = 0;
  numBytes = 0;
  private scopes: Set<Tensor>[] = [];
  /** The gradient tape while a gradient function records. */
  tape: TapeNode[] | null = null;
  /** Tensors the tape refers to: inner `tidy` scopes must not free them. */
  private taped = new Set<Tensor>();

  /** Starts (or restarts with new options) the core. */
  async ready(opts?: ReadyOptions): Promise<BackendInfo> {
    if (opts !== undefined && (this.backend !== undefined || this.starting !== undefined)) {
      // A core is running or starting (e.g. the one Node starts at import):
      // keep it when it already is what `opts` asks for, so no tensor is lost.
      const running = await this.getBackend().catch(() => undefined);
      if (running && (await satisfies(running.info, opts))) {
        this.options = opts;
        // Threads asked for are what training runs on too, over a CPU quota
        // or not (the core started at import chose its own by default).
        if (opts.threads !== undefined) running.info = { ...running.info, trainingThreads: running.info.poolThreads };
        if (opts.waitForThreads ?? true) {
          running.startThreads();
          await running.threadsReady;
        }
        return running.info;
      }
      await this.flush();
      await this.forgetCore()?.terminate();
    }
    if (opts !== undefined) this.options = opts;
    const b = await this.getBackend();
    if (opts?.waitForThreads ?? true) {
      b.startThreads();
      await b.threadsReady;
    }
    return b.info;
  }

  /** Waits until ops can run (not for the thread pool's threads), as Node's import does. */
  async started(): Promise<void> {
    await this.getBackend();
  }

  /**
   * Starts the default core in the background (Node, at import), so that
   * TF.js programs can read data synchronously without calling `ready()`.
   * A failure is not reported here: the next use starts again and reports it.
   */
  autoStart(): void {
    if (this.backend === undefined && this.starting === undefined) {
      void this.getBackend().then(
        () => (this.startError = undefined),
        (e: unknown) => (this.startError = e instanceof Error ? e : new Error(String(e))),
      );
    }
  }

  private getBackend(): Promise<Backend> {
    if (this.backend) return Promise.resolve(this.backend);
    if (!this.starting) {
      this.starting = startBackend(this.options, (b) => this.coreDied(b)).then(
        (b) => {
          this.backend = b;
          return b;
        },
        (e: unknown) => {
          this.starting = undefined;
          throw e;
        },
      );
    }
    return this.starting;
  }

  /** The started backend's info, or undefined before {@link ready}. */
  get info(): BackendInfo | undefined {
    return this.backend?.info;
  }

  newId(): number {
    return this.nextId++;
  }

  enqueue(cmd: Command): void {
    this.queue.push(cmd);
    if (this.queue.length >= AUTO_FLUSH) void this.flush();
  }

  // ---- tensors and scopes -------------------------------------------------

  track(t: Tensor, scoped: boolean): void {
    this.numTensors += 1;
    this.numBytes += t.size * 4;
    if (scoped && this.scopes.length > 0) this.scopes[this.scopes.length - 1].add(t);
  }

  release(t: Tensor): void {
    this.numTensors -= 1;
    this.numBytes -= t.size * 4;
    for (const s of this.scopes) s.delete(t);
    this.failed.delete(t.id);
    if (t.epoch === this.epoch) this.enqueue({ kind: 'free', id: t.id });
  }

  /** Removes `t` from every open scope, so no `tidy` disposes it. */
  keep(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  startScope(): void {
    this.scopes.push(new Set());
  }

  /** Disposes the scope's tensors except `survivors`, which move to the parent scope. */
  endScope(survivors: Tensor[]): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endScope without startScope');
    const keep = new Set(survivors.map((t) => t.id));
    for (const t of scope) {
      if (keep.has(t.id)) {
        if (this.scopes.length > 0) this.scopes[this.scopes.length - 1].add(t);
      } else if (!t.isDisposed && !this.tapeHolds(t)) {
        t.dispose();
      } else if (!t.isDisposed && this.scopes.length > 0) {
        // Still needed by an open gradient tape: the gradient scope frees it.
        this.scopes[this.scopes.length - 1].add(t);
      }
    }
  }

  private tapeHolds(t: Tensor): boolean {
    return this.tape !== null && this.taped.has(t);
  }

  record(node: TapeNode): void {
    if (!this.tape) return;
    this.tape.push(node);
    for (const t of node.inputs) this.taped.add(t);
    for (const t of node.outputs) this.taped.add(t);
  }

  /** Starts recording; returns the previous tape (gradients do not nest recordings). */
  startTape(): TapeNode[] | null {
    const prev = this.tape;
    this.tape = [];
    return prev;
  }

  /** Stops recording and returns what was recorded. */
  endTape(prev: TapeNode[] | null): TapeNode[] {
    const t = this.tape ?? [];
    this.tape = prev;
    if (prev === null) this.taped.clear();
    return t;
  }

  // ---- talking to the core -------------------------------------------------

  /**
   * Sends what is queued; resolves when it has run. A failed command does
   * not reject it: its error is kept on the tensors it poisoned and rejects
   * exactly the reads that depend on them.
   */
  async flush(): Promise<void> {
    const batch = this.takeQueue();
    if (batch.length === 0) return;
    await this.run(batch).catch(() => undefined);
  }

  private takeQueue(): Command[] {
    const b = this.queue;
    this.queue = [];
    return b;
  }

  /**
   * Runs one batch in order after earlier ones. Command failures are
   * recorded on the tensors they poisoned; rejects only when the core could
   * not run the batch at all (the worker died, or could not start).
   */
  private run(batch: Command[]): Promise<BatchResult> {
    const epoch = this.epoch;
    const checkEpoch = () => {
      if (epoch !== this.epoch) throw new Error('the tensors of this batch were lost when the worker restarted');
    };
    const go = async (): Promise<BatchResult> => {
      checkEpoch();
      let backend: Backend;
      try {
        backend = await this.getBackend();
      } catch (e) {
        throw e instanceof Error ? e : new Error(String(e));
      }
      checkEpoch();
      let result: BatchResult;
      try {
        result = await backend.submit(batch);
      } catch (e) {
        // The worker died: everything it held is gone.
        this.coreDied(backend);
        throw e instanceof Error ? e : new Error(String(e));
      }
      checkEpoch();
      return this.noteFailures(result);
    };
    if (this.backend?.inline) {
      // Inline: run now, synchronously, in queue order.
      try {
        return Promise.resolve(this.noteFailures(this.backend.inline.submit(batch)));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const p = this.chain.then(go, go);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Remembers why each poisoned tensor of a batch was never computed. */
  private noteFailures(r: BatchResult): BatchResult {
    if (!r.error) return r;
    const errors = r.errors ?? [r.error];
    const poisoned = r.poisoned ?? [];
    poisoned.forEach((id, i) => this.failed.set(id, this.explain(errors[r.poisonedBy?.[i] ?? 0].message)));
    return r;
  }

  /**
   * The data of a batch's last command, a read of `t`, or the error that
   * kept it from running: the failure it descends from, or its own.
   */
  private readResult(t: Tensor, batch: Command[], r: BatchResult): Float32Array {
    const cause = this.failed.get(t.id);
    if (cause !== undefined) throw new Error(cause);
    const own = (r.errors ?? (r.error ? [r.error] : [])).find((e) => e.index === batch.length - 1);
    if (own) throw new Error(this.explain(own.message));
    return r.reads[r.reads.length - 1];
  }

  /** Adds the original cause when a message is about a tensor whose producer failed. */
  private explain(message: string): string {
    const m = /tensor (\d+) does not exist/.exec(message);
    const cause = m ? this.failed.get(Number(m[1])) : undefined;
    return cause ? `${message}; it was never computed because: ${cause}` : message;
  }

  /** Why the core started at import could not start (reported by synchronous reads). */
  private startError: Error | undefined;

  /** Reads a tensor's stored values (f32). */
  async read(t: Tensor): Promise<Float32Array> {
    this.checkReadable(t);
    const batch = this.takeQueue();
    batch.push({ kind: 'read', id: t.id });
    return this.readResult(t, batch, await this.run(batch));
  }

  /** Synchronous read: inline mode only, after {@link ready}. */
  readSync(t: Tensor): Float32Array {
    this.checkReadable(t);
    const ex = this.backend?.inline;
    if (!ex) {
      throw new Error(
        this.backend
          ? 'dataSync: the core runs in a worker; use `await t.data()` (or ready({mode: "inline"}) in Node)'
          : this.startError
            ? `dataSync: the core failed to start: ${this.startError.message}`
            : 'dataSync: the core is not started; call `await tf.ready()` first',
      );
    }
    const batch = this.takeQueue();
    batch.push({ kind: 'read', id: t.id });
    return this.readResult(t, batch, this.noteFailures(ex.submit(batch)));
  }

  private checkReadable(t: Tensor): void {
    if (t.isDisposed) throw new Error(`Tensor is disposed (shape [${t.shape.join(',')}])`);
    if (t.epoch !== this.epoch) throw new Error('this tensor was lost when the core restarted (the worker died or ready() was called with new options)');
  }

  /**
   * Stops the core at once (terminates its worker): pending reads reject
   * and all tensors are lost; the next op starts a fresh core. Frees the
   * worker and its memory; also how tests simulate a crashed worker.
   */
  async terminateCore(): Promise<void> {
    await this.forgetCore()?.terminate();
  }

  /**
   * The worker of `b` died (also while idle): forget it at once, so the
   * next op starts a fresh core instead of failing on the dead one, and
   * ops on its tensors fail at the call.
   */
  private coreDied(b: Backend): void {
    if (this.backend === b) this.forgetCore();
  }

  /**
   * Drops the current core: the next op starts a new one, and everything
   * made for the old one (tensors, queued batches) belongs to a past epoch.
   * Returns the old backend for the caller to terminate.
   */
  private forgetCore(): Backend | undefined {
    const b = this.backend;
    this.backend = undefined;
    this.starting = undefined;
    this.epoch += 1;
    // What is queued names the old core's tensors.
    this.queue = [];
    this.failed.clear();
    return b;
  }

  /** Statistics of the core side (buffers, wasm heap, per-thread tasks, the core thread's JS heap). */
  async coreStats(opts?: StatsOptions): Promise<ExecutorStats> {
    await this.flush();
    return (await this.getBackend()).stats(opts);
  }
}

/** The process-wide engine. */
export const ENGINE = new Engine();
