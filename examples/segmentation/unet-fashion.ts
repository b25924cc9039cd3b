/**
 * U-Net segmentation on a real task made from Fashion-MNIST: the mask of an
 * image is its garment, the pixels brighter than a threshold. Images are
 * padded from 28x28 to 32x32 (U-Net's poolings need multiples of 2^depth).
 * Trains a narrow U-Net, reports the test IoU (intersection over union of
 * the predicted and true masks, predictions thresholded at 0.5) and writes
 * a PNG: a row of inputs, a row of true masks, a row of predicted masks.
 *
 *   node --import tsx examples/segmentation/unet-fashion.ts [--epochs 3] [--train 4000] [--threads 2] [--out segmentation.png]
 */
import { parseArgs } from 'node:util';
import * as tf from 'cnn-ts';
import { intOption, numberOption } from '../cli.js';
import { imageGrid, loadFashionMnist } from 'cnn-ts/node';

const { values: opts } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    train: { type: 'string', default: '4000' },
    test: { type: 'string', default: '1000' },
    threshold: { type: 'string', default: '0.2' },
    threads: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string', default: 'segmentation.png' },
  },
});
await tf.ready({ threads: intOption('threads', opts.threads) });
tf.random.setSeed(2021);
const threshold = numberOption('threshold', opts.threshold)!;

const fm = await loadFashionMnist(opts.data ? { dir: opts.data } : {});
console.log(`Fashion-MNIST from ${fm.source}`);

/** `count` images from `images` padded to 32x32, and their masks (pixel > threshold). */
function split(images: Float32Array, total: number, count: number): { x: tf.Tensor; y: tf.Tensor } {
  const n = Math.min(count, total);
  const x = new Float32Array(n * 32 * 32);
  const y = new Float32Array(n * 32 * 32);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const v = images[i * 784 + r * 28 + c];
        const o = i * 1024 + (r + 2) * 32 + (c + 2);
        x[o] = v;
        y[o] = v > threshold ? 1 : 0;
      }
    }
  }
  return { x: tf.tensor(x, [n, 32, 32, 1]), y: tf.tensor(y, [n, 32, 32, 1]) };
}

const train = split(fm.trainImages, fm.trainShape[0], intOption('train', opts.train)!);
const test = split(fm.testImages, fm.testShape[0], intOption('test', opts.test)!);
const model = tf.builders.unet({ inputShape: [32, 32, 1], classes: 1, baseFilters: 8, depth: 3 });
console.log(`U-Net base 8, depth 3: ${model.countParams().toLocaleString('en-US')} parameters; ${train.x.shape[0]} training images, ${test.x.shape[0]} test images`);
// fit supports meanSquaredError on the sigmoid mask (binary cross-entropy in fit is issue 11's).
model.compile({ optimizer: tf.train.adam(0.003), loss: 'meanSquaredError' });
await model.fit(train.x, train.y, { epochs: intOption('epochs', opts.epochs)!, batchSize: 32, verbose: 1 });

const pred = model.predict(test.x, { batchSize: 64 }) as tf.Tensor;
const [p, t] = [await pred.data(), await test.y.data()];
let inter = 0;
let union = 0;
for (let i = 0; i < p.length; i++) {
  const a = p[i] > 0.5;
  const b = t[i] > 0.5;
  if (a && b) inter++;
  if (a || b) union++;
}
console.log(`test IoU of the garment masks: ${(inter / union).toFixed(4)} (${test.x.shape[0]} images)`);

// Rows: 8 inputs, their true masks, the predicted masks (tiles last: [32, 32, 24]).
const k = 8;
const xs = await test.x.data();
const tiles = new Float32Array(32 * 32 * 3 * k);
for (let row = 0; row < 3; row++) {
  const src = row === 0 ? xs : row === 1 ? t : p;
  for (let j = 0; j < k; j++) {
    for (let q = 0; q < 1024; q++) tiles[q * 3 * k + row * k + j] = row === 2 ? (src[j * 1024 + q] > 0.5 ? 1 : 0) : src[j * 1024 + q];
  }
}
const out = await imageGrid(tiles, [32, 32, 3 * k], opts.out, { columns: k, scale: 3 });
console.log(`wrote ${out.path} (${out.width}x${out.height}): inputs, true masks, predicted masks`);
tf.dispose([train.x, train.y, test.x, test.y, pred]);
model.dispose();
