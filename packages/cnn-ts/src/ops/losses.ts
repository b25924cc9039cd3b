/** `tf.losses`: the TF.js loss functions, mean-reduced. */
import { Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { toTensor } from './convert.js';
import { abs, log, neg, relu, exp, log1p, square } from './unary.js';
import { add, minimum, mul, squaredDifference, sub } from './binary.js';
import { mean, sum } from './reduction.js';
import { logSoftmax } from './nn.js';
import { assert, fmtShape, shapesEqual } from '../util.js';

type Arg = Tensor | TensorLike;

function pair(op: string, labels: Arg, predictions: Arg): [Tensor, Tensor] {
  const l = toTensor(labels, op);
  const p = toTensor(predictions, op);
  assert(shapesEqual(l.shape, p.shape), op, () => `labels ${fmtShape(l.shape)} and predictions ${fmtShape(p.shape)} must have the same shape`);
  return [l, p];
}

export function meanSquaredError(labels: Arg, predictions: Arg): Tensor {
  const [l, p] = pair('meanSquaredError', labels, predictions);
  return mean(squaredDifference(l, p));
}

export function absoluteDifference(labels: Arg, predictions: Arg): Tensor {
  const [l, p] = pair('absoluteDifference', labels, predictions);
  return mean(abs(sub(l, p)));
}

/** Cross-entropy between one-hot labels and logits (softmax over the last axis). */
export function softmaxCrossEntropy(onehotLabels: Arg, logits: Arg): Tensor {
  const [l, z] = pair('softmaxCrossEntropy', onehotLabels, logits);
  return mean(neg(sum(mul(l, logSoftmax(z)), -1)));
}

/** Element-wise sigmoid cross-entropy from logits: max(z,0) - z*l + log(1+exp(-|z|)). */
export function sigmoidCrossEntropy(multiClassLabels: Arg, logits: Arg): Tensor {
  const [l, z] = pair('sigmoidCrossEntropy', multiClassLabels, logits);
  return mean(add(sub(relu(z), mul(z, l)), log1p(exp(neg(abs(z))))));
}

/** Binary log loss on probabilities: -(l log(p+eps) + (1-l) log(1-p+eps)). */
export function logLoss(labels: Arg, predictions: Arg, epsilon = 1e-7): Tensor {
  const [l, p] = pair('logLoss', labels, predictions);
  const a = mul(l, log(add(p, epsilon)));
  const b = mul(sub(1, l), log(add(sub(1, p), epsilon)));
  return mean(neg(add(a, b)));
}

/** Huber loss with threshold `delta`. */
export function huberLoss(labels: Arg, predictions: Arg, delta = 1): Tensor {
  const [l, p] = pair('huberLoss', labels, predictions);
  // As TF.js: 0.5 q^2 + delta (|e| - q) with q = min(|e|, delta).
  const err = abs(sub(p, l));
  const quad = minimum(err, delta);
  return mean(add(mul(square(quad), 0.5), mul(sub(err, quad), delta)));
}

/** `1 - sum(labels * predictions, axis)`, mean-reduced (tfjs-core `tf.losses.cosineDistance`; inputs expected unit-normalised). */
export function cosineDistance(labels: Arg, predictions: Arg, axis: number): Tensor {
  const [l, p] = pair('cosineDistance', labels, predictions);
  return mean(sub(1, sum(mul(l, p), axis, true)));
}

/** Hinge loss with labels in {0, 1} mapped to {-1, 1}: mean of `relu(1 - y p)` (tfjs-core `tf.losses.hingeLoss`). */
export function hingeLoss(labels: Arg, predictions: Arg): Tensor {
  const [l, p] = pair('hingeLoss', labels, predictions);
  return mean(relu(sub(1, mul(sub(mul(l, 2), 1), p))));
}
