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
}

/** Gradients of the op's inputs (null where an input gets none) from its outputs' gradients. */
export type GradFunc<A = unknown> = (dys: Tensor[], ctx: GradContext<A>) => (Tensor | null)[];

const GRADIENTS = new Map<string, GradFunc>();

/** Registers `op`'s backward function; registering a name twice is an error. */
export function registerGradient<A>(op: string, f: GradFunc<A>): void {
  if (GRADIENTS.has(op)) throw new Error(`registerGradient: a gradient for ${op} is already registered`);
  GRADIENTS.set(op, f as GradFunc);
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
