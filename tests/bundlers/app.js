// The app a new user writes: cnn-ts from npm, no bundler configuration, no
// wasm copied anywhere. The same file is built by Vite and webpack and
// loaded as plain ES modules through an import map (tests/bundlers.test.ts).
// A timer on the main thread keeps counting while the model trains in the
// worker: `maxGapMs` is the longest pause between two ticks.
import * as tf from 'cnn-ts';

let ticks = 0;
let maxGapMs = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
  ticks += 1;
}, 10);

async function main() {
  const info = await tf.ready({ threads: crossOriginIsolated ? 2 : undefined });
  tf.random.setSeed(3);
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 1] }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // Two classes: dark images and bright images, with noise.
  const n = 64;
  const xs = tf.add(tf.mul(tf.randomUniform([n, 12, 12, 1]), 0.5), tf.reshape(tf.tensor(Float32Array.from({ length: n }, (_, i) => (i % 2) * 0.5)), [n, 1, 1, 1]));
  const ys = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n], 'int32');
  const ticks0 = ticks;
  maxGapMs = 0;
  last = performance.now();
  const t0 = performance.now();
  const h = await m.fit(xs, ys, { epochs: 8, batchSize: 16, verbose: 0 });
  const fitMs = performance.now() - t0;
  return { info, isolated: crossOriginIsolated, loss: h.history.loss, acc: h.history.acc, fitMs, ticksDuringFit: ticks - ticks0, maxGapMs };
}

window.result = main().catch((e) => ({ error: String(e && e.stack ? e.stack : e) }));
