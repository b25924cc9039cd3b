/**
 * How ops talk to the core: queue a `call` of a wasm kernel with the
 * tensors' ids, and record the gradient on the tape. Also the op codes of
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
 * Records a gradient for an op, when a gradient function is recording.
 * `saved` are tensors the backward pass reads besides the op's inputs and
 * outputs (e.g. batch statistics): the tape holds them, so a `tidy` inside
 * the recorded function cannot free them before the backward pass.
 */
export function recordGrad(name: string, inputs: Tensor[], outputs: Tensor[], backward: (dys: Tensor[], needed: boolean[]) => (Tensor | null)[], saved: Tensor[] = []): void {
  if (!ENGINE.tape) return;
  if (saved.length === 0) {
    ENGINE.record({ name, inputs, outputs, backward });
    return;
  }
  const n = inputs.length;
  ENGINE.record({
    name,
    inputs: [...inputs, ...saved],
    outputs,
    backward: (dys, needed) => [...backward(dys, needed.slice(0, n)), ...saved.map(() => null)],
  });
}

/**
 * Ops TF.js registers no gradient for (comparisons, logical ops, ...).
 * Differentiating through one throws, naming it; the tests check each.
 */
export const NON_DIFFERENTIABLE = new Set<string>();

/** Records an op without a gradient: replaying the tape over it throws, naming the op. */
export function recordNoGrad(name: string, inputs: Tensor[], outputs: Tensor[]): void {
  NON_DIFFERENTIABLE.add(name);
  if (!ENGINE.tape) return;
  ENGINE.record({
    name,
    inputs,
    outputs,
    backward: () => {
      throw new Error(`Cannot compute gradient: ${name} is not differentiable (TF.js registers no gradient for it); the result depends on the variables through ${name}`);
    },
  });
}

/** Ops whose gradient is zero everywhere it exists (TF.js: floor, round, sign, step, argMax, ...). */
export const ZERO_GRADIENT = new Set<string>();

/** Records a zero gradient for every input (piecewise-constant ops, as TF.js). */
export function recordZeroGrad(name: string, inputs: Tensor[], outputs: Tensor[]): void {
  ZERO_GRADIENT.add(name);
  if (!ENGINE.tape) return;
  ENGINE.record({
    name,
    inputs,
    outputs,
    backward: () =>
      inputs.map((x) => {
        const z = makeTensor([...x.shape], 'float32');
        call('fill', [], [z], [0]);
        return z;
      }),
  });
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
