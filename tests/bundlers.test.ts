// cnn-ts as a new user gets it: `npm pack` tarballs of both packages
// installed into a clean project, the same app (tests/bundlers/app.js)
// built with Vite and with webpack 5 (no configuration, no wasm copied by
// hand), run by Vite's dev server, and loaded as plain ES modules through an
// import map. Each runs a short training in headless Chromium, threaded with
// 2 threads on a cross-origin isolated page and single-threaded without,
// while a main-thread timer keeps ticking. Also the size budget: install
// size, wasm files, gzipped browser JS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { serveDir, type StaticServer } from './support/server.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const fixtures = join(repo, 'tests/bundlers');

/** Bytes of all files under `dir` (what `du --apparent-size` reports). */
function treeBytes(dir: string, filter: (path: string) => boolean = () => true): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isFile() && filter(p)) total += statSync(p).size;
  }
  return total;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

interface AppResult {
  error?: string;
  info: { mode: string; flavor: string; poolThreads: number; simd128: boolean };
  isolated: boolean;
  loss: number[];
  acc: number[];
  fitMs: number;
  ticksDuringFit: number;
  maxGapMs: number;
}

let tmp: string;
let app: string;
let browser: Browser;
const servers: StaticServer[] = [];
const closers: (() => Promise<void>)[] = [];

async function runPage(url: string): Promise<{ r: AppResult; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await page.goto(url);
    const r = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result, undefined)) as AppResult;
    return { r, errors };
  } finally {
    await page.close();
  }
}

function expectTrained(r: AppResult, errors: string[], isolated: boolean): void {
  expect(r.error).toBeUndefined();
  expect(errors).toEqual([]);
  expect(r.isolated).toBe(isolated);
  expect(r.info).toMatchObject(isolated ? { mode: 'worker', flavor: 'threaded', poolThreads: 2, simd128: true } : { mode: 'worker', flavor: 'single', poolThreads: 1, simd128: true });
  expect(r.loss).toHaveLength(8);
  expect(r.loss[7]).toBeLessThan(r.loss[0] * 0.8);
  expect(r.acc[7]).toBeGreaterThanOrEqual(0.9);
  // The main thread kept running its 10 ms timer while the worker trained.
  expect(r.ticksDuringFit).toBeGreaterThan(Math.min(10, r.fitMs / 40));
  expect(r.maxGapMs).toBeLessThan(250);
}

async function serve(dir: string, isolated: boolean): Promise<string> {
  const s = await serveDir(dir.endsWith('/') ? dir : dir + '/', { isolated });
  servers.push(s);
  return s.url;
}

describe('npm pack tarballs in bundler apps', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cnn-ts-bundlers-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp, '-w', 'packages/cnn-worker', '-w', 'packages/cnn-ts'], { cwd: repo, stdio: 'pipe' });
    app = join(tmp, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'cnn-ts': 'file:../cnn-ts-0.1.0.tgz', 'cnn-worker': 'file:../cnn-worker-0.1.0.tgz' } }),
    );
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'pipe' });
    cpSync(join(fixtures, 'app.js'), join(app, 'src/app.js'));
    cpSync(join(fixtures, 'index.html'), join(app, 'index.html'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    for (const c of closers) await c();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('install: <= 15 MB, no native binary, no data set, README and LICENSE in each package', () => {
    const nm = join(app, 'node_modules');
    const bytes = treeBytes(nm);
    console.log(`install size: ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeLessThanOrEqual(15e6);
    const all = filesUnder(nm);
    expect(all.filter((f) => f.endsWith('.node'))).toEqual([]);
    expect(all.filter((f) => /idx\d-ubyte/.test(f))).toEqual([]);
    for (const pkg of ['cnn-ts', 'cnn-worker']) {
      expect(existsSync(join(nm, pkg, 'README.md'))).toBe(true);
      expect(existsSync(join(nm, pkg, 'LICENSE'))).toBe(true);
    }
    for (const file of ['threaded/cnn_core_bg.wasm', 'single/cnn_core_bg.wasm', 'threaded/cnn_core_bg.relaxed.wasm', 'single/cnn_core_bg.relaxed.wasm']) {
      const size = statSync(join(nm, 'cnn-worker/wasm', file)).size;
      console.log(`wasm ${file}: ${(size / 1e3).toFixed(0)} kB`);
      expect(size).toBeLessThanOrEqual(700e3);
    }
  });

  it('publint, @arethetypeswrong/cli (ESM-only profile) and npm publish --dry-run are clean', () => {
    const bin = (name: string) => join(repo, 'node_modules/.bin', name);
    for (const pkg of ['cnn-worker', 'cnn-ts']) {
      const lint = execFileSync(bin('publint'), [join(repo, 'packages', pkg)], { encoding: 'utf8' });
      expect(lint).toContain('All good!');
      // ESM-only packages: CommonJS `require` resolutions are out of scope.
      execFileSync(bin('attw'), [join(tmp, `${pkg}-0.1.0.tgz`), '--profile', 'esm-only', '--format', 'ascii'], { encoding: 'utf8' });
      const dry = execFileSync('npm', ['publish', '--dry-run', '-w', `packages/${pkg}`], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(dry).toContain(`${pkg}@0.1.0`);
    }
  });

  it.each([
    ['a Node-only tsconfig (lib es2022, no DOM)', { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'] }],
    ['bundler resolution (lib es2022 + DOM)', { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] }],
  ])('types check under %s with skipLibCheck false', (_name, options) => {
    const dir = join(app, 'types-check');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'check.ts'),
      [
        "import * as tf from 'cnn-ts';",
        "import { spawnWorker, loadCore, type CoreInfo } from 'cnn-worker';",
        ...(options.lib.includes('dom') ? [] : ["import { plotHistory, imageGrid, loadFashionMnist } from 'cnn-ts/node';", 'export const node = [plotHistory, imageGrid, loadFashionMnist];']),
        'export const m: tf.Sequential = tf.sequential();',
        'export const fns = [spawnWorker, loadCore];',
        'export type I = CoreInfo;',
        '',
      ].join('\n'),
    );
    const config = { compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(repo, 'node_modules/@types')] }, files: ['check.ts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    let out = '';
    try {
      execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
  });

  it('esbuild bundle of a Node function (--external:cnn-worker) runs and exits; flavor single means 1 thread', () => {
    const fn = join(app, 'fn');
    mkdirSync(fn, { recursive: true });
    writeFileSync(
      join(fn, 'handler.js'),
      [
        "import * as tf from 'cnn-ts';",
        'const flavor = process.argv[2];',
        "const info = await tf.ready(flavor === 'single' ? { flavor } : { threads: 2 });",
        'const y = tf.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 1]), 1, "valid");',
        'console.log(JSON.stringify({ info, y: Array.from(await y.data()) }));',
        '',
      ].join('\n'),
    );
    execFileSync(join(repo, 'node_modules/.bin/esbuild'), [join(fn, 'handler.js'), '--bundle', '--platform=node', '--format=esm', '--external:cnn-worker', `--outfile=${join(fn, 'out/handler.mjs')}`, '--log-level=warning'], { cwd: app });
    for (const flavor of ['single', 'threaded']) {
      const out = execFileSync(process.execPath, [join(fn, 'out/handler.mjs'), flavor], { cwd: app, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { info: { flavor: string; poolThreads: number }; y: number[] };
      expect(r.info).toMatchObject(flavor === 'single' ? { flavor: 'single', poolThreads: 1 } : { flavor: 'threaded', poolThreads: 2 });
      expect(r.y).toEqual([9, 9, 9, 9]);
    }
  });

  it('Vite build: threaded with COOP/COEP, single-threaded without; <= 120 kB of gzipped JS', async () => {
    const { build } = await import('vite');
    await build({ root: app, configFile: false, logLevel: 'error', build: { outDir: 'dist-vite', emptyOutDir: true } });
    const out = join(app, 'dist-vite');
    const js = filesUnder(out).filter((f) => f.endsWith('.js'));
    const gz = js.reduce((s, f) => s + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    console.log(`Vite build: ${js.length} JS files, ${(gz / 1e3).toFixed(1)} kB gzipped`);
    expect(gz).toBeLessThanOrEqual(120e3);
    // All four wasm files were emitted (flavour and strict/relaxed SIMD are picked at run time).
    expect(filesUnder(out).filter((f) => f.endsWith('.wasm'))).toHaveLength(4);
    for (const isolated of [true, false]) {
      const { r, errors } = await runPage(`${await serve(out, isolated)}/`);
      expectTrained(r, errors, isolated);
    }
  });

  it('webpack 5 build: threaded with COOP/COEP, single-threaded without', async () => {
    const { default: webpack } = await import('webpack');
    const out = join(app, 'dist-webpack');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) =>
      webpack({ mode: 'production', context: app, entry: './src/app.js', output: { path: out, clean: true }, devtool: false, performance: { hints: false } }, (err, s) =>
        err || !s ? reject(err ?? new Error('no stats')) : resolve(s),
      ),
    );
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    expect(info.errors ?? []).toEqual([]);
    expect((info.warnings ?? []).map((w) => `${w.moduleName}: ${w.message}`)).toEqual([]);
    writeFileSync(join(out, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<script src="main.js"></script>\n');
    for (const isolated of [true, false]) {
      const { r, errors } = await runPage(`${await serve(out, isolated)}/`);
      expectTrained(r, errors, isolated);
    }
  });

  it('Vite dev server: the 2-thread pool starts and trains', async () => {
    const { createServer } = await import('vite');
    const server = await createServer({
      root: app,
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
    });
    closers.push(() => server.close());
    await server.listen();
    const { r, errors } = await runPage(server.resolvedUrls!.local[0]);
    expectTrained(r, errors, true);
  });

  it('plain ES modules with an import map, no bundler', async () => {
    const map = { imports: { 'cnn-ts': '/node_modules/cnn-ts/dist/index.js', 'cnn-worker': '/node_modules/cnn-worker/dist/index.js', comlink: '/node_modules/comlink/dist/esm/comlink.mjs' } };
    writeFileSync(join(app, 'importmap.html'), `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<script type="importmap">${JSON.stringify(map)}</script>\n<script type="module" src="/src/app.js"></script>\n`);
    for (const isolated of [true, false]) {
      const { r, errors } = await runPage(`${await serve(app, isolated)}/importmap.html`);
      expectTrained(r, errors, isolated);
    }
  });
});
