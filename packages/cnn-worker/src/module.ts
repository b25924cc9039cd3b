import type { KernelExports } from './kernels.generated.js';

/**
 * The exports of the wasm-bindgen glue (`wasm/<flavor>/cnn_core.js`) that
 * this package uses: the kernels (generated from the crate's kernel list,
 * kernels.generated.ts) and, written here, the glue's loaders, the buffer
 * store, the thread pool and build facts.
 */
export interface CoreModule extends KernelExports {
  /** Async instantiation (browsers); resolves to the raw exports. */
  default(init: { module_or_path: WebAssembly.Module | URL | string; memory?: WebAssembly.Memory }): Promise<unknown>;
  /** Synchronous instantiation from a compiled module (Node, workers). */
  initSync(init: { module: WebAssembly.Module; memory?: WebAssembly.Memory }): unknown;
  buildInfo(): string;
  wasmMemory(): WebAssembly.Memory;
  bufferAlloc(len: number): number;
  bufferAllocDirty(len: number): number;
  bufferFree(handle: number): void;
  bufferPtr(handle: number): number;
  storeStats(): Uint32Array;
  /** Compaction (see Core.compact): live buffers as [handle, length, ...]; evict; restore. */
  bufferLive(): Float64Array;
  bufferEvict(handle: number): void;
  bufferRestore(handle: number, len: number): void;
  bufferPoolClear(): void;
  /** Test hook: no buffer may end above this byte address (0: no limit). */
  setBufferLimit(bytes: number): void;
  numThreads(): number;
  threadTaskCounts(): Uint32Array;
  resetThreadTaskCounts(): void;
  /** Threaded build only: wasm-bindgen-rayon's Web Worker pool (browsers). */
  initThreadPool?(threads: number): Promise<void>;
  /** Threaded build only: our worker_threads pool protocol (Node). */
  nodePoolWorkerStart?(): void;
  nodePoolBuild?(threads: number): void;
  nodePoolRescue?(): void;
  /** Fault injection for tests: pool thread `thread` traps inside a kernel task after `afterTasks` more. */
  injectPoolFault(thread: number, afterTasks: number): void;
}

/** Which of the two wasm builds is loaded. */
export type Flavor = 'threaded' | 'single';

/** What `buildInfo()` reports, plus how the module was started. */
export interface CoreInfo {
  simd128: boolean;
  threads: boolean;
  version: string;
  flavor: Flavor;
  /** Threads that run kernels (1: the calling thread only). */
  poolThreads: number;
}
