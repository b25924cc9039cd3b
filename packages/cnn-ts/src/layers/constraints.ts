/**
 * Weight constraints (`tf.constraints.maxNorm / minMaxNorm / nonNeg /
 * unitNorm`, TF.js names, defaults and formulas): projections applied to a
 * weight after every optimizer step of `fit` / `fitDataset` /
 * `trainOnBatch` (as Keras does, and as tfjs-layers documents; tfjs-layers
 * 4.22 itself only applies them in `setWeights`, which we also do). A layer
 * takes them as `kernelConstraint`, `biasConstraint`, ... by weight name, as
 * it takes regularizers.
 */
import { add, div, mul } from '../ops/binary.js';
import { sum } from '../ops/reduction.js';
import { clipByValue, relu, sqrt } from '../ops/unary.js';
import { argsByWeight } from './weight_roles.js';
import { tidy } from '../globals.js';
import type { Tensor, Variable } from '../tensor.js';
import { Serializable, registerClass, type ConfigDict } from '../serialization.js';

/** TF.js' backend epsilon, added to the norms before dividing. */
const EPSILON = 1e-7;

function l2Norms(w: Tensor, axis: number | number[]): Tensor {
  return sqrt(sum(mul(w, w), axis, true));
}

function checkAxis(axis: unknown, where: string): number | number[] {
  const ok = (a: unknown) => Number.isInteger(a);
  if (ok(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(ok))) return axis as number | number[];
  throw new Error(`${where}: axis must be an integer or a list of integers, got ${JSON.stringify(axis)}`);
}

function checkNumber(v: unknown, name: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** Base class of the constraints (TF.js `tf.constraints.Constraint`): `apply(w)` gives the projected weight. */
export abstract class Constraint extends Serializable {
  abstract apply(w: Tensor): Tensor;
  getConfig(): ConfigDict {
    return {};
  }
}

export interface MaxNormArgs {
  /** Largest norm allowed (default 2). */
  maxValue?: number;
  /** Axis (or axes) along which the norms are taken (default 0: each output unit of a Dense kernel). */
  axis?: number | number[];
}

/** Rescales each slice whose L2 norm exceeds `maxValue` down to it. */
export class MaxNorm extends Constraint {
  static readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(args: MaxNormArgs = {}) {
    super();
    this.maxValue = checkNumber(args.maxValue ?? 2, 'maxValue', 'maxNorm');
    this.axis = checkAxis(args.axis ?? 0, 'maxNorm');
  }
  apply(w: Tensor): Tensor {
    return tidy(() => {
      const norms = l2Norms(w, this.axis);
      return mul(w, div(clipByValue(norms, 0, this.maxValue), add(norms, EPSILON)));
    });
  }
  override getConfig(): ConfigDict {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

export interface UnitNormArgs {
  /** Axis (or axes) of the norms (default 0). */
  axis?: number | number[];
}

/** Divides each slice by its L2 norm. */
export class UnitNorm extends Constraint {
  static readonly className = 'UnitNorm';
  readonly axis: number | number[];
  constructor(args: UnitNormArgs = {}) {
    super();
    this.axis = checkAxis(args.axis ?? 0, 'unitNorm');
  }
  apply(w: Tensor): Tensor {
    return tidy(() => div(w, add(l2Norms(w, this.axis), EPSILON)));
  }
  override getConfig(): ConfigDict {
    return { axis: this.axis };
  }
}

/** Sets negative weights to 0. */
export class NonNeg extends Constraint {
  static readonly className = 'NonNeg';
  apply(w: Tensor): Tensor {
    return relu(w);
  }
}

export interface MinMaxNormArgs {
  /** Smallest norm (default 0). */
  minValue?: number;
  /** Largest norm (default 1). */
  maxValue?: number;
  /** Axis (or axes) of the norms (default 0). */
  axis?: number | number[];
  /** How far to move towards the clipped norm: 1 all the way (default), 0 not at all. */
  rate?: number;
}

/** Moves each slice's L2 norm into [minValue, maxValue], by `rate`. */
export class MinMaxNorm extends Constraint {
  static readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(args: MinMaxNormArgs = {}) {
    super();
    this.minValue = checkNumber(args.minValue ?? 0, 'minValue', 'minMaxNorm');
    this.maxValue = checkNumber(args.maxValue ?? 1, 'maxValue', 'minMaxNorm');
    this.rate = checkNumber(args.rate ?? 1, 'rate', 'minMaxNorm');
    this.axis = checkAxis(args.axis ?? 0, 'minMaxNorm');
    if (this.minValue > this.maxValue) throw new Error(`minMaxNorm: minValue ${this.minValue} is above maxValue ${this.maxValue}`);
  }
  apply(w: Tensor): Tensor {
    return tidy(() => {
      const norms = l2Norms(w, this.axis);
      const desired = add(mul(clipByValue(norms, this.minValue, this.maxValue), this.rate), mul(norms, 1 - this.rate));
      return mul(w, div(desired, add(norms, EPSILON)));
    });
  }
  override getConfig(): ConfigDict {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

for (const c of [MaxNorm, UnitNorm, NonNeg, MinMaxNorm]) registerClass(c);

/** `tf.constraints`. */
export const constraints = {
  maxNorm: (args?: MaxNormArgs) => new MaxNorm(args),
  unitNorm: (args?: UnitNormArgs) => new UnitNorm(args),
  nonNeg: () => new NonNeg(),
  minMaxNorm: (args?: MinMaxNormArgs) => new MinMaxNorm(args),
};

/** A constraint, its TF.js identifier ('maxNorm', ..., or the class name), or its serialized form. */
export type ConstraintIdentifier = 'maxNorm' | 'minMaxNorm' | 'nonNeg' | 'unitNorm' | string | Constraint | { className: string; config?: Record<string, unknown> };

/** TF.js' string identifiers, and Keras' snake_case ones. */
const BY_NAME: Record<string, new (args?: never) => Constraint> = {
  maxNorm: MaxNorm, MaxNorm, max_norm: MaxNorm,
  minMaxNorm: MinMaxNorm, MinMaxNorm, min_max_norm: MinMaxNorm,
  nonNeg: NonNeg, NonNeg, non_neg: NonNeg,
  unitNorm: UnitNorm, UnitNorm, unit_norm: UnitNorm,
};

/** The constraint for an identifier (null for none); an unknown name is an error naming the layer. */
export function getConstraint(c: ConstraintIdentifier | null | undefined, where: string): Constraint | null {
  if (c === null || c === undefined) return null;
  if (c instanceof Constraint) return c;
  const known = 'maxNorm, minMaxNorm, nonNeg, unitNorm (or tf.constraints.maxNorm({...}))';
  if (typeof c === 'string') {
    if (!Object.hasOwn(BY_NAME, c)) throw new Error(`${where}: unknown constraint '${c}'; expected one of ${known}`);
    return new BY_NAME[c]();
  }
  if (typeof c === 'object' && typeof c.className === 'string' && Object.hasOwn(BY_NAME, c.className)) return new BY_NAME[c.className]((c.config ?? {}) as never);
  throw new Error(`${where}: unknown constraint ${JSON.stringify(c)}; expected one of ${known}`);
}

/** Per layer: the constraint of each weight-name role, and the arguments for getConfig. */
export interface LayerConstraints {
  byWeight: Map<string, Constraint>;
  config: Record<string, unknown>;
}

/** Reads the `*Constraint` arguments of a layer (null: none). */
export function constraintsFromArgs(args: object, where: string): LayerConstraints | null {
  const cs = argsByWeight(args, 'Constraint', (c) => getConstraint(c as ConstraintIdentifier | null | undefined, where), (c) => ({ className: c.getClassName(), config: c.getConfig() }));
  return cs.byWeight.size === 0 ? null : cs;
}

export function registerConstraint(cs: LayerConstraints | null, weightName: string, v: Variable): void {
  const c = cs?.byWeight.get(weightName);
  if (c) v.constraint = c;
}

/** Projects every constrained variable of `vars` in place (after an optimizer step). */
export function applyConstraints(vars: readonly Variable[]): void {
  for (const v of vars) {
    const c = v.constraint;
    if (c) tidy(() => v.assign(c.apply(v)));
  }
}
