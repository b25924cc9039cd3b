/** Neural-network ops: bias add, softmax, moments, batch norm, dropout, fused losses (their gradients: grads/nn.ts). */
import { encodeParams } from 'cnn-worker';
import { makeTensor, Tensor, type Variable } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { generator, uniformValues } from '../random.js';
import { assert, fmtShape, sizeFromShape } from '../util.js';
import { call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';
import { reshape } from './transform.js';
import { add, mul, sub } from './binary.js';
import { logSumExp, mean } from './reduction.js';
import { rsqrt, square } from './unary.js';
import { fromValues } from './creation.js';

type Arg = Tensor | TensorLike;

/**
 * `x + bias` over the last axis in one kernel (TF's `bias_add`, NHWC; the
 * gradient sums `dy` over the other axes). `bias` has the size of `x`'s last axis.
 */
export function biasAdd(x: Tensor, bias: Tensor): Tensor {
  const c = bias.size;
  assert(x.rank >= 1 && x.shape[x.rank - 1] === c, 'biasAdd', () => `bias of shape ${fmtShape(bias.shape)} must match the last axis of x ${fmtShape(x.shape)}`);
  const y = makeTensor([...x.shape], 'float32');
  call('biasAdd', [x, bias], [y], [x.size / Math.max(1, c), c]);
  recordOp('biasAdd', [x, bias], [y]);
  return y;
}

/** Softmax over the last axis. */
export function softmax(logits: Arg, dim = -1): Tensor {
  const x = toTensor(logits, 'softmax');
  assert(x.rank >= 1, 'softmax', () => 'logits must have rank >= 1');
  assert(dim === -1 || dim === x.rank - 1, 'softmax', () => `softmax along axis ${dim} is not supported: only the last axis (${x.rank - 1})`);
  const classes = x.shape[x.rank - 1];
  const rows = x.size / Math.max(1, classes);
  const y = makeTensor([...x.shape], 'float32');
  call('softmax', [x], [y], [rows, classes]);
  recordOp('softmax', [x], [y], { rows, classes });
  return y;
}

/** `log(softmax(x))` over the last axis, computed stably. */
export function logSoftmax(logits: Arg, axis = -1): Tensor {
  const x = toTensor(logits, 'logSoftmax');
  return sub(x, logSumExp(x, axis, true));
}

/** Mean and (biased) variance over `axes`. */
export function moments(x: Arg, axes: number | number[], keepDims = false): { mean: Tensor; variance: Tensor } {
  const tx = toTensor(x, 'moments');
  const m = mean(tx, axes, true);
  const variance = mean(square(sub(tx, m)), axes, keepDims);
  return { mean: keepDims ? m : reshape(m, variance.shape), variance };
}

/** `(x - mean) / sqrt(variance + eps) * scale + offset` with broadcasting (TF.js `tf.batchNorm`). */
export function batchNorm(x: Arg, meanT: Arg, variance: Arg, offset?: Arg, scale?: Arg, varianceEpsilon = 0.001): Tensor {
  const tx = toTensor(x, 'batchNorm');
  let y = mul(sub(tx, toTensor(meanT, 'batchNorm')), rsqrt(add(toTensor(variance, 'batchNorm'), varianceEpsilon)));
  if (scale !== undefined) y = mul(y, toTensor(scale, 'batchNorm'));
  if (offset !== undefined) y = add(y, toTensor(offset, 'batchNorm'));
  return y;
}

/** Batch-norm training step over NHWC (statistics per last-axis channel). */
export interface BatchNormTrainArgs {
  x: Tensor;
  gamma: Tensor;
  beta: Tensor;
  movingMean: Variable;
  movingVariance: Variable;
  momentum: number;
  epsilon: number;
}

/**
 * Normalises with the batch's moments (one fused kernel) and updates the
 * moving statistics in place; differentiable in x, gamma and beta.
 */
export function batchNormTrain(a: BatchNormTrainArgs): Tensor {
  const c = a.x.shape[a.x.rank - 1];
  const rows = a.x.size / c;
  for (const [t, n] of [[a.gamma, 'gamma'], [a.beta, 'beta'], [a.movingMean, 'moving mean'], [a.movingVariance, 'moving variance']] as const) {
    assert(t.size === c, 'batchNormalization', () => `${n} has shape ${fmtShape(t.shape)}, expected [${c}] (the input's channels)`);
  }
  const y = makeTensor([...a.x.shape], 'float32');
  const m = makeTensor([c], 'float32');
  const v = makeTensor([c], 'float32');
  call('batchNormTrain', [a.x, a.gamma, a.beta], [y, m, v], encodeParams.batchNormTrain({ rows, channels: c, momentum: a.momentum, epsilon: a.epsilon }), { inplace: [a.movingMean, a.movingVariance] });
  recordOp('batchNormTrain', [a.x, a.gamma, a.beta], [y], { rows, channels: c, epsilon: a.epsilon }, [m, v], 'batchNormalization');
  return y;
}

/** Inference batch norm with the moving statistics (one fused kernel). */
export function batchNormInference(x: Tensor, gamma: Tensor, beta: Tensor, movingMean: Tensor, movingVariance: Tensor, epsilon: number): Tensor {
  const c = x.shape[x.rank - 1];
  const y = makeTensor([...x.shape], 'float32');
  call('batchNormInference', [x, gamma, beta, movingMean, movingVariance], [y], [x.size / c, c, epsilon]);
  recordOp('batchNormInference', [x], [y], { epsilon }, [gamma, movingVariance], 'batchNormalization');
  return y;
}

/**
 * Zeroes a fraction `rate` of the values and scales the rest by
 * `1 / (1 - rate)`. The mask comes from the seeded generator.
 */
export function dropout(x: Arg, rate: number, noiseShape?: number[], seed?: number | string): Tensor {
  const tx = toTensor(x, 'dropout');
  assert(rate >= 0 && rate < 1, 'dropout', () => `rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return mul(tx, 1);
  const shape = noiseShape ?? tx.shape;
  const u = uniformValues(sizeFromShape(shape), 0, 1, generator(seed));
  const keep = 1 / (1 - rate);
  for (let i = 0; i < u.length; i++) u[i] = u[i] >= rate ? keep : 0;
  const m = fromValues(u, [...shape], 'float32');
  return mul(tx, m);
}

/**
 * Mean sparse softmax cross-entropy from logits `[batch, classes]` and
 * integer labels `[batch]`, fused in one kernel (the path Keras takes for
 * a softmax output with sparse categorical cross-entropy).
 */
export function sparseSoftmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  const op = 'sparseSoftmaxCrossEntropy';
  assert(logits.rank === 2, op, () => `logits must be [batch, classes], got ${fmtShape(logits.shape)}`);
  const [rows, classes] = logits.shape;
  assert(labels.size === rows, op, () => `labels have ${labels.size} entries for a batch of ${rows} (labels ${fmtShape(labels.shape)}, logits ${fmtShape(logits.shape)})`);
  const probs = makeTensor([rows, classes], 'float32');
  const loss = makeTensor([], 'float32');
  call('sparseSoftmaxCrossEntropy', [logits, labels], [probs], [rows, classes], { resultTo: loss });
  recordOp(op, [logits], [loss], { rows, classes }, [probs, labels]);
  return loss;
}

/** Keras' categorical cross-entropy on probabilities (clipped at 1e-7), mean over the batch. */
export function categoricalCrossEntropy(targets: Tensor, probs: Tensor): Tensor {
  const op = 'categoricalCrossentropy';
  assert(probs.rank === 2 && targets.rank === 2 && targets.shape[0] === probs.shape[0] && targets.shape[1] === probs.shape[1], op, () => `targets ${fmtShape(targets.shape)} and predictions ${fmtShape(probs.shape)} must both be [batch, classes]`);
  const [rows, classes] = probs.shape;
  const loss = makeTensor([], 'float32');
  call('categoricalCrossEntropy', [probs, targets], [], [rows, classes], { resultTo: loss });
  recordOp(op, [probs], [loss], { rows, classes }, [targets]);
  return loss;
}

/** Keras' sparse categorical cross-entropy on probabilities (clipped at 1e-7). */
export function sparseCategoricalCrossEntropy(labels: Tensor, probs: Tensor): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  assert(probs.rank === 2, op, () => `predictions must be [batch, classes], got ${fmtShape(probs.shape)}`);
  const [rows, classes] = probs.shape;
  assert(labels.size === rows, op, () => `labels have ${labels.size} entries for a batch of ${rows}`);
  const loss = makeTensor([], 'float32');
  call('sparseCategoricalCrossEntropy', [probs, labels], [], [rows, classes], { resultTo: loss });
  recordOp(op, [probs], [loss], { rows, classes }, [labels]);
  return loss;
}
