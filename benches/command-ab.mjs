// A/B of the whole TS -> wasm command path (ops, commands, executor, exports)
// against another checkout's build, both loaded in this process, 1 thread,
// core inline, the two alternating pair by pair (the order flips each pair).
// Short chains show the per-op overhead; the training steps show whether it
// matters. Reports medians and the median of the per-pair ratios.
//
//   node benches/command-ab.mjs --against /path/to/other/checkout [--pairs 9] [--other-first]
//   (the other checkout must be built: its packages/cnn-ts/dist and wasm)
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { values: args } = parseArgs({ options: { against: { type: 'string' }, pairs: { type: 'string', default: '9' }, 'other-first': { type: 'boolean', default: false } } });
if (!args.against) throw new Error('command-ab: --against <checkout> is required');
const here = path.resolve(import.meta.dirname, '..');
const load = (root) => import(pathToFileURL(path.join(root, 'packages/cnn-ts/dist/index.js')).href);
// Module load order can matter (heap layout): --other-first swaps it.
// One at a time: the loaders' start-up is not meant to run twice at once.
let ours, other;
if (args['other-first']) {
  other = await load(args.against);
  ours = await load(here);
} else {
  ours = await load(here);
  other = await load(args.against);
}
await ours.ready({ mode: 'inline', threads: 1 });
await other.ready({ mode: 'inline', threads: 1 });
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function timeIt(f, rounds) {
  await f();
  const s = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await f();
    s.push(performance.now() - t0);
  }
  return median(s);
}

/** `y = op(y, a)` 3000 times in a row, each result freed once used: one command per op. */
async function chain(a, op) {
  const ms = await timeIt(async () => {
    let y = a;
    for (let i = 0; i < 3000; i++) {
      const z = op(y, a);
      if (y !== a) y.dispose();
      y = z;
    }
    await y.data();
    y.dispose();
  }, 7);
  a.dispose();
  return ms;
}

const cases = {
  'chain matMul 16x16 x3000': (tf) => chain(tf.randomUniform([16, 16]), tf.matMul),
  'chain add [64] x3000': (tf) => chain(tf.ones([64]), tf.add),
  'fit step MLP 784-32-10 b32': async (tf) => {
    tf.random.setSeed(1);
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [784] }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.randomUniform([32, 784]);
    const y = tf.tensor(Int32Array.from({ length: 32 }, (_, i) => i % 10), [32], 'int32');
    const ms = await timeIt(() => m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false, checkFinite: false }), 31);
    m.dispose();
    tf.dispose([x, y]);
    return ms;
  },
  'fit step seed CIFAR CNN b64': async (tf) => {
    tf.random.setSeed(1);
    const m = tf.builders.cifarCnn([32, 32, 3], 10);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.randomUniform([64, 32, 32, 3]);
    const y = tf.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10), [64], 'int32');
    const ms = await timeIt(() => m.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0, shuffle: false, checkFinite: false }), 5);
    m.dispose();
    tf.dispose([x, y]);
    return ms;
  },
};

console.log(`# this checkout vs ${args.against}: ${args.pairs} alternating pairs, 1 thread, inline (ms; ratio = this / other)`);
for (const [name, f] of Object.entries(cases)) {
  const t = { ours: [], other: [] };
  for (let p = 0; p < Number(args.pairs); p++) {
    for (const who of p % 2 ? ['other', 'ours'] : ['ours', 'other']) t[who].push(await f(who === 'ours' ? ours : other));
  }
  const ratios = t.ours.map((v, i) => v / t.other[i]);
  console.log(`${name.padEnd(28)} this ${median(t.ours).toFixed(2).padStart(8)}  other ${median(t.other).toFixed(2).padStart(8)}  ratio ${median(ratios).toFixed(3)} (pairs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
}
process.exit(0);
