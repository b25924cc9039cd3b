/**
 * Commands from the tensor layer (cnn-ts) to the executor, sent in
 * batches so that messaging to a worker costs one round trip per batch,
 * not per op. Ids name tensors; the executor maps them to wasm buffers
 * (several ids may share one buffer: reshapes and variable assignment).
 */
import type { KernelName } from './kernels.generated.js';

/** Names of wasm exports a `call` may invoke: the kernels of the crate's list. */
export type { KernelName };

/** Scalar and array arguments passed after the buffer handles. */
export type KernelArg = number | boolean | Uint32Array | Int32Array;

/** A new tensor a call writes (zero-filled before the call). */
export interface OutputSpec {
  id: number;
  size: number;
}

/**
 * Calls wasm export `fn` with the buffer handles of `inputs`, then
 * `inplace`, then `outputs` (in that order; `null` passes `undefined` for an
 * optional buffer), then `args`. Buffers in `inplace` are made exclusive
 * first (copied if another tensor shares them). `resultTo` receives the
 * kernel's numeric return value as a new 1-element tensor.
 */
export interface CallCommand {
  kind: 'call';
  fn: KernelName;
  inputs: (number | null)[];
  inplace?: (number | null)[];
  outputs?: OutputSpec[];
  args?: KernelArg[];
  resultTo?: number;
}

export type Command =
  | { kind: 'upload'; id: number; data: Float32Array }
  | { kind: 'free'; id: number }
  | { kind: 'read'; id: number }
  /** `id` becomes another name for `src`'s buffer (a reshape). */
  | { kind: 'alias'; src: number; id: number }
  /** Existing tensor `id` now shares `src`'s buffer (variable assignment). */
  | { kind: 'assign'; src: number; id: number }
  /**
   * The kernels after it run on the calling thread only (`on`), as on a
   * 1-thread core, or on the whole thread pool again; the same results bit
   * for bit. Training sends it where `CoreInfo.trainingThreads` is 1.
   */
  | { kind: 'serial'; on: boolean }
  | CallCommand;

export interface BatchError {
  /** Index of the failing command in the batch (later independent ones still ran). */
  index: number;
  /** The command's kind or kernel (an op name). */
  op: string;
  message: string;
}

export interface BatchResult {
  /** Data of every `read` command that ran, in order. */
  reads: Float32Array[];
  /** The first command that failed. */
  error?: BatchError;
  /** Every command that failed, in order. */
  errors?: BatchError[];
  /** Tensors never computed because of a failure (its outputs, what it updated in place, and their dependents). */
  poisoned?: number[];
  /** For each of `poisoned`, the index in `errors` of the failure it descends from. */
  poisonedBy?: number[];
}

export interface ExecutorStats {
  /** Tensors the executor holds. */
  tensors: number;
  /** Buffers alive in wasm memory, and the floats they hold. */
  buffers: number;
  floats: number;
  /** Size of the wasm linear memory in bytes. */
  heapBytes: number;
  /** Tasks each thread of the thread pool ran since the last reset. */
  threadTaskCounts: number[];
  /**
   * The JS heap of the thread that runs the core (in worker mode the
   * worker's own V8 isolate, which the main thread's
   * `process.memoryUsage()` does not include), in bytes; Node only.
   */
  jsHeap?: { used: number; total: number };
}

export interface StatsOptions {
  /**
   * Collect garbage in the core's thread first (only when the process runs
   * with `--expose-gc`), so `jsHeap.used` is what is live: for leak checks.
   */
  gc?: boolean;
}

/** Exit code of a Node worker whose core lost a thread-pool worker. */
export const POOL_LOST_EXIT_CODE = 70;
