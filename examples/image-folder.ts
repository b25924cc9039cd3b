/**
 * An image classifier trained from a folder of PNG / JPEG files, one
 * subfolder per class (Keras' image_dataset_from_directory layout):
 *
 *   node --import tsx examples/image-folder.ts --data photos/ --image-size 64 --epochs 10
 *
 * The images are decoded lazily while training (never all in memory);
 * a fixed, seeded shuffle holds out --validation (default 0.2) of them.
 * Prints the classes, Keras-style progress, the validation score and the
 * predicted class of a few files.
 */
import { parseArgs } from 'node:util';
import * as tf from 'cnn-ts';
import { intOption, numberOption } from './cli.js';
import { imageFolderDataset } from 'cnn-ts/node';

const { values: opts } = parseArgs({
  options: {
    data: { type: 'string' },
    'image-size': { type: 'string' },
    channels: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '32' },
    validation: { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '2021' },
    threads: { type: 'string' },
    verbose: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help || !opts.data) {
  console.log('usage: node --import tsx examples/image-folder.ts --data DIR [--image-size N] [--channels 1|3] [--epochs N] [--batch-size N] [--validation F] [--seed N] [--threads N] [--verbose 0|1|2]');
  process.exit(opts.help ? 0 : 1);
}

async function main(): Promise<void> {
  const seed = intOption('seed', opts.seed)!;
  tf.random.setSeed(seed);
  await tf.ready({ threads: intOption('threads', opts.threads) });
  const size = intOption('image-size', opts['image-size']);
  const channels = intOption('channels', opts.channels) as 1 | 3;
  const all = await imageFolderDataset(opts.data!, { channels, imageSize: size ? [size, size] : undefined });
  const n = all.size ?? 0;
  const nVal = Math.round(n * numberOption('validation', opts.validation, true)!);
  if (nVal < 1 || nVal >= n) throw new Error(`--validation ${opts.validation} leaves no training or no validation images out of ${n}`);
  console.log(`classes: ${all.classNames.join(', ')} (${n} images: ${n - nVal} train, ${nVal} validation)`);

  // One fixed order (reshuffleEachIteration false) so the split stays put;
  // the training part is reshuffled every epoch on top of it.
  const fixed = all.shuffle(n, seed, false);
  const train = fixed.skip(nVal);
  const val = fixed.take(nVal);
  const [first] = await all.take(1).toArray();
  const inputShape = first.xs.shape;

  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: all.classNames.length, activation: 'softmax' }));
  model.summary();
  model.compile({ optimizer: tf.train.adam(0.005), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

  const batchSize = intOption('batch-size', opts['batch-size'])!;
  const verbose = intOption('verbose', opts.verbose) as 0 | 1 | 2;
  await model.fitDataset(train.shuffle(1000).batch(batchSize).prefetch(2), { epochs: intOption('epochs', opts.epochs)!, validationData: val.batch(batchSize), verbose });
  const [loss, acc] = (await model.evaluateDataset(val.batch(batchSize))) as tf.Tensor[];
  console.log(`Validation Loss: ${(await loss.data())[0].toFixed(4)}, Validation Accuracy: ${((await acc.data())[0] * 100).toFixed(2)}%`);

  // The first five held-out images.
  const shown = await val.take(5).batch(5).toArray();
  for (const b of shown) {
    const probs = model.predict(b.xs) as tf.Tensor;
    const pred = await probs.argMax(-1).data();
    const truth = await b.ys.data();
    pred.forEach((p, i) => console.log(`  sample ${i}: predicted ${all.classNames[p]}, true ${all.classNames[truth[i]]}`));
    tf.dispose([probs, b.xs, b.ys]);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
