/** Keras loss and metric names, and how training computes them. */
import { Tensor } from '../tensor.js';
import { categoricalCrossEntropy, logSoftmax, sparseCategoricalCrossEntropy, sparseSoftmaxCrossEntropy } from '../ops/nn.js';
import { mean, sum, argMax } from '../ops/reduction.js';
import { mul, neg, equal, squaredDifference, greater } from '../ops/index-internal.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/transform.js';
import { fmtShape } from '../util.js';

import { LOSS_FUNCTIONS, metrics } from './loss_functions.js';

/** tfjs-layers' loss names (compile({loss})); the first three use fused kernels. */
export type LossName = keyof typeof LOSS_FUNCTIONS;

const ALIASES: Record<string, LossName> = {
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  categoricalcrossentropy: 'categoricalCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  meansquarederror: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  mse: 'meanSquaredError',
  binarycrossentropy: 'binaryCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  // Keras' snake_case names of the other tfjs-layers losses, and their aliases.
  mean_absolute_error: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  mape: 'meanAbsolutePercentageError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  msle: 'meanSquaredLogarithmicError',
  squared_hinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence',
  cosine_proximity: 'cosineProximity',
  cosine: 'cosineProximity',
  log_cosh: 'logcosh',
};
for (const n of Object.keys(LOSS_FUNCTIONS)) ALIASES[n.toLowerCase()] = n as LossName;

export function checkLoss(name: string): LossName {
  if (typeof name !== 'string') throw new Error(`compile: loss must be a loss name (e.g. 'sparseCategoricalCrossentropy'), got ${String(name)}`);
  // Own keys only: 'toString' or 'constructor' are properties of every object.
  const own = (k: string) => (Object.hasOwn(ALIASES, k) ? ALIASES[k] : undefined);
  const n = own(name.toLowerCase()) ?? own(name);
  if (!n) throw new Error(`compile: unknown loss '${name}'; expected one of ${Object.keys(LOSS_FUNCTIONS).join(', ')} (or their snake_case names)`);
  return n;
}

/** A metric function as compile takes it (TF.js `LossOrMetricFn`): `(yTrue, yPred) => value per sample, or a scalar`. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** What `compile({metrics})` takes per output: names or functions. */
export type MetricIdentifier = string | MetricFn;

/** One compiled metric of an output: its log key and how to compute its batch mean. */
export interface MetricSpec {
  /** The log key (TF.js `metricsNames` entry, before an output-name prefix). */
  key: string;
  /** As given to compile (kept for the saved training config). */
  identifier: MetricIdentifier;
  /** The metric's mean over the batch (a scalar). */
  value(loss: LossName, yTrue: Tensor, p: Prediction): Tensor;
}

/** Names tfjs-layers' compile accepts for the metric functions (its metricsMap), and ours beyond it: every `tf.metrics` name. */
function metricByName(name: string): MetricFn | undefined {
  if (Object.hasOwn(metrics, name)) return (metrics as Record<string, MetricFn>)[name];
  // Keras' snake_case names (a saved training_config, or Python habits).
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return Object.hasOwn(metrics, camel) ? (metrics as Record<string, MetricFn>)[camel] : undefined;
}

/** The metric functions (not accuracy / crossentropy names) as a batch mean of the output's probabilities. */
function fnMetric(key: string, identifier: MetricIdentifier, fn: MetricFn): MetricSpec {
  return {
    key,
    identifier,
    value: (_loss, yTrue, p) => {
      const v = fn(yTrue, p.output);
      if (!(v instanceof Tensor)) throw new Error(`metric '${key}': the function must return a tensor, got ${v === null ? 'null' : typeof v}`);
      return v.rank === 0 ? v : mean(v);
    },
  };
}

/** Whether tfjs-layers uses the binary variant of 'accuracy' / 'crossentropy' for this output. */
function binaryOutput(loss: LossName, p: Prediction): boolean {
  return loss === 'binaryCrossentropy' || p.output.shape[p.output.rank - 1] === 1;
}

/**
 * A compile metric as tfjs-layers sets it up: 'accuracy' / 'acc' (key
 * `acc`) and 'crossentropy' / 'ce' (key `ce`) pick the binary, sparse or
 * categorical variant from the output and loss; any other name is a
 * `tf.metrics` function under that key (tfjs-layers accepts the names of its
 * metricsMap: binaryAccuracy, categoricalAccuracy, precision, mse, mae, mape,
 * cosine, ...; we accept every `tf.metrics` name, e.g. also recall); a
 * function's key is its `name`, as tfjs-layers' getLossOrMetricName.
 */
export function checkMetric(m: MetricIdentifier): MetricSpec {
  if (typeof m === 'function') return fnMetric(m.name, m, m);
  if (typeof m !== 'string') throw new Error(`compile: a metric must be a name or a function (yTrue, yPred) => tensor, got ${m === null ? 'null' : typeof m}`);
  if (m === 'accuracy' || m === 'acc') return { key: 'acc', identifier: m, value: (loss, y, p) => correctCount(loss, y, p).div(y.shape[0]) };
  if (m === 'crossentropy' || m === 'ce') {
    return {
      key: 'ce',
      identifier: m,
      value: (loss, y, p) => {
        const fn = binaryOutput(loss, p) ? metrics.binaryCrossentropy : loss === 'sparseCategoricalCrossentropy' ? metrics.sparseCategoricalCrossentropy : metrics.categoricalCrossentropy;
        return mean(fn(y, p.output));
      },
    };
  }
  const fn = metricByName(m);
  if (!fn) throw new Error(`compile: unknown metric '${m}'; expected 'accuracy', 'crossentropy', a tf.metrics name (${Object.keys(metrics).join(', ')}) or a function (yTrue, yPred) => tensor`);
  return fnMetric(m, m, fn);
}

/** The name a metric is saved under in a training config, or null for a function that is not a `tf.metrics` one. */
export function metricSaveName(m: MetricIdentifier): string | null {
  if (typeof m === 'string') return m;
  const entry = Object.entries(metrics).find(([, f]) => f === m);
  return entry ? entry[0] : null;
}

/** The model output a loss sees: probabilities, and logits where the last layer is a softmax. */
export interface Prediction {
  output: Tensor;
  /** Pre-softmax values when the output layer's activation is softmax. */
  logits?: Tensor;
}

/** Mean loss over the batch, differentiable. Uses the fused logits kernels where Keras would. */
export function computeLoss(loss: LossName, yTrue: Tensor, p: Prediction): Tensor {
  const out = p.output;
  switch (loss) {
    case 'sparseCategoricalCrossentropy': {
      if (out.rank !== 2) throw new Error(`sparseCategoricalCrossentropy: predictions must be [batch, classes], got ${fmtShape(out.shape)}`);
      if (yTrue.size !== out.shape[0]) throw new Error(`sparseCategoricalCrossentropy: labels ${fmtShape(yTrue.shape)} do not match predictions ${fmtShape(out.shape)} (one integer label per sample)`);
      const labels = yTrue.rank === 1 ? yTrue : reshape(yTrue, [-1]);
      return p.logits ? sparseSoftmaxCrossEntropy(labels, p.logits) : sparseCategoricalCrossEntropy(labels, out);
    }
    case 'categoricalCrossentropy': {
      if (yTrue.rank !== 2 || yTrue.shape[1] !== out.shape[1]) throw new Error(`categoricalCrossentropy: one-hot labels ${fmtShape(yTrue.shape)} do not match predictions ${fmtShape(out.shape)}`);
      return p.logits ? mean(neg(sum(mul(yTrue, logSoftmax(p.logits)), -1))) : categoricalCrossEntropy(yTrue, out);
    }
    case 'meanSquaredError':
      return mean(squaredDifference(out, yTrue.rank === out.rank ? yTrue : reshape(yTrue, out.shape)));
    default: {
      // tfjs-layers' formula, one value per sample, averaged over the batch.
      const y = yTrue.rank === out.rank ? yTrue : reshape(yTrue, out.shape);
      if (y.shape.some((d, i) => d !== out.shape[i])) throw new Error(`${loss}: targets ${fmtShape(yTrue.shape)} do not match predictions ${fmtShape(out.shape)}`);
      return mean(LOSS_FUNCTIONS[loss](y, out));
    }
  }
}

/** Number of correct predictions in the batch (not differentiable). */
export function correctCount(loss: LossName, yTrue: Tensor, p: Prediction): Tensor {
  const scores = p.logits ?? p.output;
  if (loss === 'sparseCategoricalCrossentropy') {
    return sum(cast(equal(argMax(scores, -1), cast(reshape(yTrue, [-1]), 'int32')), 'float32'));
  }
  // As tfjs-layers picks the accuracy: binary for one output unit or binaryCrossentropy, else categorical.
  const binary = loss === 'binaryCrossentropy' || p.output.shape[p.output.rank - 1] === 1;
  if (!binary) return sum(cast(equal(argMax(scores, -1), argMax(yTrue, -1)), 'float32'));
  // Binary: threshold 0.5 on the output.
  return sum(cast(equal(cast(greater(p.output, 0.5), 'float32'), yTrue), 'float32'));
}
