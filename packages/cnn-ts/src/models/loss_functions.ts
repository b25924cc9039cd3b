/**
 * The loss and metric functions of tfjs-layers (`tf.metrics.*`, and the
 * names `compile({loss})` accepts), with its formulas and epsilon (1e-7):
 * each takes `(yTrue, yPred)` and returns one value per sample (the mean or
 * sum over the last axis), except precision / recall / r2Score (scalars).
 */
import { add, div, equal, greater, greaterEqual, logicalAnd, maximum, mul, sub, squaredDifference } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { argMax, max, mean, sum } from '../ops/reduction.js';
import { abs, clipByValue, exp, log, log1p, neg, relu, softplus, square } from '../ops/unary.js';
import { squeeze } from '../ops/transform.js';
import { topk } from '../ops/topk.js';
import { toTensor } from '../ops/convert.js';
import { tidy } from '../globals.js';
import { Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { l2Normalize } from '../layers/util_extra.js';

type Arg = Tensor | TensorLike;
const EPS = 1e-7;
const BIG = Number.MAX_VALUE;

function pair(yTrue: Arg, yPred: Arg, op: string): [Tensor, Tensor] {
  return [cast(toTensor(yTrue, op), 'float32'), cast(toTensor(yPred, op), 'float32')];
}
const t = <R>(f: () => R): R => tidy(f as () => never) as R;

export function meanSquaredError(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'meanSquaredError');
    return mean(square(sub(p, y)), -1);
  });
}
export function meanAbsoluteError(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'meanAbsoluteError');
    return mean(abs(sub(p, y)), -1);
  });
}
export function meanAbsolutePercentageError(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'meanAbsolutePercentageError');
    return mul(100, mean(abs(div(sub(y, p), clipByValue(abs(y), EPS, BIG))), -1));
  });
}
export function meanSquaredLogarithmicError(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'meanSquaredLogarithmicError');
    return mean(squaredDifference(log(add(1, clipByValue(p, EPS, BIG))), log(add(1, clipByValue(y, EPS, BIG)))), -1);
  });
}
export function squaredHinge(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'squaredHinge');
    return mean(square(relu(sub(1, mul(y, p)))), -1);
  });
}
export function hinge(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'hinge');
    return mean(relu(sub(1, mul(y, p))), -1);
  });
}
export function categoricalHinge(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'categoricalHinge');
    const pos = sum(mul(y, p), -1);
    const negative = max(mul(sub(1, y), p), -1);
    return maximum(0, add(1, sub(negative, pos)));
  });
}
/** log(cosh(pred - true)), computed as x + softplus(-2x) - log 2. */
export function logcosh(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'logcosh');
    const d = sub(p, y);
    return mean(sub(add(d, softplus(mul(-2, d))), Math.log(2)), -1);
  });
}
/** On probabilities (rescaled to sum to 1, clipped to [eps, 1 - eps]). */
export function categoricalCrossentropy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'categoricalCrossentropy');
    const q = clipByValue(div(p, sum(p, -1, true)), EPS, 1 - EPS);
    return neg(sum(mul(y, log(q)), -1));
  });
}
/** Integer labels `[batch]` or `[batch, 1]` against probabilities `[batch, classes]`. */
export function sparseCategoricalCrossentropy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const p = cast(toTensor(yPred, 'sparseCategoricalCrossentropy'), 'float32');
    let y = toTensor(yTrue, 'sparseCategoricalCrossentropy');
    if (y.rank === p.rank) y = squeeze(y, [y.rank - 1]);
    const q = clipByValue(p, EPS, 1 - EPS);
    const n = p.shape[p.rank - 1];
    const hot = cast(equal(cast(y, 'int32').expandDims(-1), cast(toTensor(Int32Array.from({ length: n }, (_, i) => i), 'sparseCategoricalCrossentropy'), 'int32')), 'float32');
    return neg(sum(mul(hot, log(q)), -1));
  });
}
/** max(z, 0) - z y + log(1 + exp(-|z|)) with z = logit of the clipped probability. */
export function binaryCrossentropy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'binaryCrossentropy');
    const q = clipByValue(p, EPS, 1 - EPS);
    const z = log(div(q, sub(1, q)));
    return mean(add(sub(relu(z), mul(z, y)), log1p(exp(neg(abs(z))))), -1);
  });
}
export function kullbackLeiblerDivergence(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'kullbackLeiblerDivergence');
    return sum(mul(y, log(div(clipByValue(y, EPS, 1), clipByValue(p, EPS, 1)))), -1);
  });
}
export function poisson(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'poisson');
    return mean(sub(p, mul(y, log(add(EPS, p)))), -1);
  });
}
export function cosineProximity(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'cosineProximity');
    return neg(sum(mul(l2Normalize(y, -1), l2Normalize(p, -1)), -1));
  });
}

// ---- metrics -----------------------------------------------------------------

export function binaryAccuracy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'binaryAccuracy');
    return mean(cast(equal(y, cast(greater(p, 0.5), 'float32')), 'float32'), -1);
  });
}
export function categoricalAccuracy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'categoricalAccuracy');
    return cast(equal(argMax(y, -1), argMax(p, -1)), 'float32');
  });
}
export function sparseCategoricalAccuracy(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    let y = toTensor(yTrue, 'sparseCategoricalAccuracy');
    const p = toTensor(yPred, 'sparseCategoricalAccuracy');
    if (y.rank === p.rank) y = squeeze(y, [y.rank - 1]);
    return cast(equal(cast(y, 'int32'), argMax(p, -1)), 'float32');
  });
}
function counts(yTrue: Arg, yPred: Arg, op: string): { tp: Tensor; fp: Tensor; fn: Tensor } {
  const [y, p] = pair(yTrue, yPred, op);
  const c = (a: number, b: number) => cast(sum(cast(logicalAnd(equal(y, a), equal(p, b)), 'float32')), 'float32');
  return { tp: c(1, 1), fp: c(0, 1), fn: c(1, 0) };
}
/** tp / (tp + fp) over the whole batch, 0 when nothing is predicted positive (TF.js: exact 0/1 predictions). */
export function precision(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const { tp, fp } = counts(yTrue, yPred, 'precision');
    const d = add(tp, fp);
    return div(tp, maximum(d, 1e-30));
  });
}
/** tp / (tp + fn) over the whole batch, 0 when there are no positives. */
export function recall(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const { tp, fn } = counts(yTrue, yPred, 'recall');
    const d = add(tp, fn);
    return div(tp, maximum(d, 1e-30));
  });
}
/**
 * Whether the true class (one-hot `yTrue`) is among the `k` highest scores
 * (Keras `top_k_categorical_accuracy`, k = 5 by default; tfjs-layers 4.22
 * declares it but throws NotImplemented).
 */
export function topKCategoricalAccuracy(yTrue: Arg, yPred: Arg, k = 5): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'topKCategoricalAccuracy');
    const kk = Math.min(k, p.shape[p.rank - 1]);
    const kth = topk(p, kk).values.slice([...new Array<number>(p.rank - 1).fill(0), kk - 1], [...p.shape.slice(0, -1), 1]);
    // The true class's score is in the top k when it is at least the k-th largest.
    const trueScore = sum(mul(y, p), -1, true);
    return squeeze(cast(greaterEqual(trueScore, kth), 'float32'), [p.rank - 1]);
  });
}
export function r2Score(yTrue: Arg, yPred: Arg): Tensor {
  return t(() => {
    const [y, p] = pair(yTrue, yPred, 'r2Score');
    return sub(1, div(sum(square(sub(y, p))), sum(square(sub(y, mean(y))))));
  });
}

/** An alias as its own function, so that compile logs it under the alias (as tfjs-layers' exports). */
function alias(name: string, f: (yTrue: Arg, yPred: Arg) => Tensor): (yTrue: Arg, yPred: Arg) => Tensor {
  const g = (yTrue: Arg, yPred: Arg) => f(yTrue, yPred);
  Object.defineProperty(g, 'name', { value: name });
  return g;
}

/** `tf.metrics`: tfjs-layers' metric (and loss) functions and their aliases. */
export const metrics = {
  binaryAccuracy,
  binaryCrossentropy,
  categoricalAccuracy,
  categoricalCrossentropy,
  cosineProximity,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  precision,
  recall,
  r2Score,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
  sparseCategoricalCrossentropy,
  mse: alias('mse', meanSquaredError),
  MSE: alias('MSE', meanSquaredError),
  mae: alias('mae', meanAbsoluteError),
  MAE: alias('MAE', meanAbsoluteError),
  mape: alias('mape', meanAbsolutePercentageError),
  MAPE: alias('MAPE', meanAbsolutePercentageError),
  cosine: alias('cosine', cosineProximity),
};

/** The loss functions `compile` takes by tfjs-layers name. */
export const LOSS_FUNCTIONS = {
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  squaredHinge,
  hinge,
  categoricalHinge,
  logcosh,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  kullbackLeiblerDivergence,
  poisson,
  cosineProximity,
} as const;

