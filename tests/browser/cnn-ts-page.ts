// The main tensor/layer cases in a real browser: the core in a Web Worker
// (threaded build, 2 threads), ops, gradients and a short fit.
import * as tf from 'cnn-ts';

async function main() {
  const info = await tf.ready({ threads: 2, workerUrl: '/packages/cnn-worker/dist/worker.browser.js' });
  const x = tf.ones([1, 3, 3, 1]);
  const f = tf.ones([2, 2, 1, 1]);
  const valid = await tf.conv2d(x, f, 1, 'valid').array();
  const same = await tf.squeeze(tf.conv2d(x, f, 1, 'same')).array();
  const g = await tf.grad((t) => tf.sum(tf.square(t)))(tf.tensor([1, 2, 3])).array();
  let depthError = '';
  try {
    tf.conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 4, 8]), 1, 'same');
  } catch (e) {
    depthError = (e as Error).message;
  }
  tf.random.setSeed(1);
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.concat([tf.zeros([16, 8, 8, 1]), tf.ones([16, 8, 8, 1])], 0);
  const ys = tf.tensor(Int32Array.from({ length: 32 }, (_, i) => (i < 16 ? 0 : 1)), [32], 'int32');
  const h = await m.fit(xs, ys, { epochs: 5, batchSize: 8, verbose: 0 });
  // The toy fit above is so small that one pool thread can finish a batch's
  // chunks before the other wakes up; a layer-sized convolution gives both
  // threads work for certain.
  const big = tf.conv2d(tf.randomNormal([32, 32, 32, 16]), tf.randomNormal([3, 3, 16, 32]), 1, 'same');
  await big.data();
  big.dispose();
  const stats = await tf.coreStats();
  return { info, valid, same, g, depthError, loss: h.history.loss, acc: h.history.acc, threadTasks: stats.threadTaskCounts };
}

(window as unknown as { result: Promise<unknown> }).result = main();
