/**
 * Commands from the tensor layer (cnn-ts) to the executor, sent in
 * batches so that messaging to a worker costs one round trip per batch,
 * not per op. Ids name tensors; the executor maps them to wasm buffers.
 */
export type Command =
  | { kind: 'upload'; id: number; data: Float32Array }
  | { kind: 'free'; id: number }
  | { kind: 'read'; id: number }
  | {
      kind: 'matMul';
      a: number;
      b: number;
      out: number;
      m: number;
      n: number;
      k: number;
      transA: boolean;
      transB: boolean;
    };

export interface BatchError {
  /** Index of the failing command in the batch; later commands did not run. */
  index: number;
  /** The command's kind (an op name). */
  op: string;
  message: string;
}

export interface BatchResult {
  /** Data of every `read` command, in order. */
  reads: Float32Array[];
  error?: BatchError;
}

export interface ExecutorStats {
  /** Tensors the executor holds. */
  tensors: number;
  /** Buffers alive in wasm memory, and the floats they hold. */
  buffers: number;
  floats: number;
  /** Size of the wasm linear memory in bytes. */
  heapBytes: number;
  /** Tasks each pool thread ran since the last reset. */
  threadTaskCounts: number[];
}
