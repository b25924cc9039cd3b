/**
 * The seed's CIFAR training script, in TypeScript with cnn-ts.
 *
 *   npm run train                       # seed CNN, embedded Fashion-MNIST subset, 10 epochs
 *   npm run train -- --data /usr/share/datasets/fashion-mnist --epochs 10
 *   npm run train -- --model small-resnet --epochs 2 --threads 2 --show-features
 *   npm run train -- --dataset cifar10 --data cifar-10-batches-bin   # streamed from the binary batches
 *   npm run train -- --save my-model     # where the trained model goes (default model/; 'none' to skip)
 *
 * Prints the model summary, Keras-style progress and the test score, and
 * writes loss.png and accuracy.png (train vs validation) like the seed's
 * plot_history. Saves the trained model (with its optimizer state) in the
 * TF.js layers format: model/model.json + shards, which examples/predict.ts,
 * tf.loadLayersModel in TF.js and tensorflowjs_converter (to Keras) read.
 */
import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from 'cnn-ts';
import { intOption } from './cli.js';
import { cifar10Dataset, imageGrid, loadFashionMnist, plotHistory } from 'cnn-ts/node';

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: 'cifar-cnn' },
    dataset: { type: 'string', default: 'fashion-mnist' },
    epochs: { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '64' },
    threads: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string', default: '.' },
    seed: { type: 'string', default: '2021' },
    verbose: { type: 'string', default: '2' },
    limit: { type: 'string' },
    'show-features': { type: 'boolean', default: false },
    save: { type: 'string', default: 'model' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(`usage: npm run train -- [--model cifar-cnn|small-resnet] [--dataset fashion-mnist|cifar10] [--epochs N] [--batch-size N] [--threads N]
                        [--data DIR] [--out DIR] [--seed N] [--verbose 0|1|2] [--limit N] [--show-features]
                        [--save DIR|none]`);
  process.exit(0);
}

const SEED = intOption('seed', opts.seed)!;
const epochs = intOption('epochs', opts.epochs)!;
const batchSize = intOption('batch-size', opts['batch-size'])!;
const verbose = intOption('verbose', opts.verbose) as 0 | 1 | 2;

function buildModel(name: string, inputShape: number[]): tf.Sequential {
  switch (name) {
    case 'cifar-cnn':
      return tf.builders.cifarCnn(inputShape, 10);
    case 'small-resnet':
      return tf.builders.smallResnet(inputShape, 10);
    default:
      throw new Error(`--model must be cifar-cnn or small-resnet, got '${name}'`);
  }
}

async function main(): Promise<void> {
  tf.random.setSeed(SEED);
  const info = await tf.ready({ threads: intOption('threads', opts.threads) });
  console.log(`cnn-ts: ${info.flavor} wasm, ${info.poolThreads} thread(s), SIMD128 ${info.simd128 ? 'on' : 'off'}`);
  if (opts.dataset === 'cifar10') return trainCifar10();
  if (opts.dataset !== 'fashion-mnist') throw new Error(`--dataset must be fashion-mnist or cifar10, got '${opts.dataset}'`);

  const d = await loadFashionMnist({ dir: opts.data });
  const limit = intOption('limit', opts.limit);
  const nTrain = Math.min(limit ?? Infinity, d.trainShape[0]);
  const nTest = Math.min(limit ?? Infinity, d.testShape[0]);
  const hw = d.trainShape.slice(1);
  console.log(`data: ${d.source} (${nTrain} train, ${nTest} test images of ${hw.join('x')})`);
  // Pixels already scaled by 1/255 (the seed's `train_X / 255.0`).
  const trainX = tf.tensor(d.trainImages.subarray(0, nTrain * hw[0] * hw[1] * hw[2]), [nTrain, ...hw]);
  const trainY = tf.tensor(d.trainLabels.subarray(0, nTrain), [nTrain], 'int32');
  const testX = tf.tensor(d.testImages.subarray(0, nTest * hw[0] * hw[1] * hw[2]), [nTest, ...hw]);
  const testY = tf.tensor(d.testLabels.subarray(0, nTest), [nTest], 'int32');

  const model = buildModel(opts.model!, hw);
  console.log('='.repeat(30), 'CNN model', '='.repeat(30));
  model.summary();
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

  const t0 = performance.now();
  const hist = await model.fit(trainX, trainY, { epochs, batchSize, validationSplit: 0.2, shuffle: true, verbose });
  const seconds = (performance.now() - t0) / 1000;
  const trained = Math.floor(nTrain * 0.8) * epochs;
  console.log(`trained ${trained} images in ${seconds.toFixed(1)} s (${(trained / seconds).toFixed(0)} images/s including validation)`);

  await mkdir(opts.out!, { recursive: true });
  const pics = await plotHistory(hist.history, opts.out!);
  console.log(`wrote ${pics.loss}${pics.accuracy ? ` and ${pics.accuracy}` : ''}`);

  const [loss, acc] = model.evaluate(testX, testY, { batchSize }) as tf.Tensor[];
  const testLoss = (await loss.data())[0];
  const testAcc = (await acc.data())[0];
  console.log(`Test Loss: ${testLoss.toFixed(5)}, Test Accuracy: ${(testAcc * 100).toFixed(3)}%`);

  if (opts['show-features']) await showFeatures(model, testX, opts.out!);

  await saveModel(model);
}

/** Saves the trained model with its optimizer state (`--save DIR`, default model/; 'none' skips). */
async function saveModel(model: tf.Sequential): Promise<void> {
  if (!opts.save || opts.save === 'none') return;
  const dir = resolve(opts.save);
  const r = await model.save(`file://${dir}`, { includeOptimizer: true });
  const mb = (r.modelArtifactsInfo.weightDataBytes ?? 0) / 1e6;
  console.log(`saved the model to ${dir}/model.json (${mb.toFixed(2)} MB of weights); classify with: npx tsx examples/predict.ts --model ${opts.save}/model.json`);
}

/**
 * The seed's CIFAR-10 run, streamed: the binary batches are read lazily
 * (pixels stay bytes until a batch is made), data_batch_5 is the last 20%
 * held out for validation as the seed's validation_split=0.2 would, and
 * test_batch.bin gives the score.
 */
async function trainCifar10(): Promise<void> {
  if (!opts.data) throw new Error('--dataset cifar10 needs --data DIR (the cifar-10-batches-bin folder of https://www.cs.toronto.edu/~kriz/cifar.html)');
  const dir = opts.data;
  const limit = intOption('limit', opts.limit);
  const cut = <T>(ds: tf.data.Dataset<T>, n = limit) => (n === undefined ? ds : ds.take(n));
  const files = [1, 2, 3, 4].map((i) => join(dir, `data_batch_${i}.bin`));
  const train = cut(await cifar10Dataset(files));
  const val = cut(await cifar10Dataset([join(dir, 'data_batch_5.bin')]), limit === undefined ? undefined : Math.ceil(limit / 4));
  const test = cut(await cifar10Dataset(dir, { split: 'test' }));
  console.log(`data: CIFAR-10 binary batches in ${dir} (${train.size} train, ${val.size} validation, ${test.size} test images of 32x32x3, streamed)`);
  const model = buildModel(opts.model!, [32, 32, 3]);
  console.log('='.repeat(30), 'CNN model', '='.repeat(30));
  model.summary();
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const hist = await model.fitDataset(train.shuffle(10000).batch(batchSize).prefetch(2), { epochs, validationData: val.batch(batchSize), verbose });
  const seconds = (performance.now() - t0) / 1000;
  const trained = (train.size ?? 0) * hist.epoch.length;
  console.log(`trained ${trained} images in ${seconds.toFixed(1)} s (${(trained / seconds).toFixed(0)} images/s including validation)`);
  await mkdir(opts.out!, { recursive: true });
  const pics = await plotHistory(hist.history, opts.out!);
  console.log(`wrote ${pics.loss}${pics.accuracy ? ` and ${pics.accuracy}` : ''}`);
  const [loss, acc] = (await model.evaluateDataset(test.batch(batchSize))) as tf.Tensor[];
  console.log(`Test Loss: ${(await loss.data())[0].toFixed(5)}, Test Accuracy: ${((await acc.data())[0] * 100).toFixed(3)}%`);
  if (opts['show-features']) {
    const [first] = await test.take(1).batch(1).toArray();
    await showFeatures(model, first.xs, opts.out!);
    tf.dispose([first.xs, first.ys]);
  }
  await saveModel(model);
}

/** Writes the first conv layer's filters and its feature maps for one test image. */
async function showFeatures(model: tf.Sequential, x: tf.Tensor, out: string): Promise<void> {
  const conv = model.layers.find((l) => l.className === 'Conv2D');
  if (!conv) return;
  const [kernelT] = conv.getWeights();
  const [kh, kw, cin, cout] = kernelT.shape;
  const kernel = await kernelT.data();
  await imageGrid(kernel, [kh, kw, cin * cout], join(out, `${conv.name}-filters.png`), { colormap: 'viridis' });
  const img = tf.slice(x, 0, 1);
  const fmap = conv.apply(img) as tf.Tensor;
  const [, h, w, c] = fmap.shape;
  await imageGrid(await fmap.data(), [h, w, c], join(out, `${conv.name}-features.png`), { colormap: 'magma' });
  console.log(`wrote ${join(out, `${conv.name}-filters.png`)} and ${join(out, `${conv.name}-features.png`)}`);
  tf.dispose([img, fmap, kernelT]);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
