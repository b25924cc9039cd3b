#!/usr/bin/env node
/**
 * Cold starts of two or more built serverless functions (examples/serverless/build.mjs
 * --out DIR --no-zip), alternated start by start (the order flips every round), so that
 * a change to the start-up path is measured against the build before it in one run.
 * Each start is a fresh `node` that imports DIR/handler.mjs and sends one PNG request,
 * as benches/serverless.mjs's cold start does; it also writes a timeline of the start
 * (ms from the process's start, medians): `caller` (Node's own start and the caller's
 * module), `compile>` / `compiled` (WebAssembly.compile called / resolved),
 * `instance` (the module instantiated), `imported` (the function's module evaluated),
 * `answer` (the first prediction returned; `caller->answer` leaves out Node's own start,
 * which varies most), the young- and old-generation garbage
 * collections before it (count, ms) and the CPU of all threads until then.
 *
 *   node benches/serverless-ab.mjs DIR_A DIR_B [...] [--rounds 20] [--busy] [--threads 2]
 *
 * --busy runs a niced busy loop (nice 19, one vCPU) beside the starts, as a loaded host.
 * Prints per function the median wall from spawn to the answer, the paired median
 * difference to the first function and how many starts were faster, then one JSON line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { runTimed } from './serverless/timed-child.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '20' }, busy: { type: 'boolean', default: false }, threads: { type: 'string', default: '2' } },
});
const dirs = positionals.map((d) => resolve(d));
const entry = (d) => (existsSync(join(d, 'handler.mjs')) ? join(d, 'handler.mjs') : join(d, 'handler.cjs'));
if (dirs.length < 2 || dirs.some((d) => !existsSync(entry(d)))) {
  console.error('serverless-ab: give two or more built functions (examples/serverless/build.mjs --out DIR --no-zip)');
  process.exit(1);
}
const rounds = Number(opts.rounds);
const tmp = mkdtempSync(join(tmpdir(), 'serverless-ab-'));
const png = new PNG({ width: 28, height: 28 });
for (let i = 0; i < 784; i++) png.data.set([(i * 37) % 256, (i * 37) % 256, (i * 37) % 256, 255], i * 4);
writeFileSync(join(tmp, 'request.txt'), PNG.sync.write(png).toString('base64'));
writeFileSync(
  join(tmp, 'child.mjs'),
  `const caller = performance.now();
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
const marks = { caller };
// A build with marks (globalThis.__cnnMark?.(name) calls added by hand) adds its own.
globalThis.__cnnMark = (name) => { marks[name] ??= performance.now(); };
const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
new PerformanceObserver((l) => { for (const e of l.getEntries()) { const k = e.detail?.kind === 1 ? 'minor' : 'major'; gc[k]++; gc[k + 'Ms'] += e.duration; } }).observe({ entryTypes: ['gc'] });
const compile = WebAssembly.compile;
WebAssembly.compile = (b) => { marks['compile>'] ??= performance.now(); const p = compile(b); p.then(() => { marks.compiled ??= performance.now(); }, () => undefined); return p; };
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (m, i) { const r = new Instance(m, i); marks.instance ??= performance.now(); return r; };
WebAssembly.Instance.prototype = Instance.prototype;
const body = readFileSync(process.argv[3], 'utf8');
const { handler } = await import(process.argv[2]);
marks.imported = performance.now();
const r = await handler({ body, isBase64Encoded: true, headers: { 'content-type': 'image/png' } });
marks.answer = performance.now();
if (r.statusCode !== 200) { console.error(r.body); process.exit(1); }
const cpu = process.cpuUsage();
await new Promise((res) => setTimeout(res, 0));
console.log('TIMELINE ' + JSON.stringify({ marks, gc, cpuMs: (cpu.user + cpu.system) / 1000 }));
process.exit(0);
`,
);

async function start(dir) {
  const { readyAt, stdout } = await runTimed(join(tmp, 'child.mjs'), [entry(dir), join(tmp, 'request.txt')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', CNN_THREADS: opts.threads },
    marker: 'TIMELINE',
    timeoutMs: 60_000,
    name: `serverless-ab: ${dir}`,
  });
  return { wall: readyAt, ...JSON.parse(stdout.slice(stdout.indexOf('TIMELINE ') + 9).split('\n')[0]) };
}

const busy = opts.busy ? spawn('nice', ['-n', '19', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }) : undefined;
const load = [loadavg()[0]];
const runs = dirs.map(() => []);
try {
  // One start of each first, not counted (the file cache).
  for (const d of dirs) await start(d);
  for (let r = 0; r < rounds; r++) {
    const order = dirs.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) runs[i].push(await start(dirs[i]));
  }
} finally {
  busy?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
load.push(loadavg()[0]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const keys = ['caller', 'compile>', 'compiled', 'instance', 'imported', 'answer'];
console.log(`serverless-ab: ${rounds} rounds${opts.busy ? ', a niced busy loop beside' : ''}, CNN_THREADS=${opts.threads}; load average ${load.map((l) => l.toFixed(2)).join(' -> ')}`);
console.log(`${'function'.padEnd(40)} ${'wall'.padStart(6)} ${'diff'.padStart(6)} ${'faster'.padStart(6)}  ${keys.map((k) => k.padStart(8)).join(' ')}  gc minor/major ms   cpu  caller->answer (diff)`);
const summary = runs.map((rs, i) => {
  const diffs = rs.map((r, k) => r.wall - runs[0][k].wall);
  const s = {
    dir: dirs[i],
    wall: median(rs.map((r) => r.wall)),
    diff: median(diffs),
    faster: diffs.filter((d) => d < 0).length,
    marks: Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => r.marks[k] ?? NaN))])),
    gc: { minor: median(rs.map((r) => r.gc.minor)), minorMs: median(rs.map((r) => r.gc.minorMs)), major: median(rs.map((r) => r.gc.major)), majorMs: median(rs.map((r) => r.gc.majorMs)) },
    cpuMs: median(rs.map((r) => r.cpuMs)),
    // Node's own start (to the caller's module) varies most between starts; what follows is ours.
    afterCaller: median(rs.map((r) => r.marks.answer - r.marks.caller)),
    afterCallerDiff: median(rs.map((r, k) => r.marks.answer - r.marks.caller - (runs[0][k].marks.answer - runs[0][k].marks.caller))),
  };
  const extra = [...new Set(rs.flatMap((r) => Object.keys(r.marks)))].filter((k) => !keys.includes(k));
  for (const k of extra) s.marks[k] = median(rs.map((r) => r.marks[k] ?? NaN));
  const name = dirs[i].length > 40 ? '…' + dirs[i].slice(-39) : dirs[i];
  console.log(`${name.padEnd(40)} ${s.wall.toFixed(1).padStart(6)} ${(i ? s.diff.toFixed(1) : '').padStart(6)} ${(i ? `${s.faster}/${rounds}` : '').padStart(6)}  ${keys.map((k) => s.marks[k].toFixed(1).padStart(8)).join(' ')}  ${s.gc.minor}/${s.gc.major} ${(s.gc.minorMs + s.gc.majorMs).toFixed(1).padStart(5)}  ${s.cpuMs.toFixed(0).padStart(5)}  ${s.afterCaller.toFixed(1).padStart(6)}${i ? ` (${s.afterCallerDiff.toFixed(1)})` : ''}`);
  if (extra.length) console.log(`${''.padEnd(40)} marks: ${Object.entries(s.marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  return s;
});
console.log(JSON.stringify({ summary, load, runs }));
