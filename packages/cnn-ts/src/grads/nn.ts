/** Gradients of softmax, batch norm, the fused losses and biasAdd (ops/nn.ts, layers/core.ts). */
import { makeTensor } from '../tensor.js';
import { call } from '../ops/kernel.js';
import { add, mul } from '../ops/binary.js';
import { rsqrt } from '../ops/unary.js';
import { registerGradient } from './registry.js';

interface RowsClasses {
  rows: number;
  classes: number;
}

registerGradient<RowsClasses>('softmax', ([dy], { inputs: [x], outputs: [y], attrs: { rows, classes } }) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('softmaxBackward', [y, dy], [dx], [rows, classes]);
  return [dx];
});

// Training: inputs [x, gamma, beta], saved the batch mean and variance.
registerGradient<{ rows: number; channels: number; epsilon: number }>('batchNormTrain', ([dy], { inputs: [x, gamma], saved: [m, v], attrs: { rows, channels: c, epsilon } }) => {
  const dx = makeTensor([...x.shape], 'float32');
  const dg = makeTensor([c], 'float32');
  const db = makeTensor([c], 'float32');
  call('batchNormBackward', [x, dy, gamma, m, v], [dx, dg, db], [rows, c, epsilon]);
  return [dx, dg, db];
});

// Inference: input [x], saved gamma and the moving variance.
registerGradient<{ epsilon: number }>('batchNormInference', ([dy], { saved: [gamma, movingVariance], attrs: { epsilon } }) => [mul(dy, mul(gamma, rsqrt(add(movingVariance, epsilon))))]);

registerGradient<RowsClasses>('sparseSoftmaxCrossEntropy', ([dy], { saved: [probs, labels], attrs: { rows, classes } }) => {
  const d = makeTensor([rows, classes], 'float32');
  call('sparseSoftmaxCrossEntropyBackward', [probs, labels], [d], [rows, classes]);
  return [mul(d, dy)];
});

registerGradient<RowsClasses>('categoricalCrossentropy', ([dy], { inputs: [probs], saved: [targets], attrs: { rows, classes } }) => {
  const d = makeTensor([rows, classes], 'float32');
  call('categoricalCrossEntropyBackward', [probs, targets], [d], [rows, classes]);
  return [mul(d, dy)];
});

registerGradient<RowsClasses>('sparseCategoricalCrossentropy', ([dy], { inputs: [probs], saved: [labels], attrs: { rows, classes } }) => {
  const d = makeTensor([rows, classes], 'float32');
  call('sparseCategoricalCrossEntropyBackward', [probs, labels], [d], [rows, classes]);
  return [mul(d, dy)];
});

// x + bias over the last axis: dx = dy, dbias sums dy over the rows.
registerGradient('biasAdd', ([dy], { inputs: [, bias] }) => {
  const db = makeTensor([bias.size], 'float32');
  call('biasGrad', [dy], [db], [bias.size]);
  return [dy, db];
});
