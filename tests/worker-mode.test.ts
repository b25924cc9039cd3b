// The core in a worker_threads worker (the browser's execution model, in
// Node): ops, reads, and what happens when the worker dies.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

describe('worker mode', () => {
  afterAll(async () => {
    await tf.ready({ mode: 'inline', threads: 2 });
  });

  it('runs ops and gradients in a worker', async () => {
    const info = await tf.ready({ mode: 'worker', threads: 2 });
    expect(info).toMatchObject({ mode: 'worker', poolThreads: 2 });
    const y = tf.squeeze(tf.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, 'same'));
    expect(await y.array()).toEqual([[4, 4, 2], [4, 4, 2], [2, 2, 1]]);
    expect(() => y.dataSync()).toThrow(/dataSync: the core runs in a worker/);
    const g = tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor([1, -2, 3]));
    expect(Array.from(await g.data())).toEqual([2, -4, 6]);
  });

  it('a dead worker rejects pending reads clearly; the next op starts a fresh one', async () => {
    await tf.ready({ mode: 'worker', threads: 1 });
    const old = tf.ones([1000, 100]);
    const big = tf.matMul(old, tf.ones([100, 1000]));
    // The expectation attaches its handler now, before the rejection.
    const pending = expect(big.data()).rejects.toThrow(/worker died \(terminated\)|lost when the (worker|core) restarted/);
    await tf.engine().terminateCore();
    await pending;
    await expect(old.data()).rejects.toThrow(/lost when the core restarted/);
    const fresh = tf.add(tf.ones([2]), 1);
    expect(Array.from(await fresh.data())).toEqual([2, 2]);
    expect(tf.engine().info?.mode).toBe('worker');
  });
});
