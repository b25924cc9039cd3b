/**
 * The one way ops (and tensors) talk to the core: queue a `call` of a wasm
 * kernel with the tensors' ids, upload values, name a buffer twice (alias,
 * assign), and record the op on the gradient tape (its backward function is
 * registered in grads/). Only the engine itself queues anything else (frees
 * and reads). The buffers and parameters of each kernel are typed from the
 * crate's kernel list (cnn-worker's kernels.generated.ts), so a call with
 * the wrong arguments does not compile.
 */
import type { KernelName, KernelParams } from 'cnn-worker';
import { ENGINE } from '../engine.js';
import type { Tensor } from '../tensor.js';

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
  // Plain loops, no destructuring: this runs once per op, thousands of times a training step.
  const args = (rest[0] ?? []) as KernelParams[K];
  const opts = rest[1] as CallOptions | undefined;
  const ids: (number | null)[] = new Array<number | null>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t) checkAlive(t, fn);
    ids[i] = t ? t.id : null;
  }
  const outs: { id: number; size: number }[] = new Array<{ id: number; size: number }>(outputs.length);
  for (let i = 0; i < outputs.length; i++) outs[i] = { id: outputs[i].id, size: outputs[i].size };
  // A variable written in place (optimizer steps, moving statistics) has a
  // new version (what predict's folded weights are keyed on, models/inference.ts).
  const inplace = opts?.inplace;
  if (inplace) for (let i = 0; i < inplace.length; i++) bumpVersion(inplace[i]);
  ENGINE.enqueue({
    kind: 'call',
    fn,
    inputs: ids,
    inplace: opts?.inplace?.map((t) => (t ? t.id : null)),
    outputs: outs,
    args,
    resultTo: opts?.resultTo?.id,
  });
}

/** `version++` on a Variable (tensors have none); duck-typed to keep this module free of tensor.ts's classes. */
function bumpVersion(t: Tensor | null): void {
  const v = t as { version?: number } | null;
  if (v && typeof v.version === 'number') v.version++;
}

export function checkAlive(t: Tensor, op: string): void {
  if (t.isDisposed) throw new Error(`Error in ${op}: a tensor of shape [${t.shape.join(',')}] was already disposed`);
  // Refused here, at the call: once sent, the core would not know the id
  // and the error would surface on some later, unrelated read.
  if (t.epoch !== ENGINE.epoch) throw new Error(`Error in ${op}: a tensor of shape [${t.shape.join(',')}] was lost when the core restarted (the worker died, terminateCore() or ready() with new options)`);
}

/** New tensor `t` holds a copy of `values`. */
export function upload(t: Tensor, values: Float32Array): void {
  ENGINE.enqueue({ kind: 'upload', id: t.id, data: values });
}

/** New tensor `y` names `x`'s buffer (a reshape, a cast that keeps the bits, a variable's first value). */
export function alias(x: Tensor, y: Tensor): void {
  ENGINE.enqueue({ kind: 'alias', src: x.id, id: y.id });
}

/** Existing tensor `dst` now names `src`'s buffer (variable assignment; the old buffer is released). */
export function assign(dst: Tensor, src: Tensor): void {
  ENGINE.enqueue({ kind: 'assign', src: src.id, id: dst.id });
}

/**
 * The kernels queued after this run on the core's calling thread only
 * (`on`), or on its whole thread pool again: the same results bit for bit
 * (training over a CPU quota, `CoreInfo.trainingThreads`).
 */
export function runSerially(on: boolean): void {
  ENGINE.enqueue({ kind: 'serial', on });
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
