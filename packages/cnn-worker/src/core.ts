import type { CoreInfo, CoreModule, Flavor, SimdChoice, WasmMemory, WasmModule } from './module.js';
import { canUseThreads, hasRelaxedSimd, isNode } from './env.js';
import { defaultWasmBase, defaultWasmUrl, glueUrl, importDefaultGlue, importGlue, instanceUrl, wasmUrl } from './glue.js';
import { PoolHealth } from './health.js';
import { defaultThreadCount, trainingThreadCount } from './cpu-quota.js';
import { nodeModules } from './node-modules.js';
import { startWebPool } from './web-pool.js';

export interface LoadOptions {
  /**
   * Threads that run kernels. 1 runs them on the calling thread; n > 1
   * starts a pool of n threads (the caller waits while they work). Default:
   * the number of cores where threads are available (at most 16, and in
   * Node at most a cgroup CPU quota rounded up, but 2), else 1.
   */
  threads?: number;
  /** Force a build; default: threaded where shared memory is allowed, else single. */
  flavor?: Flavor;
  /** URL of the folder holding `threaded/` and `single/` (default: this package's `wasm/`). */
  wasmBase?: string;
  /**
   * Strict SIMD128 or relaxed SIMD (fused multiply-adds); see
   * {@link SimdChoice}. Default `'auto'`. In Node 20, whose V8 has relaxed
   * SIMD behind `--experimental-wasm-relaxed-simd`, `'auto'` and
   * `'relaxed'` turn that flag on (`v8.setFlagsFromString`) for the start
   * of the module's compile, and off again (so `hasRelaxedSimd()` is false
   * afterwards, while the module runs relaxed); `'strict'` never touches
   * V8's flags.
   */
  simd?: SimdChoice;
  /**
   * Node, `threads > 1`: whether `loadCore` waits for the pool's threads to
   * start (default `true`). With `false` it returns as soon as the module
   * runs on the calling thread: ops run there, on one thread, until the pool
   * threads are up and join (when {@link Core.threadsReady} resolves). Takes
   * the start of `worker_threads` (50-200 ms) off a serverless function's
   * first request. A pool that then fails to start marks the core lost (the
   * next op throws why), as a pool thread that dies does. The pool then
   * starts after the first result is read back (`read`), when
   * {@link Core.startThreads} is called, or 250 ms after the load, whichever
   * comes first, so that its threads' boot does not compete for the CPU with
   * the caller's first work.
   */
  waitForThreads?: boolean;
}

/**
 * Whether to load the relaxed build. `'relaxed'` where the engine cannot run
 * it is an error at the call; `'auto'` falls back to strict. `setFlags`
 * (Node: `v8.setFlagsFromString`) turns on Node 20's relaxed SIMD flag.
 */
function useRelaxed(choice: SimdChoice | undefined, setFlags?: (flags: string) => void): boolean {
  const c = choice ?? 'auto';
  if (c !== 'auto' && c !== 'relaxed' && c !== 'strict') {
    throw new Error(`loadCore: simd must be 'auto', 'relaxed' or 'strict', got ${JSON.stringify(choice)}`);
  }
  if (c === 'strict') return false;
  if (!hasRelaxedSimd() && setFlags && process.versions.node.startsWith('20.')) setFlags('--experimental-wasm-relaxed-simd');
  if (hasRelaxedSimd()) return true;
  if (c === 'relaxed') {
    throw new Error('loadCore: simd \'relaxed\' needs WebAssembly relaxed SIMD (Chromium >= 114, Node >= 20); this engine has none: use \'auto\' or \'strict\'');
  }
  return false;
}

/**
 * One instantiated cnn-core module: buffers in its memory, kernels, and the
 * thread pool. Lives in the thread that loaded it (a worker in browsers).
 */
export class Core {
  readonly info: CoreInfo;
  readonly raw: CoreModule;
  private readonly memory: WasmMemory;

  /** Whether this core is lost (a pool thread died, Node); see {@link PoolHealth}. */
  readonly health: PoolHealth;

  /**
   * Resolves once all `info.poolThreads` threads run ops (at once unless
   * loaded with `waitForThreads: false`); rejects if the pool could not start.
   */
  readonly threadsReady: Promise<void>;

  /** Starts a pool that waits for its turn (`waitForThreads: false`); unset once called. */
  private startPool: (() => void) | undefined;

  /** The timer the first read set to start that pool. */
  private poolTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(raw: CoreModule, info: CoreInfo, health: PoolHealth = new PoolHealth(), threadsReady: Promise<void> = Promise.resolve(), startPool?: () => void) {
    this.raw = raw;
    this.info = info;
    this.memory = raw.wasmMemory();
    this.health = health;
    this.threadsReady = threadsReady;
    this.startPool = startPool;
  }

  /** Starts the thread pool now if it is still waiting for its turn (loaded with `waitForThreads: false`); else nothing. */
  startThreads(): void {
    const start = this.startPool;
    this.startPool = undefined;
    start?.();
  }

  /**
   * A zero-filled buffer of `length` floats; returns its handle. With
   * `dirty`, its contents are unspecified (a recycled buffer of the same
   * length, not zeroed): only for outputs an op overwrites entirely.
   */
  alloc(length: number, dirty = false): number {
    const a = () => (dirty ? this.raw.bufferAllocDirty(length) : this.raw.bufferAlloc(length));
    try {
      return a();
    } catch (e) {
      // Enough memory may be free, in pieces too small: compact, retry once.
      if (!this.compactOnOom || !isOutOfMemory(e)) throw e;
      const moved = this.compact();
      try {
        return a();
      } catch (e2) {
        if (!isOutOfMemory(e2)) throw e2;
        const s = this.storeStats();
        throw new Error(`${(e2 as Error).message} (after compacting ${moved} buffers: ${s.buffers} live buffers hold ${mib(s.floats * 4)} MiB, wasm memory ${mib(this.heapBytes())} MiB of at most 4096)`);
      }
    }
  }

  /** Copies `data` into a new buffer; returns its handle. */
  upload(data: Float32Array): number {
    const h = this.alloc(data.length, true);
    this.view(h, data.length).set(data);
    return h;
  }

  /** Whether a failed allocation compacts the buffers and retries (off only in tests, to show the fragmentation). */
  compactOnOom = true;

  /**
   * Defragments the buffer store: copies every live buffer out to JS
   * memory, frees them all (the allocator coalesces the freed blocks with
   * their free neighbours), and puts them back largest first, packed into
   * the large free blocks that result. Handles do not change. Runs when an
   * allocation fails (so after out-of-memory errors, freed memory is
   * reusable whatever the order of frees); costs a copy of the live
   * buffers. Returns how many buffers moved.
   */
  compact(): number {
    this.raw.bufferRecyclerClear();
    const live = this.raw.bufferLive();
    const saved: { h: number; data: Float32Array }[] = [];
    for (let i = 0; i < live.length; i += 2) saved.push({ h: live[i], data: this.read(live[i], live[i + 1]) });
    saved.sort((a, b) => b.data.length - a.data.length || a.h - b.h);
    for (const { h } of saved) this.raw.bufferEvict(h);
    for (const { h, data } of saved) {
      try {
        this.raw.bufferRestore(h, data.length);
      } catch (e) {
        // Not expected (the same sizes were just freed), but then the
        // buffers still evicted are gone: the core is lost.
        throw this.health.fail(new Error(`cnn-worker: compacting the buffers after an allocation failed could not put buffer ${h} back (${(e as Error).message}); this core's tensors are lost`));
      }
      this.view(h, data.length).set(data);
    }
    return saved.length;
  }

  /** A view of a buffer in place (valid until the next allocation). */
  view(handle: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.raw.bufferPtr(handle), length);
  }

  /** Copies a buffer out into a fresh (transferable) array. */
  read(handle: number, length: number): Float32Array {
    // The first result read back (a serverless function's first prediction):
    // the pool starts once it has reached the caller (a timer, set once).
    if (this.startPool && !this.poolTimer) this.poolTimer = setTimeout(() => this.startThreads(), 0);
    return this.view(handle, length).slice();
  }

  free(handle: number): void {
    this.raw.bufferFree(handle);
  }

  /** Live buffers and the floats they hold (for leak checks). */
  storeStats(): { buffers: number; floats: number } {
    const s = this.raw.storeStats();
    return { buffers: s[0], floats: s[1] };
  }

  /** Bytes of wasm linear memory (grows, never shrinks). */
  heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Tasks each pool thread ran since the last reset. */
  threadTaskCounts(): number[] {
    return Array.from(this.raw.threadTaskCounts());
  }

  resetThreadTaskCounts(): void {
    this.raw.resetThreadTaskCounts();
  }
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('out of memory');
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function parseInfo(raw: CoreModule, flavor: Flavor, poolThreads: number, trainingThreads = poolThreads): CoreInfo {
  const b = JSON.parse(raw.buildInfo()) as { simd128: boolean; relaxedSimd: boolean; threads: boolean; version: string };
  return { ...b, flavor, poolThreads, trainingThreads };
}

/**
 * The default thread count where threads are allowed: the cores, at most
 * 16. In Node, `cores` is `os.availableParallelism` and `quota` a cgroup
 * CPU limit (a container's `--cpus`), which Node 20 does not count (see
 * `defaultThreadCount`).
 */
function defaultThreads(cores?: () => number, quota?: number): number {
  if (!canUseThreads()) return 1;
  return defaultThreadCount(cores ? cores() : navigator.hardwareConcurrency || 1, quota);
}

function checkThreads(flavor: Flavor, threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`loadCore: threads must be a positive integer, got ${threads}`);
  if (flavor === 'single' && threads > 1) throw new Error(`loadCore: the single-threaded build cannot use ${threads} threads`);
}

/**
 * Loads and starts the module in the current thread. In browsers call it
 * inside a worker (cnn-worker's `worker.js` does): kernels block the thread
 * that calls them.
 */
export async function loadCore(opts: LoadOptions = {}): Promise<Core> {
  const threadsOk = canUseThreads();
  const flavor: Flavor = opts.flavor ?? (threadsOk ? 'threaded' : 'single');
  if (flavor === 'threaded' && !threadsOk) {
    throw new Error('loadCore: the threaded build needs SharedArrayBuffer; serve the page cross-origin isolated (COOP/COEP headers) or use flavor "single"');
  }
  if (!isNode) {
    const threads = opts.threads ?? (flavor === 'single' ? 1 : defaultThreads());
    checkThreads(flavor, threads);
    return loadInBrowser(flavor, threads, opts.wasmBase, useRelaxed(opts.simd));
  }
  // Node: one await (the built-ins) before the wasm is read. Each further
  // await let work queued meanwhile run first (a serverless function's
  // other start-up work: decoder, request), and the read and compile of
  // the wasm started after it, 10-15 ms later; they now run on V8's threads
  // while this thread does that work.
  const { readFileSync, startNodePool, availableParallelism, cpuQuota, setFlagsFromString } = await nodeModules();
  // The quota is read only for a default thread count (an explicit one is the caller's choice, training included).
  const quota = opts.threads === undefined && flavor === 'threaded' ? cpuQuota() : undefined;
  const threads = opts.threads ?? (flavor === 'single' ? 1 : defaultThreads(availableParallelism, quota));
  checkThreads(flavor, threads);
  const relaxedBefore = hasRelaxedSimd();
  const relaxed = useRelaxed(opts.simd, setFlagsFromString);
  const base = opts.wasmBase ?? defaultWasmBase();
  const plainGlue = glueUrl(base, flavor);
  const gUrl = instanceUrl(plainGlue);
  const wUrl = wasmUrl(base, flavor, relaxed);
  // The wasm is read and compiled (on V8's threads) while the glue loads.
  // Read synchronously (0.5 MB, well under a millisecond): fs/promises'
  // open, stat, read and close each wait for a turn of this thread's event
  // loop, which at start-up is busy, so the compile began 10-20 ms later.
  // (V8 compiles its functions on their first calls: compiling all of them
  // up front made the first forward pass 10-20 ms shorter but the start no
  // shorter, with more CPU, which a busy host makes slower.)
  let compiled: Promise<WasmModule>;
  try {
    compiled = WebAssembly.compile(readFileSync(new URL(wUrl)));
  } catch (e) {
    compiled = Promise.reject(e);
  }
  // Node 20: the relaxed SIMD flag goes off again once the module has
  // compiled (V8 validates it with the flag on; the functions it compiles
  // later take the module's features). While it is on, V8's flags differ
  // from those Node's built-in modules were cached under, and each one
  // loaded meanwhile is compiled from source (node:zlib and node:assert in
  // a fresh process: 2.0 -> 4.8 ms).
  if (relaxed && !relaxedBefore) void compiled.finally(() => setFlagsFromString('--no-experimental-wasm-relaxed-simd')).catch(() => undefined);
  // The process's first core from the package's own files imports its glue
  // by the literal specifier (the same module as by its URL), which a
  // bundler for Node can then carry in the bundle: the serverless example
  // runs it from V8's code cache with the rest, instead of loading and
  // compiling two more ES modules at every cold start.
  const glue = opts.wasmBase === undefined && gUrl === plainGlue ? importDefaultGlue(flavor) : importGlue(gUrl);
  const [raw, module] = await Promise.all([glue, compiled]);
  const health = new PoolHealth();
  raw.initSync({ module });
  const info = parseInfo(raw, flavor, threads, trainingThreadCount(threads, quota));
  if (threads === 1) return new Core(raw, info, health);
  const start = () => startNodePool(raw, gUrl, module, raw.wasmMemory(), threads, health);
  if (opts.waitForThreads ?? true) {
    await start();
    return new Core(raw, info, health);
  }
  // Without waiting, the pool starts after the first result is read back,
  // on `startThreads()` or after 250 ms, not at once: spawning the
  // supervisor and the pool thread, and their boot (instantiating the module,
  // 20 ms of CPU), then no longer compete for the CPU with what the caller
  // does first (a serverless function reads and builds its model and runs
  // its first prediction; see docs/serverless.md for what it gains). The
  // timer is not unref'd: a script that awaits `threadsReady` without
  // having read anything must not exit meanwhile. A core lost or stopped
  // before its turn never starts its pool.
  let cancelled = false;
  health.stop = async () => {
    cancelled = true;
  };
  let turn!: () => void;
  const turnCame = new Promise<void>((resolve) => (turn = resolve));
  const fallback = setTimeout(turn, 250);
  const pool = turnCame.then(() => {
    clearTimeout(fallback);
    return cancelled ? undefined : start();
  });
  // Until the pool is built, the crate runs every op on this thread.
  pool.catch((e: unknown) => health.fail(e instanceof Error ? e : new Error(String(e))));
  return new Core(raw, info, health, pool, turn);
}

/**
 * Browsers: the package's own glue and wasm through literal URLs (what
 * bundlers emit), or the copies under `wasmBase`; the pool on module Web
 * Workers (web-pool.ts).
 */
async function loadInBrowser(flavor: Flavor, threads: number, wasmBase: string | undefined, relaxed: boolean): Promise<Core> {
  const gUrl = wasmBase === undefined ? undefined : instanceUrl(glueUrl(wasmBase, flavor));
  const raw = gUrl ? await importGlue(gUrl) : await importDefaultGlue(flavor);
  const wUrl = wasmBase === undefined ? defaultWasmUrl(flavor, relaxed) : wasmUrl(wasmBase, flavor, relaxed);
  const response = await fetch(wUrl);
  if (!response.ok) throw new Error(`loadCore: could not fetch ${String(wUrl)}: HTTP ${response.status}`);
  const module = await WebAssembly.compile(await response.arrayBuffer());
  await raw.default({ module_or_path: module });
  if (threads > 1) {
    await startWebPool(raw, module, raw.wasmMemory(), threads, gUrl);
  }
  return new Core(raw, parseInfo(raw, flavor, threads));
}
