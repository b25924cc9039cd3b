/**
 * ResNet-18 (torchvision's basic blocks, batch norm after every
 * convolution) trained on 32x32 images: Fashion-MNIST padded from 28x28,
 * 10 classes, a few epochs; prints Keras-style progress and the test
 * accuracy.
 *
 *   node --import tsx examples/resnet18-train.ts [--epochs 3] [--train 6000] [--threads 2]
 */
import { parseArgs } from 'node:util';
import * as tf from 'cnn-ts';
import { intOption } from './cli.js';
import { loadFashionMnist } from 'cnn-ts/node';

const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    train: { type: 'string', default: '6000' },
    test: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '64' },
    threads: { type: 'string' },
    data: { type: 'string' },
  },
});
await tf.ready({ threads: intOption('threads', opts.threads) });
tf.random.setSeed(2021);
const fm = await loadFashionMnist(opts.data ? { dir: opts.data } : {});

/** The first `count` images padded to 32x32x1, and their labels. */
function split(images: Float32Array, labels: Int32Array, count: number): { x: tf.Tensor; y: tf.Tensor } {
  const n = Math.min(count, labels.length);
  const x = new Float32Array(n * 1024);
  for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) x.set(images.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), i * 1024 + (r + 2) * 32 + 2);
  return { x: tf.tensor(x, [n, 32, 32, 1]), y: tf.tensor(labels.slice(0, n), [n], 'int32') };
}

const train = split(fm.trainImages, fm.trainLabels, intOption('train', opts.train)!);
const test = split(fm.testImages, fm.testLabels, intOption('test', opts.test)!);
console.log(`Fashion-MNIST from ${fm.source}: ${train.x.shape[0]} training, ${test.x.shape[0]} test images at 32x32x1`);
const model = tf.builders.resnet18({ inputShape: [32, 32, 1], classes: 10 });
console.log(`ResNet-18: ${model.countParams().toLocaleString('en-US')} parameters`);
model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const t0 = performance.now();
await model.fit(train.x, train.y, { epochs: intOption('epochs', opts.epochs)!, batchSize: intOption('batch-size', opts['batch-size'])!, validationSplit: 0.1, verbose: 1 });
const s = (performance.now() - t0) / 1000;
const [loss, acc] = model.evaluate(test.x, test.y) as tf.Tensor[];
console.log(`test loss ${(await loss.data())[0].toFixed(4)}, test accuracy ${(await acc.data())[0].toFixed(4)}; ${((train.x.shape[0] * intOption('epochs', opts.epochs)!) / s).toFixed(0)} images/s over training`);
tf.dispose([train.x, train.y, test.x, test.y, loss, acc]);
model.dispose();
