// Shared by the benches that time the seed's CIFAR CNN (32x32x3, 10 classes,
// batch 64, Adam 0.001) in cnn-ts: native.mjs (against Keras), simd.mjs
// (strict vs relaxed builds) and train.mjs. One definition of "training
// img/s" and "predict ms", so their figures compare. Not a bench itself.

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/**
 * Trains the seed CNN for `steps` batches of `batch` random images (after
 * `warmupSteps` unmeasured ones: JIT, buffer pools) and times `predictRuns`
 * predicts of `predictBatch` images after `predictWarmup` unmeasured ones.
 *
 * @param {typeof import('cnn-ts')} tf
 * @param {{ threads: number, simd?: 'auto' | 'relaxed' | 'strict', steps: number, batch?: number,
 *   warmupSteps?: number, predictBatch?: number, predictRuns?: number, predictWarmup?: number,
 *   metrics?: string[], data?: 'random' | Float32Array }} o
 *   `data`: one batch of images repeated over the steps (train.mjs's fixed data), else random.
 * @returns {Promise<{ trainImagesPerSecond: number, predictMs: number | null, relaxedSimd: boolean }>}
 */
export async function seedCnnSpeed(tf, o) {
  const batch = o.batch ?? 64;
  const { steps } = o;
  const warmupSteps = o.warmupSteps ?? 2;
  const predictBatch = o.predictBatch ?? batch;
  const predictRuns = o.predictRuns ?? 12;
  const predictWarmup = o.predictWarmup ?? 2;
  const info = await tf.ready({ threads: o.threads, mode: 'inline', ...(o.simd ? { simd: o.simd } : {}) });
  if (o.simd && o.simd !== 'auto' && info.relaxedSimd !== (o.simd === 'relaxed')) {
    throw new Error(`asked for simd '${o.simd}', got relaxedSimd=${info.relaxedSimd}`);
  }
  tf.random.setSeed(1);
  const m = tf.builders.cifarCnn([32, 32, 3], 10);
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: o.metrics ?? [] });
  const n = batch * Math.max(steps, warmupSteps, Math.ceil(predictBatch / batch));
  const x = o.data instanceof Float32Array
    ? tf.tensor(new Float32Array(n * 3072).map((_, i) => o.data[i % o.data.length]), [n, 32, 32, 3])
    : tf.randomUniform([n, 32, 32, 3]);
  const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
  const fitOpts = { epochs: 1, batchSize: batch, verbose: 0, shuffle: false, checkFinite: false };
  const xw = tf.slice(x, 0, warmupSteps * batch);
  const yw = tf.slice(y, 0, warmupSteps * batch);
  if (warmupSteps > 0) await m.fit(xw, yw, fitOpts);
  const xs = tf.slice(x, 0, steps * batch);
  const ys = tf.slice(y, 0, steps * batch);
  let t0 = performance.now();
  await m.fit(xs, ys, fitOpts);
  const trainImagesPerSecond = (steps * batch) / ((performance.now() - t0) / 1000);
  let predictMs = null;
  if (predictRuns > 0) {
    const xp = tf.slice(x, 0, predictBatch);
    const times = [];
    for (let i = 0; i < predictWarmup + predictRuns; i++) {
      t0 = performance.now();
      const p = m.predict(xp);
      await p.data();
      if (i >= predictWarmup) times.push(performance.now() - t0);
      p.dispose();
    }
    xp.dispose();
    predictMs = median(times);
  }
  tf.dispose([x, y, xw, yw, xs, ys]);
  m.dispose();
  return { trainImagesPerSecond, predictMs, relaxedSimd: info.relaxedSimd };
}
