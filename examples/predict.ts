/**
 * Loads a model saved by `npm run train` (or by TF.js, or converted from
 * Keras with tensorflowjs_converter) and classifies Fashion-MNIST test images.
 *
 *   npx tsx examples/predict.ts                          # model/model.json, first 10 test images
 *   npx tsx examples/predict.ts --model DIR/model.json --count 20 --data /usr/share/datasets/fashion-mnist
 *
 * Prints each image's true and predicted class with the confidence, and
 * the accuracy over the first --limit test images.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import * as tf from 'cnn-ts';
import { intOption } from './cli.js';
import { loadFashionMnist } from 'cnn-ts/node';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: 'model/model.json' },
    data: { type: 'string' },
    count: { type: 'string', default: '10' },
    limit: { type: 'string', default: '1000' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log('usage: npx tsx examples/predict.ts [--model PATH/model.json | URL] [--data DIR] [--count N] [--limit N] [--threads N]');
  process.exit(0);
}

async function main(): Promise<void> {
  await tf.ready({ threads: intOption('threads', opts.threads) });
  const url = /^[a-z]+:\/\//.test(opts.model!) ? opts.model! : `file://${resolve(opts.model!)}`;
  const t0 = performance.now();
  const model = await tf.loadLayersModel(url);
  console.log(`loaded ${url} in ${(performance.now() - t0).toFixed(0)} ms: ${model.layers.length} layers, ${model.countParams().toLocaleString('en-US')} parameters`);

  const d = await loadFashionMnist({ dir: opts.data });
  const hw = d.testShape.slice(1);
  const n = Math.min(intOption('limit', opts.limit)!, d.testShape[0]);
  const x = tf.tensor(d.testImages.subarray(0, n * hw[0] * hw[1] * hw[2]), [n, ...hw]);
  const probs = model.predict(x, { batchSize: 256 });
  const p = (await probs.data()) as Float32Array;
  const k = probs.shape[1]!;
  let correct = 0;
  const show = Math.min(intOption('count', opts.count)!, n);
  console.log(`${'image'.padStart(5)}  ${'true'.padEnd(12)} ${'predicted'.padEnd(12)} confidence`);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    const truth = d.testLabels[i];
    if (best === truth) correct++;
    if (i < show) console.log(`${String(i).padStart(5)}  ${(CLASSES[truth] ?? String(truth)).padEnd(12)} ${(CLASSES[best] ?? String(best)).padEnd(12)} ${(p[i * k + best] * 100).toFixed(1)}%${best === truth ? '' : '  (wrong)'}`);
  }
  console.log(`accuracy on the first ${n} test images (${d.source}): ${((correct / n) * 100).toFixed(2)}%`);
  tf.dispose([x, probs]);
  model.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
