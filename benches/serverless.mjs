#!/usr/bin/env node
/**
 * The serverless function (examples/serverless) against the same handler on
 * TF.js 4.22's wasm backend (benches/serverless/handler-tfjs.ts) and on
 * onnxruntime-node (benches/serverless/handler-onnx.ts): same service code,
 * same weights, same PNG requests. All are esbuild bundles laid out as
 * deployed (examples/serverless/bundle.mjs); cnn-ts's is the example's own
 * build, with its V8 code cache (examples/serverless/entry.mjs).
 *
 *   node benches/serverless.mjs [--model DIR] [--rounds 3] [--seconds 2] [--threads 2] [--warm 1,8,32|none]
 *
 * onnxruntime-node runs when it is installed (it is not a dependency: 290 MB,
 * and an install script that downloads from nuget.org; install it with
 * `npm install --no-save --ignore-scripts onnxruntime-node@1.30.0`, or point
 * ONNXRUNTIME_NODE_DIR at a node_modules folder that has it) and DIR holds
 * `model.onnx` (`python benches/serverless/make_onnx.py DIR`: pip's onnx and
 * numpy); otherwise the bench says which is missing and runs without it.
 * Every contender first answers the same 16 requests, and their
 * probabilities must agree within 1e-3 (the same weights, really).
 *
 * - cold start: process start -> first prediction returned by the handler
 *   (a fresh `node` per sample, timed by this process; median of --rounds x 2);
 * - warm: p50 / p99 latency and throughput at concurrency 1, 8 and 32
 *   (in-flight handler calls in one instance, as the platform's runtime makes
 *   them), --seconds per level after a warm-up, a fresh instance per sample;
 * - the deployable zip of each.
 * Contenders alternate in every round (the host's second vCPU varies).
 * Prints a table and, last, one JSON line. Needs a model: `npm run train`
 * (model/) or --model DIR.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle, requireBanner, zipFolder } from '../examples/serverless/bundle.mjs';
import { runTimed } from './serverless/timed-child.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: join(repo, 'model') },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    // Concurrency levels of the warm runs ('none': cold starts only).
    warm: { type: 'string', default: '1,8,32' },
    out: { type: 'string', default: join(repo, 'out/bench-serverless') },
  },
});
const rounds = Number(opts.rounds), seconds = Number(opts.seconds);
const levels = opts.warm === 'none' ? [] : opts.warm.split(',').map(Number);
const modelDir = resolve(opts.model);
if (!existsSync(join(modelDir, 'model.json'))) {
  console.error(`serverless bench: no model at ${modelDir}/model.json; run 'npm run train' first or pass --model DIR`);
  process.exit(1);
}
const out = resolve(opts.out);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// cnn-ts: the example's own build script.
const cnnDir = join(out, 'cnn-ts');
execFileSync(process.execPath, [join(repo, 'examples/serverless/build.mjs'), '--model', modelDir, '--out', cnnDir, '--no-zip'], { stdio: 'ignore' });
// TF.js: the peer handler bundled with the same options, its SIMD wasm beside
// it, as one ES module (as TF.js users deploy it: no code cache).
const tfjsDir = join(out, 'tfjs-wasm');
// TF.js's Emscripten glue also reads __dirname.
await bundle(join(repo, 'benches/serverless/handler-tfjs.ts'), join(tfjsDir, 'handler.mjs'), { banner: requireBanner({ dirname: true }), logLevel: 'error' });
const tfjsWasm = join(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) cpSync(join(tfjsWasm, f), join(tfjsDir, 'wasm', f));
cpSync(modelDir, join(tfjsDir, 'model'), { recursive: true, filter: (p) => !/\.(png|onnx)$/.test(p) });
writeFileSync(join(tfjsDir, 'package.json'), '{"type":"module","private":true}\n');

const contenders = [
  { name: 'cnn-ts', dir: cnnDir, env: { CNN_THREADS: opts.threads } },
  { name: 'tfjs-wasm', dir: tfjsDir, env: { TFJS_WASM_DIR: join(tfjsDir, 'wasm') + '/' } },
];

// onnxruntime-node, where installed: its JS and this platform's binary go
// beside the bundle, as a deployment would carry them.
function findOrt() {
  for (const from of [process.env.ONNXRUNTIME_NODE_DIR && join(process.env.ONNXRUNTIME_NODE_DIR, 'x.js'), join(repo, 'package.json')].filter(Boolean)) {
    try {
      return dirname(createRequire(from).resolve('onnxruntime-node/package.json'));
    } catch {}
  }
  return undefined;
}
const ortPkg = findOrt();
const ortWhy = !ortPkg
  ? 'onnxruntime-node is not installed (npm install --no-save --ignore-scripts onnxruntime-node@1.30.0, or set ONNXRUNTIME_NODE_DIR)'
  : !existsSync(join(modelDir, 'model.onnx'))
    ? `${modelDir}/model.onnx is missing (python benches/serverless/make_onnx.py ${modelDir}; needs pip's onnx and numpy)`
    : undefined;
if (ortWhy) {
  console.log(`serverless bench: skipping onnxruntime-node: ${ortWhy}`);
} else {
  const ortDir = join(out, 'onnxruntime-node');
  await bundle(join(repo, 'benches/serverless/handler-onnx.ts'), join(ortDir, 'handler.mjs'), { external: ['onnxruntime-node'], banner: requireBanner(), logLevel: 'error' });
  // (onnxruntime-common's exports do not include its package.json.)
  const common = [join(ortPkg, 'node_modules/onnxruntime-common'), join(dirname(ortPkg), 'onnxruntime-common')].find((d) => existsSync(join(d, 'package.json')));
  const bin = `bin/napi-v6/${process.platform}/${process.arch}/`;
  cpSync(ortPkg, join(ortDir, 'node_modules/onnxruntime-node'), { recursive: true, filter: (p) => { const r = relative(ortPkg, p); return r === '' || r === 'package.json' || r === 'dist' || /^dist\/[^/]+\.js$/.test(r) || bin.startsWith(r + '/') || r.startsWith(bin); } });
  cpSync(common, join(ortDir, 'node_modules/onnxruntime-common'), { recursive: true, filter: (p) => !/\.(map|ts)$/.test(p) && !p.includes('/lib/') });
  mkdirSync(join(ortDir, 'model'));
  for (const f of ['model.json', 'model.onnx']) cpSync(join(modelDir, f), join(ortDir, 'model', f));
  writeFileSync(join(ortDir, 'package.json'), '{"type":"module","private":true}\n');
  contenders.push({ name: 'onnxruntime-node', dir: ortDir, env: { ORT_THREADS: opts.threads } });
}

// PNG requests: Fashion-MNIST test images, encoded once.
const { PNG } = await import('pngjs');
const { loadFashionMnist } = await import('cnn-ts/node');
const d = await loadFashionMnist();
const pngs = Array.from({ length: 64 }, (_, i) => {
  const p = new PNG({ width: 28, height: 28 });
  for (let j = 0; j < 784; j++) {
    const v = Math.round(d.testImages[i * 784 + j] * 255);
    p.data.set([v, v, v, 255], j * 4);
  }
  return PNG.sync.write(p).toString('base64');
});
writeFileSync(join(out, 'requests.json'), JSON.stringify(pngs));

// The child: one instance. `cold` returns after the first prediction; `warm C`
// measures concurrency C.
writeFileSync(
  join(out, 'child.mjs'),
  `import { readFileSync } from 'node:fs';
const [handlerPath, mode, cArg, secArg, reqPath] = process.argv.slice(2);
const { handler } = await import(handlerPath);
const pngs = JSON.parse(readFileSync(reqPath, 'utf8'));
const ev = (i) => ({ body: pngs[i % pngs.length], isBase64Encoded: true, headers: { 'content-type': 'image/png' } });
const first = await handler(ev(0));
if (first.statusCode !== 200) { console.error(first.body); process.exit(1); }
if (mode === 'cold') { console.log('READY ' + JSON.parse(first.body).predictions[0].class); }
else if (mode === 'check') {
  const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => handler(ev(i))));
  console.log(JSON.stringify(rs.map((r) => JSON.parse(r.body).predictions[0].probabilities)));
} else {
  const c = Number(cArg), ms = Number(secArg) * 1000;
  for (let i = 0; i < 50; i++) await handler(ev(i));
  const lat = [];
  let k = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (performance.now() - t0 < ms) {
      const s = performance.now();
      const r = await handler(ev(k++));
      if (r.statusCode !== 200) throw new Error(r.body);
      lat.push(performance.now() - s);
    }
  }));
  const wall = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  console.log(JSON.stringify({ n: lat.length, p50: q(0.5), p99: q(0.99), rps: lat.length / (wall / 1000) }));
}
`,
);

function runChild(c, args, timeoutMs = 120_000) {
  return runTimed(join(out, 'child.mjs'), [join(c.dir, 'handler.mjs'), ...args, join(out, 'requests.json')], {
    cwd: c.dir,
    env: { PATH: process.env.PATH ?? '', ...c.env },
    marker: 'READY',
    timeoutMs,
    name: `${c.name} ${args.join(' ')}`,
  });
}

// The same weights give the same answers (within float rounding).
const answers = {};
for (const c of contenders) answers[c.name] = JSON.parse((await runChild(c, ['check', '0', '0'])).stdout.trim().split('\n').pop());
for (const c of contenders.slice(1)) {
  const diff = Math.max(...answers[c.name].flatMap((p, i) => p.map((v, k) => Math.abs(v - answers['cnn-ts'][i][k]))));
  console.log(`serverless bench: ${c.name} answers the 16 check requests within ${diff.toExponential(1)} of cnn-ts (probabilities)`);
  if (!(diff < 1e-3)) throw new Error(`serverless bench: ${c.name} disagrees with cnn-ts by ${diff}: not the same model`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(contenders.map((c) => [c.name, { cold: [], warm: Object.fromEntries(levels.map((k) => [k, []])), zipBytes: zipFolder(c.dir).length }]));
const load = [loadavg()[0]];
for (let r = 0; r < rounds; r++) {
  for (const order of [contenders, [...contenders].reverse()]) {
    for (const c of order) results[c.name].cold.push((await runChild(c, ['cold', '0', '0'])).readyAt);
  }
  for (const conc of levels) {
    for (const c of r % 2 ? [...contenders].reverse() : contenders) {
      const { stdout } = await runChild(c, ['warm', String(conc), String(seconds)]);
      results[c.name].warm[conc].push(JSON.parse(stdout.trim().split('\n').pop()));
    }
  }
  load.push(loadavg()[0]);
}

const summary = {};
for (const c of contenders) {
  const R = results[c.name];
  summary[c.name] = {
    coldMs: median(R.cold),
    zipMB: R.zipBytes / 1e6,
    warm: Object.fromEntries(levels.map((k) => [k, { p50: median(R.warm[k].map((w) => w.p50)), p99: median(R.warm[k].map((w) => w.p99)), rps: median(R.warm[k].map((w) => w.rps)) }])),
  };
}
const a = summary['cnn-ts'];
console.log(`serverless bench: ${rounds} rounds, ${seconds} s per level, cnn-ts ${opts.threads} threads, tfjs-wasm 1 thread (SIMD)${ortWhy ? '' : `, onnxruntime-node ${opts.threads} threads`}; load average ${load.map((l) => l.toFixed(2)).join(' -> ')}`);
console.log(`${'contender'.padEnd(17)} ${'cold ms'.padStart(8)} ${'zip MB'.padStart(7)}  ${levels.map((k) => `c=${k}: p50/p99 ms, req/s`.padEnd(26)).join(' ')}`);
for (const [name, s] of Object.entries(summary)) {
  console.log(`${name.padEnd(17)} ${s.coldMs.toFixed(0).padStart(8)} ${s.zipMB.toFixed(2).padStart(7)}  ${levels.map((k) => `${s.warm[k].p50.toFixed(2)}/${s.warm[k].p99.toFixed(2)}, ${s.warm[k].rps.toFixed(0)}`.padEnd(26)).join(' ')}`);
}
for (const peer of Object.keys(summary).slice(1)) {
  const b = summary[peer];
  const target = peer === 'tfjs-wasm' ? ' (targets: cold <= 0.5x and <= 150 ms, c=32 >= 1.5x)' : '';
  const tput = levels.map((k) => `c=${k} ${(a.warm[k].rps / b.warm[k].rps).toFixed(2)}x`).join(', ');
  console.log(`cnn-ts vs ${peer}${target}: cold start ${(a.coldMs / b.coldMs).toFixed(2)}x${tput ? `; throughput ${tput}` : ''}`);
}
console.log(JSON.stringify({ summary, raw: results, load }));
