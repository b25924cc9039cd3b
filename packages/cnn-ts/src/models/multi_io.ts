/**
 * Several inputs and outputs, as Keras / TF.js name them: data given as a
 * tensor, an array (in model order) or an object keyed by input / output
 * layer name; a loss, a loss weight and metrics per output; the names of
 * what training reports (`loss`, `cls_loss`, `cls_acc`, ...).
 */
import type { Tensor } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import { fmtShape } from '../util.js';
import { checkLoss, checkMetric, type LossName, type MetricIdentifier, type MetricSpec } from './losses.js';

/** Data for a model's inputs or outputs: one tensor, an array in model order, or an object keyed by layer name. */
export type TensorOrArrayOrMap = Tensor | Tensor[] | { [name: string]: Tensor };

/**
 * The tensors of `values` in the order of `names`. A single tensor needs a
 * single name; an array must match in length; an object must hold every
 * name and nothing else (unknown keys are listed with the valid names).
 */
export function standardizeData(values: TensorOrArrayOrMap, names: readonly string[], kind: 'input' | 'output', caller: string, what: string): Tensor[] {
  const plural = `${names.length} ${kind}${names.length === 1 ? '' : 's'}`;
  if (values instanceof TensorClass) {
    if (names.length !== 1) throw new Error(`${caller}: the model has ${plural} (${names.join(', ')}) but ${what} is a single tensor; pass an array of ${names.length} tensors or an object keyed by ${kind} name`);
    return [values];
  }
  if (Array.isArray(values)) {
    if (values.length !== names.length) throw new Error(`${caller}: the model has ${plural} (${names.join(', ')}) but ${what} is an array of ${values.length} tensors`);
    values.forEach((v, i) => {
      if (!(v instanceof TensorClass)) throw new Error(`${caller}: ${what}[${i}] (${kind} '${names[i]}') is not a tensor`);
    });
    return values;
  }
  if (values === null || typeof values !== 'object') throw new Error(`${caller}: ${what} must be a tensor, an array of tensors or an object keyed by ${kind} name, got ${values === null ? 'null' : typeof values}`);
  const keys = Object.keys(values);
  const unknown = keys.filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new Error(`${caller}: ${what} has key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')} matching no ${kind} of the model; its ${kind} names are: ${names.join(', ')}`);
  return names.map((n) => {
    const v = values[n];
    if (!(v instanceof TensorClass)) throw new Error(`${caller}: ${what} lacks the ${kind} '${n}'; its ${kind} names are: ${names.join(', ')}`);
    return v;
  });
}

/** All tensors of one call agree on the number of samples. */
export function checkSampleCounts(named: { label: string; t: Tensor }[], caller: string): number {
  const n = named[0].t.shape[0];
  for (const { label, t } of named) {
    if (t.rank === 0) throw new Error(`${caller}: ${label} is a scalar; expected a batch axis first`);
    if (t.shape[0] !== n) {
      throw new Error(`${caller}: every input and output must have the same number of samples, but ${named[0].label} has ${n} (shape ${fmtShape(named[0].t.shape)}) and ${label} has ${t.shape[0]} (shape ${fmtShape(t.shape)})`);
    }
  }
  return n;
}

/** What `compile` sets up for one output. */
export interface OutputSpec {
  name: string;
  loss: LossName;
  weight: number;
  metrics: MetricSpec[];
}

/** A value per output: one for all, an array in output order, or an object keyed by output name. */
export type PerOutput<T> = T | T[] | { [outputName: string]: T };

function perOutput<T>(value: PerOutput<T> | undefined, names: readonly string[], fallback: T, what: string, isScalar: (v: unknown) => v is T): T[] {
  if (value === undefined) return names.map(() => fallback);
  if (isScalar(value)) return names.map(() => value);
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new Error(`compile: ${what} is an array of ${value.length} but the model has ${names.length} output${names.length === 1 ? '' : 's'} (${names.join(', ')})`);
    return value;
  }
  const obj = value as { [k: string]: T };
  const unknown = Object.keys(obj).filter((k) => !names.includes(k));
  if (unknown.length > 0) throw new Error(`compile: ${what} has key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')} matching no output; the output names are: ${names.join(', ')}`);
  return names.map((n) => obj[n] ?? fallback);
}

/** Compile options that vary per output. */
export interface PerOutputCompileArgs {
  loss: PerOutput<string>;
  lossWeights?: number[] | { [outputName: string]: number };
  metrics?: MetricIdentifier[] | MetricIdentifier[][] | { [outputName: string]: MetricIdentifier | MetricIdentifier[] };
}

/** One {@link OutputSpec} per output, from the compile options (Keras' rules: a single loss or metric list applies to every output). */
export function outputSpecs(names: readonly string[], args: PerOutputCompileArgs): OutputSpec[] {
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  if (!isString(args.loss) && !Array.isArray(args.loss) && (args.loss === null || typeof args.loss !== 'object')) {
    throw new Error(`compile: loss must be a loss name, an array of names or an object keyed by output name, got ${args.loss === undefined ? 'undefined' : typeof args.loss}`);
  }
  if (!isString(args.loss) && !Array.isArray(args.loss)) {
    const missing = names.filter((n) => !(n in (args.loss as object)));
    if (missing.length > 0) throw new Error(`compile: the loss object lacks output${missing.length === 1 ? '' : 's'} ${missing.map((m) => `'${m}'`).join(', ')}; the output names are: ${names.join(', ')}`);
  }
  const losses = perOutput<string>(args.loss, names, '', 'loss', isString).map((l, i) => {
    if (!isString(l)) throw new Error(`compile: the loss of output '${names[i]}' must be a loss name, got ${typeof l}`);
    return checkLoss(l);
  });
  const weights = perOutput<number>(args.lossWeights, names, 1, 'lossWeights', isNumber);
  weights.forEach((w, i) => {
    if (!Number.isFinite(w)) throw new Error(`compile: lossWeights for output '${names[i]}' must be a finite number, got ${w}`);
  });
  let metrics: MetricIdentifier[][];
  const m = args.metrics;
  const isOne = (v: unknown): v is MetricIdentifier => typeof v === 'string' || typeof v === 'function';
  if (m === undefined) metrics = names.map(() => []);
  else if (Array.isArray(m) && m.every(isOne)) metrics = names.map(() => m);
  else if (Array.isArray(m)) {
    if (m.length !== names.length) throw new Error(`compile: metrics is a list of ${m.length} lists but the model has ${names.length} outputs (${names.join(', ')})`);
    metrics = m.map((x) => (Array.isArray(x) ? x : [x]));
  } else {
    const unknown = Object.keys(m).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new Error(`compile: metrics has key${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')} matching no output; the output names are: ${names.join(', ')}`);
    metrics = names.map((n) => {
      const v = m[n];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    });
  }
  return names.map((name, i) => ({ name, loss: losses[i], weight: weights[i], metrics: metrics[i].map(checkMetric) }));
}

/**
 * TF.js' `metricsNames`: `loss`, then each output's loss when there are
 * several (`cls_loss`), then each metric (`acc`, or `cls_acc` with several outputs).
 */
export function metricsNames(specs: readonly OutputSpec[]): string[] {
  const multi = specs.length > 1;
  const out = ['loss'];
  if (multi) for (const s of specs) out.push(`${s.name}_loss`);
  // Keys as tfjs-layers 4.22 gives them: 'acc' for 'accuracy' or 'acc', 'ce', the name given, a function's name.
  for (const s of specs) for (const m of s.metrics) out.push(multi ? `${s.name}_${m.key}` : m.key);
  return out;
}

/** Class weights: one map for a single output, or per output name. */
export type ClassWeight = { [classIndex: number]: number };
export type ClassWeightMap = ClassWeight | { [outputName: string]: ClassWeight };

/** The class-weight map of each output (null where none applies). */
export function standardizeClassWeights(cw: ClassWeightMap | ClassWeight[] | undefined, names: readonly string[], caller: string): (ClassWeight | null)[] {
  if (cw === undefined) return names.map(() => null);
  if (Array.isArray(cw)) {
    if (cw.length !== names.length) throw new Error(`${caller}: classWeight is an array of ${cw.length} maps but the model has ${names.length} outputs`);
    return cw;
  }
  const keys = Object.keys(cw);
  const byName = keys.length > 0 && keys.every((k) => names.includes(k));
  if (byName) {
    const m = cw as { [outputName: string]: ClassWeight };
    return names.map((n) => m[n] ?? null);
  }
  if (names.length > 1) throw new Error(`${caller}: classWeight must be keyed by output name (${names.join(', ')}) for a model with several outputs, got keys ${keys.join(', ')}`);
  const bad = keys.find((k) => !/^\d+$/.test(k) || !Number.isFinite((cw as ClassWeight)[Number(k)]));
  if (bad !== undefined) throw new Error(`${caller}: classWeight keys must be class indices with finite weights, got '${bad}'`);
  return [cw as ClassWeight];
}
