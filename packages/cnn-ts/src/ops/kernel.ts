/**
 * How ops talk to the core: queue a `call` of a wasm kernel with the
 * tensors' ids, and record the op on the gradient tape (its backward
 * function is registered in grads/). The buffers and parameters of
 * each kernel are typed from the crate's kernel list (cnn-worker's
 * kernels.generated.ts), so a call with the wrong arguments does not compile.
 */
import type { KernelName, KernelParams } from 'cnn-worker';
import { ENGINE } from '../engine.js';
import { makeTensor, Tensor, Variable } from '../tensor.js';
import type { DataType } from '../types.js';

export interface CallOptions {
  /** Tensors the kernel updates in place (after inputs, before outputs). */
  inplace?: (Tensor | null)[];
  /** New 1-element tensor that receives the kernel's numeric return value. */
  resultTo?: Tensor;
}

/** The `args` (and options) of a call of kernel `K`: optional when it takes no parameters. */
type ArgsOf<K extends KernelName> = KernelParams[K] extends [] ? [args?: [], opts?: CallOptions] : [args: KernelParams[K], opts?: CallOptions];

/** Queues `fn(inputs..., inplace..., outputs..., args...)`. */
export function call<K extends KernelName>(fn: K, inputs: (Tensor | null)[], outputs: Tensor[], ...rest: ArgsOf<K>): void {
  const [args = [], opts = {}] = rest as [KernelParams[K] | [] | undefined, CallOptions | undefined];
  for (const t of inputs) if (t) checkAlive(t, fn);
  // A variable written in place (optimizer steps, moving statistics) has a new version.
  for (const t of opts.inplace ?? []) if (t instanceof Variable) t.version++;
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
export function run1<K extends KernelName>(fn: K, inputs: (Tensor | null)[], shape: number[], args: KernelParams[K], dtype: DataType = 'float32'): Tensor {
  const y = makeTensor(shape, dtype);
  call(fn, inputs, [y], ...([args] as ArgsOf<K>));
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

/** The op codes of the generic kernels (generated from the crate's kernel list). */
export { Binary, Reduce, Unary } from 'cnn-worker';
