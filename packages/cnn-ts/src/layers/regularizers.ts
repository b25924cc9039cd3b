/**
 * Weight and activity regularizers (`tf.regularizers.l1 / l2 / l1l2`, TF.js
 * defaults 0.01): penalties that training adds to the loss as Keras does —
 * `kernelRegularizer` / `biasRegularizer` (any layer whose weights are
 * named `kernel` / `bias`, also `embeddingsRegularizer` for `embeddings`)
 * on the weights, `activityRegularizer` on a layer's output, summed over the
 * batch as Keras sums it.
 */
import { add, mul } from '../ops/binary.js';
import { sum } from '../ops/reduction.js';
import { abs, square } from '../ops/unary.js';
import { scalar } from '../ops/creation.js';
import { argsByWeight } from './weight_roles.js';
import type { Tensor, Variable } from '../tensor.js';

export interface L1L2Args {
  l1?: number;
  l2?: number;
}

/** `l1 * sum(|x|) + l2 * sum(x^2)` (tfjs-layers `L1L2`). */
export class L1L2 {
  static readonly className = 'L1L2';
  readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: L1L2Args = {}) {
    this.l1 = args.l1 ?? 0.01;
    this.l2 = args.l2 ?? 0.01;
    for (const [k, v] of [['l1', this.l1], ['l2', this.l2]] as const) if (!(v >= 0)) throw new Error(`regularizer: ${k} must be >= 0, got ${v}`);
  }
  apply(x: Tensor): Tensor {
    let r: Tensor = scalar(0);
    if (this.l1 !== 0) r = add(r, mul(sum(abs(x)), this.l1));
    if (this.l2 !== 0) r = add(r, mul(sum(square(x)), this.l2));
    return r;
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export type Regularizer = L1L2;
export type RegularizerIdentifier = 'l1l2' | 'l1' | 'l2' | Regularizer | { className: string; config?: L1L2Args };

/** `tf.regularizers`. */
export const regularizers = {
  /** `l1 * sum(|x|)`, l1 = 0.01 by default. */
  l1: (config?: { l1?: number }) => new L1L2({ l1: config?.l1 ?? 0.01, l2: 0 }),
  /** `l2 * sum(x^2)`, l2 = 0.01 by default. */
  l2: (config?: { l2?: number }) => new L1L2({ l1: 0, l2: config?.l2 ?? 0.01 }),
  l1l2: (config?: L1L2Args) => new L1L2(config),
};

export function getRegularizer(r: RegularizerIdentifier | null | undefined, where: string): Regularizer | null {
  if (r === null || r === undefined) return null;
  if (r instanceof L1L2) return r;
  if (typeof r === 'string') {
    if (r === 'l1l2') return new L1L2();
    if (r === 'l1') return regularizers.l1();
    if (r === 'l2') return regularizers.l2();
    throw new Error(`${where}: unknown regularizer '${r}'; expected 'l1', 'l2', 'l1l2' or tf.regularizers.l1l2({...})`);
  }
  if (typeof r === 'object' && r.className === 'L1L2') return new L1L2(r.config);
  // Keras 3 writes L1 and L2 regularizers under their own class names.
  if (typeof r === 'object' && r.className === 'L1') return new L1L2({ l1: (r.config as { l1?: number } | undefined)?.l1 ?? 0.01, l2: 0 });
  if (typeof r === 'object' && r.className === 'L2') return new L1L2({ l1: 0, l2: (r.config as { l2?: number } | undefined)?.l2 ?? 0.01 });
  throw new Error(`${where}: unknown regularizer ${JSON.stringify(r)}`);
}

export function regularizerConfig(r: Regularizer | null): { className: string; config: Record<string, unknown> } | null {
  return r ? { className: r.className, config: r.getConfig() } : null;
}

/** Per layer: regularizer of each weight-name role, and the activity regularizer. */
export interface LayerRegularizers {
  byWeight: Map<string, Regularizer>;
  activity: Regularizer | null;
  /** Arguments as given, for getConfig. */
  config: Record<string, unknown>;
}

/** Reads the `*Regularizer` arguments of a layer. */
export function regularizersFromArgs(args: object, where: string): LayerRegularizers | null {
  const { byWeight, config } = argsByWeight(args, 'Regularizer', (r) => getRegularizer(r as RegularizerIdentifier | null | undefined, where), regularizerConfig);
  const activity = getRegularizer((args as { activityRegularizer?: RegularizerIdentifier | null }).activityRegularizer, where);
  if (activity) config.activityRegularizer = regularizerConfig(activity);
  return byWeight.size === 0 && !activity ? null : { byWeight, activity, config };
}

/** Weight penalties: each regularized variable and its regularizer. */
const weightPenalties = new WeakMap<Variable, Regularizer>();

export function registerWeight(regs: LayerRegularizers | null, weightName: string, v: Variable): void {
  const r = regs?.byWeight.get(weightName);
  if (r) weightPenalties.set(v, r);
}

/** Activity penalties recorded during a training forward pass (null when not collecting). */
let activity: Tensor[] | null = null;

export function recordActivity(regs: LayerRegularizers | null, output: Tensor | Tensor[]): void {
  if (!activity || !regs?.activity) return;
  for (const y of Array.isArray(output) ? output : [output]) activity.push(y.rank > 0 && y.shape[0] > 0 ? mul(regs.activity.apply(y), 1 / y.shape[0]) : regs.activity.apply(y));
}

/** Runs `f` collecting activity penalties; returns its result and them. */
export function collectActivity<T>(f: () => T): { result: T; penalties: Tensor[] } {
  const prev = activity;
  activity = [];
  const penalties = activity;
  try {
    return { result: f(), penalties };
  } finally {
    activity = prev;
  }
}

/** Sum of the penalties of `weights` (those with a regularizer) and `extra`, or null if there is none. */
export function regularizationLoss(weights: Variable[], extra: Tensor[] = []): Tensor | null {
  const parts = [...weights.flatMap((w) => (weightPenalties.has(w) ? [weightPenalties.get(w)!.apply(w)] : [])), ...extra];
  return parts.length === 0 ? null : parts.slice(1).reduce((acc, p) => add(acc, p), parts[0]);
}
