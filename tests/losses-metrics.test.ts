// tfjs-layers' losses and metrics (by compile name and as tf.metrics.*) and
// tfjs-core's tf.losses, against tfjs run in the test on the same values.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as rl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

const probs = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.05, 0.05, 0.9]];
const onehot = [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]];
const reals = [[1.5, -0.3, 2], [0.2, 0.9, -1.4], [3, 0.1, 0.5], [-2, 1, 0.3]];
const reals2 = [[1.1, 0.4, 1.2], [-0.5, 1.9, -1], [2.2, 0.3, 0.9], [-1, 0.4, 0.2]];
const bin = [[1], [0], [1], [1]];
const binP = [[0.8], [0.6], [0.3], [0.99]];

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(tol * (1 + Math.abs(b[i])));
}

describe('tfjs-layers losses and metrics', () => {
  const pairs: [string, number[][], number[][]][] = [
    ['meanSquaredError', reals, reals2], ['meanAbsoluteError', reals, reals2], ['meanAbsolutePercentageError', reals, reals2],
    ['meanSquaredLogarithmicError', probs, reals2], ['squaredHinge', reals, reals2], ['hinge', reals, reals2], ['categoricalHinge', onehot, reals2],
    ['logcosh', reals, reals2], ['categoricalCrossentropy', onehot, probs], ['binaryCrossentropy', bin, binP], ['kullbackLeiblerDivergence', onehot, probs],
    ['poisson', probs, probs.map((r) => r.map((v) => v * 2))], ['cosineProximity', reals, reals2],
  ];
  for (const [name, y, p] of pairs) {
    it(`${name}: per-sample values as tfjs-layers; compile({loss: '${name}'}) trains`, async () => {
      const fn = (rl as unknown as { metrics: Record<string, (a: ref.Tensor, b: ref.Tensor) => ref.Tensor> }).metrics[name] ?? (await import('@tensorflow/tfjs-layers/dist/losses.js'))[name as 'hinge'];
      const want = await fn(ref.tensor(y), ref.tensor(p)).data();
      const ours = (tf.metrics as Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>)[name] ?? null;
      const got = ours ? await ours(tf.tensor(y), tf.tensor(p)).data() : null;
      if (got) close(got, want);
      // The mean over the batch is what fit/evaluate report, as tfjs-layers' evaluate.
      const m = tf.sequential({ layers: [tf.layers.dense({ units: y[0].length, inputShape: [2], activation: name.includes('Crossentropy') || name === 'kullbackLeiblerDivergence' ? (y[0].length === 1 ? 'sigmoid' : 'softmax') : name === 'poisson' ? 'softplus' : 'linear' })] });
      m.compile({ optimizer: 'sgd', loss: name });
      const x = tf.tensor([[0.1, 0.2], [0.3, -0.1], [0.5, 0.5], [-0.2, 0.4]]);
      const h = await m.fit(x, tf.tensor(y), { epochs: 2, batchSize: 4, verbose: 0 });
      expect(h.history.loss.every(Number.isFinite)).toBe(true);
      // evaluate = the mean of the tfjs-layers loss on our predictions.
      const pred = m.predict(x) as tf.Tensor;
      const expected = await ref.mean(fn(ref.tensor(y), ref.tensor(await pred.array() as number[][]))).data();
      close(await (m.evaluate(tf.tensor(x.arraySync() as number[][]), tf.tensor(y)) as tf.Tensor).data(), expected, 1e-3);
    });
  }

  it('compile accepts the snake_case and short names; an unknown loss lists the names', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });
    for (const n of ['mae', 'kld', 'mean_squared_logarithmic_error', 'cosine', 'logcosh', 'categorical_hinge']) expect(() => m.compile({ optimizer: 'sgd', loss: n })).not.toThrow();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'nope' })).toThrow(/unknown loss 'nope'.*hinge/);
  });

  it('accuracy metrics, precision, recall, r2Score as tfjs-layers; topKCategoricalAccuracy as Keras', async () => {
    const RM = rl.metrics as unknown as Record<string, (a: ref.Tensor, b: ref.Tensor) => ref.Tensor>;
    const M = tf.metrics as unknown as Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>;
    const cases: [string, number[][] | number[], number[][]][] = [
      ['binaryAccuracy', bin, binP], ['categoricalAccuracy', onehot, probs], ['precision', [[1], [0], [1], [1]], [[1], [1], [0], [1]]], ['recall', [[1], [0], [1], [1]], [[1], [1], [0], [1]]],
      ['mse', reals, reals2], ['MAE', reals, reals2], ['mape', reals, reals2], ['cosine', reals, reals2],
    ];
    // tf.metrics.MAE / cosine are aliases tfjs-layers keeps internal: compared with the functions they name.
    const target: Record<string, string> = { MAE: 'meanAbsoluteError', cosine: 'cosineProximity' };
    for (const [name, y, p] of cases) close(await M[name](tf.tensor(y), tf.tensor(p)).data(), await RM[target[name] ?? name](ref.tensor(y), ref.tensor(p)).data());
    close(await tf.metrics.sparseCategoricalAccuracy(tf.tensor([0, 2, 1, 2]), tf.tensor(probs)).data(), await rl.metrics.sparseCategoricalAccuracy(ref.tensor([0, 2, 1, 2]), ref.tensor(probs)).data());
    // r2Score: tfjs-layers' formula (its implementation needs the chained methods @tensorflow/tfjs registers).
    const [yt, yp] = [ref.tensor(reals), ref.tensor(reals2)];
    close(await tf.metrics.r2Score(tf.tensor(reals), tf.tensor(reals2)).data(), await ref.sub(1, ref.div(ref.sum(ref.square(ref.sub(yt, yp))), ref.sum(ref.square(ref.sub(yt, ref.mean(yt)))))).data());
    // Keras (tf.math.in_top_k): a class tied with the k-th score counts as in the top k (last row, k = 2).
    expect(Array.from(await tf.metrics.topKCategoricalAccuracy(tf.tensor(onehot), tf.tensor(probs), 2).data())).toEqual([1, 1, 1, 1]);
    expect(Array.from(await tf.metrics.topKCategoricalAccuracy(tf.tensor(onehot), tf.tensor(probs), 1).data())).toEqual([1, 1, 0, 0]);
  });

  it('tf.losses.cosineDistance and hingeLoss as tfjs-core', async () => {
    close(await tf.losses.cosineDistance(tf.tensor(reals), tf.tensor(reals2), 1).data(), await ref.losses.cosineDistance(ref.tensor(reals), ref.tensor(reals2), 1).data());
    close(await tf.losses.hingeLoss(tf.tensor(bin), tf.tensor(binP)).data(), await ref.losses.hingeLoss(ref.tensor(bin), ref.tensor(binP)).data());
  });
});
