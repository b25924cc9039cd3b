// Reading Keras files: kerasArtifacts(bytes) on .keras and .h5 files, median
// of --runs, in MB/s of file. No peer: tfjs-layers reads neither format.
//
//   KERAS_BACKEND=tensorflow python tests/fixtures/keras/make_keras_fixtures.py make-big /tmp/keras-big
//   node benches/keras-import.mjs [--runs 7] /tmp/keras-big/big.keras /tmp/keras-big/big.h5
// (needs the TypeScript build: npm run build:ts)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kerasArtifacts } from '../packages/cnn-ts/dist/io/keras/index.js';

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '7' } }, allowPositionals: true });
const files = positionals.length ? positionals : ['/tmp/keras-big/big.keras', '/tmp/keras-big/big.h5'];
const runs = Number(values.runs);
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const ms = [];
  let params = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const a = await kerasArtifacts(bytes, { source: file });
    ms.push(performance.now() - t0);
    params = a.weightSpecs.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  const mb = bytes.length / 1e6;
  console.log(`${file}: ${mb.toFixed(1)} MB, ${params} weights; median ${median.toFixed(0)} ms of ${runs} = ${(mb / median * 1000).toFixed(0)} MB/s (min ${ms[0].toFixed(0)}, max ${ms[ms.length - 1].toFixed(0)} ms)`);
}
