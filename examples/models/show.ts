/**
 * Shared by the programs in this folder: prints a builder's summary (as the
 * seed's `build_vgg16(); model.summary()`) and times one forward pass of a
 * random batch of 1 at the model's input size.
 */
import { parseArgs } from 'node:util';
import * as tf from 'cnn-ts';
import { intOption } from '../cli.js';

export async function show(model: tf.LayersModel): Promise<void> {
  model.summary();
  const shape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([1, ...shape]);
  const t0 = performance.now();
  const y = model.predict(x) as tf.Tensor;
  const v = await y.data();
  const ms = performance.now() - t0;
  let top = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[top]) top = i;
  console.log(`forward pass of a random [1, ${shape.join(', ')}] input: output ${JSON.stringify(y.shape)} in ${ms.toFixed(0)} ms (first call, random weights; argmax ${top})`);
  tf.dispose([x, y]);
  model.dispose();
}

/** `--threads N` (default: what tf.ready picks). */
export async function ready(): Promise<void> {
  const { values } = parseArgs({ options: { threads: { type: 'string' } } });
  await tf.ready({ threads: intOption('threads', values.threads) });
}
