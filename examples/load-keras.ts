/**
 * Loads a Keras model file (Keras 3 `.keras`, or a legacy `.h5` from Keras 3
 * or 2) and predicts with it, no Python needed.
 *
 *   npx tsx examples/load-keras.ts                                   # a committed reference model
 *   npx tsx examples/load-keras.ts --model path/to/model.keras       # your own model, on a random input
 *
 * For a reference model from tests/fixtures/keras/ it predicts the input
 * saved beside it and compares with Keras's own prediction. See docs/keras.md
 * for training on a TensorFlow cluster and then running the model here, and
 * for the way back to Keras.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from 'cnn-ts';
import { intOption } from './cli.js';

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: 'tests/fixtures/keras/misc.keras' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log('usage: npx tsx examples/load-keras.ts [--model PATH.keras|PATH.h5|URL] [--threads N]');
  process.exit(0);
}

/** The reference next to a committed model: `misc.keras` -> `misc.json`. */
function referenceFor(path: string): { input: number[]; input_shape: number[]; output: number[]; count_params: number } | undefined {
  const json = path.replace(/(\.k2)?\.(keras|h5)$/, '.json');
  return json !== path && existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : undefined;
}

async function main(): Promise<void> {
  await tf.ready({ threads: intOption('threads', opts.threads) });
  const isUrl = /^[a-z]+:\/\//.test(opts.model!);
  const url = isUrl ? opts.model! : `file://${resolve(opts.model!)}`;

  const t0 = performance.now();
  const model = await tf.loadLayersModel(url);
  console.log(`loaded ${url} in ${(performance.now() - t0).toFixed(0)} ms`);
  model.summary();

  const ref = isUrl ? undefined : referenceFor(resolve(opts.model!));
  const shape = ref?.input_shape ?? [1, ...model.inputs[0]!.shape.slice(1).map((d) => d ?? 1)];
  const x = ref ? tf.tensor(ref.input, shape) : tf.randomNormal(shape);
  const y = model.predict(x) as tf.Tensor;
  const got = await y.data();
  console.log(`prediction ${JSON.stringify(y.shape)}:`, Array.from(got.slice(0, 8)).map((v) => v.toFixed(5)).join(' '), got.length > 8 ? '...' : '');
  if (ref) {
    let worst = 0;
    ref.output.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i]! - v) / Math.max(Math.abs(v), 1e-6))));
    console.log(`Keras predicted the same to ${worst.toExponential(1)} relative; parameters ${model.countParams()} here, ${ref.count_params} in Keras`);
  }
  tf.dispose([x, y]);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
