/**
 * The gradient registry: one backward function per op name, registered by
 * the modules beside this file (grads/*.ts). Forward ops only record what
 * they did on the tape (`recordOp` in ops/kernel.ts); replaying the tape
 * (gradients.ts) looks the op up here, and an op with no entry throws,
 * naming it. Forward op modules never import gradient code, so the ops
 * import graph has no cycles (tests/grad-registry.test.ts checks both).
 */
import { makeTensor, type Tensor } from '../tensor.js';
import { call } from '../ops/kernel.js';

/** What a backward function sees of the recorded op. */
export interface GradContext<A = unknown> {
  /** The op's inputs, in the order it recorded them. */
  inputs: Tensor[];
  outputs: Tensor[];
  /** Extra tensors the op kept for its backward pass (batch statistics, labels, ...). */
  saved: Tensor[];
  /** The op's parameters (axes, spec words, alpha, ...), as recorded. */
  attrs: A;
  /** `needed[i]` false: nobody asks for input i's gradient (it may be skipped, returning null). */
  needed: boolean[];
  /**
   * Set when the op's only consumer ran a fused gradient ({@link GradFusion}) that already did
   * part of this op's backward pass: what that fusion hands over (e.g. the bias gradient).
   */
  fused?: Tensor;
}

/** Gradients of the op's inputs (null where an input gets none) from its outputs' gradients. */
export type GradFunc<A = unknown> = (dys: Tensor[], ctx: GradContext<A>) => (Tensor | null)[];

const GRADIENTS = new Map<string, GradFunc>();

/** Registers `op`'s backward function; registering a name twice is an error. */
export function registerGradient<A>(op: string, f: GradFunc<A>): void {
  if (GRADIENTS.has(op)) throw new Error(`registerGradient: a gradient for ${op} is already registered`);
  GRADIENTS.set(op, f as GradFunc);
}

/** What a fused gradient sees of the node that produced its op's first input. */
export interface ProducerNode {
  op: string;
  /** The producer's inputs (without its saved tensors). */
  inputs: Tensor[];
  attrs: unknown;
}

/**
 * A backward function for `op` that also does part of the backward pass of the op that
 * produced its first input, when that tensor feeds nothing else and is no requested
 * gradient (the tape walk in gradients.ts checks both): e.g. a max pool after a ReLU-fused
 * convolution routes its gradient, applies the ReLU mask and sums the bias gradient in one
 * kernel (grads/conv.ts). `run` returns the first input's gradient (what the producer's
 * backward function then receives as its output's gradient) and the tensor handed to the
 * producer as {@link GradContext.fused}.
 */
export interface GradFusion<A = unknown> {
  producer: string;
  applies(producer: ProducerNode, ctx: GradContext<A>): boolean;
  run(dys: Tensor[], ctx: GradContext<A>): { dx: Tensor; fused: Tensor };
}

const FUSIONS = new Map<string, GradFusion>();

/** Whether the tape walk uses the registered fusions (off only for A/B runs: benches/tuning.mjs --op train --fusion gradients). */
export const gradientFusions = { on: true };

/** Registers a fused backward function for `op` (at most one per op). */
export function registerGradientFusion<A>(op: string, f: GradFusion<A>): void {
  if (FUSIONS.has(op)) throw new Error(`registerGradientFusion: a fusion for ${op} is already registered`);
  FUSIONS.set(op, f as GradFusion);
}

/** `op`'s fused backward function, or undefined. */
export function getGradientFusion(op: string): GradFusion | undefined {
  return gradientFusions.on ? FUSIONS.get(op) : undefined;
}

/** `op`'s backward function, or undefined. */
export function getGradient(op: string): GradFunc | undefined {
  return GRADIENTS.get(op);
}

/** Names with a registered gradient (for tests and docs). */
export function registeredGradients(): string[] {
  return [...GRADIENTS.keys()];
}

/**
 * Ops TF.js registers no gradient for (comparisons, logical ops, ...):
 * differentiating through one throws, naming it.
 */
export function registerNonDifferentiable(...ops: string[]): void {
  for (const op of ops) {
    registerGradient(op, () => {
      throw new Error(`Cannot compute gradient: ${op} is not differentiable (TF.js registers no gradient for it); the result depends on the variables through ${op}`);
    });
  }
}

/** Ops whose gradient is zero everywhere it exists (TF.js: floor, round, sign, step, argMax, ...). */
export function registerZeroGradient(...ops: string[]): void {
  for (const op of ops) {
    registerGradient(op, (_dys, { inputs }) =>
      inputs.map((x) => {
        const z = makeTensor([...x.shape], 'float32');
        call('fill', [], [z], [0]);
        return z;
      }),
    );
  }
}
