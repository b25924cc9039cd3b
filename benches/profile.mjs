// Where a training step's time goes: per-kernel milliseconds (with conv
// shapes) for the seed's CNN, and its images/s with the timers on (they
// cost little: each wraps a whole kernel call).
//
//   node benches/profile.mjs [--model cifar|fashion] [--threads 2] [--steps 30]
//   node benches/profile.mjs --predict vgg16|resnet50|mobilenetV2|cifar [--batch 1] [--threads 2] [--steps 5]
//        (predict instead: batch-1 224x224x3 passes of a tf.builders architecture, or the
//        seed's CNN at --batch; the table includes the first, plan-building pass)
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'fashion' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '30' },
    predict: { type: 'string' },
    batch: { type: 'string', default: '1' },
  },
});
process.env.CNN_PROFILE = '1'; // read when the core starts; the table prints at exit
const tf = await import('cnn-ts');
const threads = Number(args.threads);
const steps = Number(args.steps);
const shape = args.model === 'cifar' ? [32, 32, 3] : [28, 28, 1];
await tf.ready({ threads, mode: 'inline' });
tf.random.setSeed(1);
if (args.predict) {
  const seed = args.predict === 'cifar';
  const net = seed ? tf.builders.cifarCnn([32, 32, 3], 10) : tf.builders[args.predict]();
  const xs = tf.randomUniform([Number(args.batch), ...(seed ? [32, 32, 3] : [224, 224, 3])]);
  const times = [];
  for (let i = 0; i <= Number(args.steps); i++) {
    const t0 = performance.now();
    const p = net.predict(xs);
    await p.data();
    p.dispose();
    if (i > 0) times.push(performance.now() - t0);
  }
  console.log(`${args.predict} predict, batch ${args.batch}, ${threads} thread(s): ${times.map((t) => t.toFixed(1)).join(' ')} ms (and a first, plan-building pass)`);
  process.exit(0);
}
const m = tf.builders.cifarCnn(shape, 10);
m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const B = 64;
const n = B * steps;
const x = tf.randomUniform([n, ...shape]);
const y = tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32');
await m.fit(tf.slice(x, 0, B), tf.slice(y, 0, B), { epochs: 1, batchSize: B, verbose: 0 });
const t0 = performance.now();
await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
const s = (performance.now() - t0) / 1000;
console.log(`${args.model} CNN ${shape.join('x')}, batch ${B}, ${threads} thread(s): ${(n / s).toFixed(0)} images/s, ${((1000 * s) / steps).toFixed(1)} ms/step (profiled, ${steps + 1} steps below)`);
