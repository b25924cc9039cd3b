// The fused softmax + cross-entropy head: the training code asks the model
// for logits (forwardForLoss), and a layer with a softmax head supplies them
// (Layer.softmaxLogits), without the model testing layer classes.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

type WithLoss = { forwardForLoss(xs: tf.Tensor[], training: boolean): { output: tf.Tensor; logits?: tf.Tensor }[] };

beforeAll(async () => {
  await tf.ready({ threads: 1 });
});

function model(layers: tf.layers.Layer[]): tf.Sequential {
  const m = tf.sequential({ layers });
  m.build([null, 4]);
  return m;
}

const x = () => tf.tensor([[0.5, -1, 2, 0.25], [1, 1, -0.5, 0]]);

describe('fused softmax head', () => {
  it('a Dense(softmax) head gives its pre-activation as logits, and softmax(logits) is the output', async () => {
    const m = model([tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })]);
    const [p] = (m as unknown as WithLoss).forwardForLoss([x()], false);
    expect(p.logits).toBeDefined();
    const want = await tf.softmax(p.logits!).data();
    Array.from(await p.output.data()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('an Activation(softmax) head gives its input as logits', async () => {
    const m = model([tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.activation({ activation: 'softmax' })]);
    const [p] = (m as unknown as WithLoss).forwardForLoss([x()], false);
    const dense = m.layers[0].apply(x()) as tf.Tensor;
    expect(Array.from(await p.logits!.data())).toEqual(Array.from(await dense.data()));
  });

  it('a head without softmax gives no logits', () => {
    const m = model([tf.layers.dense({ units: 3, activation: 'relu', inputShape: [4] })]);
    const [p] = (m as unknown as WithLoss).forwardForLoss([x()], false);
    expect(p.logits).toBeUndefined();
  });
});
