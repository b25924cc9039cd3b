/** Keras loss and metric names, and how training computes them. */
import type { Tensor } from '../tensor.js';
import { categoricalCrossEntropy, logSoftmax, sparseCategoricalCrossEntropy, sparseSoftmaxCrossEntropy } from '../ops/nn.js';
import { mean, sum, argMax } from '../ops/reduction.js';
import { mul, neg, equal, squaredDifference, greater } from '../ops/index-internal.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/transform.js';
import { fmtShape } from '../util.js';

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError' | 'binaryCrossentropy';

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
};

export function checkLoss(name: string): LossName {
  if (typeof name !== 'string') throw new Error(`compile: loss must be a loss name (e.g. 'sparseCategoricalCrossentropy'), got ${String(name)}`);
  // Own keys only: 'toString' or 'constructor' are properties of every object.
  const own = (k: string) => (Object.hasOwn(ALIASES, k) ? ALIASES[k] : undefined);
  const n = own(name.toLowerCase()) ?? own(name);
  if (!n) throw new Error(`compile: unknown loss '${name}'; expected one of sparseCategoricalCrossentropy, categoricalCrossentropy, meanSquaredError, binaryCrossentropy (or their snake_case names)`);
  return n;
}

export type MetricName = 'accuracy' | 'acc';

export function checkMetric(name: string): MetricName {
  if (typeof name !== 'string' || (name !== 'accuracy' && name !== 'acc')) throw new Error(`compile: unknown metric '${String(name)}'; expected 'accuracy' or 'acc'`);
  return name;
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
    case 'binaryCrossentropy':
      throw new Error('binaryCrossentropy: not supported by fit yet; use sigmoid outputs with meanSquaredError or tf.losses.logLoss in a custom loop');
  }
}

/** Number of correct predictions in the batch (not differentiable). */
export function correctCount(loss: LossName, yTrue: Tensor, p: Prediction): Tensor {
  const scores = p.logits ?? p.output;
  if (loss === 'sparseCategoricalCrossentropy') {
    return sum(cast(equal(argMax(scores, -1), cast(reshape(yTrue, [-1]), 'int32')), 'float32'));
  }
  if (loss === 'categoricalCrossentropy') return sum(cast(equal(argMax(scores, -1), argMax(yTrue, -1)), 'float32'));
  // Binary: threshold 0.5 on the output.
  return sum(cast(equal(cast(greater(p.output, 0.5), 'float32'), yTrue), 'float32'));
}
