/**
 * How ops talk to the core: queue a `call` of a wasm kernel with the
 * tensors' ids, and record the op on the gradient tape (its backward
 * function is registered in grads/). Also the op codes of
 * the generic kernels (mirrors crates/cnn-core/src/tensor).
 */
import type { KernelArg, KernelName } from 'cnn-worker';
import { ENGINE } from '../engine.js';
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType } from '../types.js';

export interface CallOptions {
  /** Tensors the kernel updates in place (after inputs, before outputs). */
  inplace?: (Tensor | null)[];
  /** New 1-element tensor that receives the kernel's numeric return value. */
  resultTo?: Tensor;
}

/** Queues `fn(inputs..., inplace..., outputs..., args...)`. */
export function call(fn: KernelName, inputs: (Tensor | null)[], outputs: Tensor[], args: KernelArg[] = [], opts: CallOptions = {}): void {
  for (const t of inputs) if (t) checkAlive(t, fn);
  ENGINE.enqueue({
    kind: 'call',
    fn,
    inputs: inputs.map((t) => (t ? t.id : null)),
    inplace: opts.inplace?.map((t) => (t ? t.id : null)),
    outputs: outputs.map((t) => ({ id: t.id, size: t.size })),
    args,
    resultTo: opts.resultTo?.id,
  });
}

export function checkAlive(t: Tensor, op: string): void {
  if (t.isDisposed) throw new Error(`Error in ${op}: a tensor of shape [${t.shape.join(',')}] was already disposed`);
  // Refused here, at the call: once sent, the core would not know the id
  // and the error would surface on some later, unrelated read.
  if (t.epoch !== ENGINE.epoch) throw new Error(`Error in ${op}: a tensor of shape [${t.shape.join(',')}] was lost when the core restarted (the worker died, terminateCore() or ready() with new options)`);
}

/** A new output tensor and the call that fills it. */
export function run1(fn: KernelName, inputs: (Tensor | null)[], shape: number[], args: KernelArg[] = [], dtype: DataType = 'float32'): Tensor {
  const y = makeTensor(shape, dtype);
  call(fn, inputs, [y], args);
  return y;
}

/**
 * Records an op on the gradient tape, when one is recording: its name (the
 * key of its backward function in grads/registry.ts), inputs, outputs and
 * parameters. `saved` are tensors the backward pass reads besides the op's
 * inputs and outputs (e.g. batch statistics): the tape holds them, so a
 * `tidy` inside the recorded function cannot free them before the backward
 * pass. `name` is the op's name in error messages when it differs from the
 * registry key (e.g. the fused conv2d reuses conv2d's gradient).
 */
export function recordOp<A>(op: string, inputs: Tensor[], outputs: Tensor[], attrs?: A, saved: Tensor[] = [], name: string = op): void {
  if (!ENGINE.tape) return;
  ENGINE.record({ op, name, inputs: [...inputs, ...saved], outputs, attrs, saved: saved.length });
}

/** `unary` kernel op codes. */
export const Unary = {
  neg: 0,
  abs: 1,
  square: 2,
  sqrt: 3,
  exp: 4,
  log: 5,
  sigmoid: 6,
  tanh: 7,
  relu: 8,
  reciprocal: 9,
  clip: 10,
  affine: 11,
  step: 12,
  sign: 13,
  floor: 14,
  round: 15,
  rsqrt: 16,
  elu: 17,
  leakyRelu: 18,
  softplus: 19,
  log1p: 20,
  expm1: 21,
  sin: 22,
  cos: 23,
  logicalNot: 24,
  isNaN: 25,
  relu6: 26,
  selu: 27,
  gelu: 28,
  erf: 29,
} as const;

/** `binary` kernel op codes. */
export const Binary = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  pow: 6,
  squaredDifference: 7,
  equal: 8,
  notEqual: 9,
  greater: 10,
  greaterEqual: 11,
  less: 12,
  lessEqual: 13,
  logicalAnd: 14,
  logicalOr: 15,
  floorDiv: 16,
  mod: 17,
  atan2: 18,
  divNoNan: 19,
} as const;

/** `reduce` kernel op codes. */
export const Reduce = {
  sum: 0,
  mean: 1,
  max: 2,
  min: 3,
  prod: 4,
  argMax: 5,
  argMin: 6,
  any: 7,
  all: 8,
  logSumExp: 9,
} as const;
