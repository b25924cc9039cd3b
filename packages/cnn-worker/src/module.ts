import type { KernelExports } from './kernels.generated.js';

/**
 * A compiled `WebAssembly.Module`. Declared here, not through the global
 * `WebAssembly` namespace, so that this package's .d.ts files also check
 * under a Node-only tsconfig (no DOM lib, `skipLibCheck: false`).
 */
export type WasmModule = object;

/** The part of a `WebAssembly.Memory` this package uses (see {@link WasmModule}). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/**
 * The exports of the wasm-bindgen glue (`wasm/<flavor>/cnn_core.js`) that
 * this package uses: the kernels (generated from the crate's kernel list,
 * kernels.generated.ts) and, written here, the glue's loaders, the buffer
 * store, the thread pool and build facts.
 */
export interface CoreModule extends KernelExports {
  /** Async instantiation (browsers); resolves to the raw exports. */
  default(init: { module_or_path: WasmModule | URL | string; memory?: WasmMemory }): Promise<unknown>;
  /** Synchronous instantiation from a compiled module (Node, workers). */
  initSync(init: { module: WasmModule; memory?: WasmMemory }): unknown;
  buildInfo(): string;
  wasmMemory(): WasmMemory;
  bufferAlloc(len: number): number;
  bufferAllocDirty(len: number): number;
  bufferFree(handle: number): void;
  bufferPtr(handle: number): number;
  storeStats(): Uint32Array;
  /** Compaction (see Core.compact): live buffers as [handle, length, ...]; evict; restore. */
  bufferLive(): Float64Array;
  bufferEvict(handle: number): void;
  bufferRestore(handle: number, len: number): void;
  bufferRecyclerClear(): void;
  /** Test hook: no buffer may end above this byte address (0: no limit). */
  setBufferLimit(bytes: number): void;
  numThreads(): number;
  threadTaskCounts(): Uint32Array;
  resetThreadTaskCounts(): void;
  /** Benchmarks: while on, ops run on the calling thread only, as on a 1-thread core (the thread pool stays). */
  setRunSerially(on: boolean): void;
  /** Threaded build only: wasm-bindgen-rayon's thread pool of Web Workers (browsers). */
  initThreadPool?(threads: number): Promise<void>;
  /** Threaded build only: our thread pool over worker_threads (Node); "pool" in these names means the thread pool. */
  nodePoolWorkerStart?(): void;
  nodePoolBuild?(threads: number): void;
  nodePoolRescue?(): void;
  /** Fault injection for tests: thread-pool worker `thread` traps inside a kernel task after `afterTasks` more. */
  injectPoolFault(thread: number, afterTasks: number): void;
}

/** Which of the two wasm builds is loaded. */
export type Flavor = 'threaded' | 'single';

/**
 * Which SIMD instruction set the kernels use. `'strict'`: SIMD128 only,
 * results bit-identical on every machine. `'relaxed'`: the multiply-adds are
 * `f32x4.relaxed_madd` (fused on hardware with FMA: faster, results within
 * 1e-5 relative of the strict build, and may differ between machines).
 * `'auto'` (default): relaxed where the engine has it, else strict.
 */
export type SimdChoice = 'auto' | 'relaxed' | 'strict';

/** What `buildInfo()` reports, plus how the module was started. */
export interface CoreInfo {
  simd128: boolean;
  /** The relaxed-SIMD build (fused multiply-adds) is loaded. */
  relaxedSimd: boolean;
  threads: boolean;
  version: string;
  flavor: Flavor;
  /** Threads of the thread pool that run kernels (1: the calling thread only). */
  poolThreads: number;
  /**
   * Threads training (`fit`, `fitDataset`) runs its kernels on: `poolThreads`,
   * or 1 where the default thread count went over a container's CPU quota
   * (Node: the quota rounded up is below `poolThreads`, which the default
   * keeps at 2 for short calls). Sustained work in a 1-CPU quota ran faster
   * on one thread (see `defaultThreadCount`).
   */
  trainingThreads: number;
}
