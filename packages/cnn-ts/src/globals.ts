/** Memory management and engine controls: tidy, dispose, keep, memory, ready. */
import { ENGINE, type BackendInfo, type ReadyOptions } from './engine.js';
import { Tensor } from './tensor.js';

/** Anything holding tensors: a tensor, arrays of them, or objects of them. */
export type TensorContainer = Tensor | TensorContainer[] | { [key: string]: TensorContainer } | number | string | boolean | null | undefined | void;

function collect(c: unknown, out: Tensor[], depth = 0): void {
  if (depth > 32 || c === null || c === undefined) return;
  if (c instanceof Tensor) out.push(c);
  else if (Array.isArray(c)) for (const e of c) collect(e, out, depth + 1);
  else if (typeof c === 'object' && Object.getPrototypeOf(c) === Object.prototype) for (const e of Object.values(c)) collect(e, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns.
 * `fn` must not be async (as in TF.js).
 */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (!f) throw new Error('tidy: needs a function');
  ENGINE.startScope();
  let result: T | undefined;
  try {
    result = f();
    if (result instanceof Promise) throw new Error('Cannot return a Promise inside of tidy.');
  } finally {
    const keep: Tensor[] = [];
    collect(result, keep);
    ENGINE.endScope(keep);
  }
  return result;
}

/** Disposes the tensors in `container`. */
export function dispose(container: TensorContainer): void {
  const ts: Tensor[] = [];
  collect(container, ts);
  for (const t of ts) t.dispose();
}

/** Exempts `t` from the enclosing `tidy` scopes. */
export function keep<T extends Tensor>(t: T): T {
  ENGINE.keep(t);
  return t;
}

/** Live tensors and their bytes (as TF.js's `tf.memory()`). */
export function memory(): { numTensors: number; numBytes: number; numDataBuffers: number; unreliable: boolean } {
  return { numTensors: ENGINE.numTensors, numBytes: ENGINE.numBytes, numDataBuffers: ENGINE.numTensors, unreliable: false };
}

/**
 * Starts the core (loads the wasm, starts the thread pool) and reports how.
 * Optional: the first read starts it with defaults. Calling it again with
 * options restarts the core (existing tensors are lost).
 * @example const info = await tf.ready({ threads: 2 });
 */
export function ready(opts?: ReadyOptions): Promise<BackendInfo> {
  return ENGINE.ready(opts);
}

/** Sends queued work to the core and waits for it. */
export function flush(): Promise<void> {
  return ENGINE.flush();
}

/**
 * Core-side statistics: live buffers, wasm heap bytes, tasks per thread-pool
 * thread, and the JS heap of the thread running the core (Node; with
 * `{ gc: true }` after a collection there, under `node --expose-gc`).
 */
export function coreStats(opts?: { gc?: boolean }) {
  return ENGINE.coreStats(opts);
}
