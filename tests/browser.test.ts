// The same 2-thread SIMD matMul in a real headless Chromium: the page is
// cross-origin isolated, cnn-worker runs in a module Web Worker, and the
// pool comes from wasm-bindgen-rayon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { bundlePage } from './support/bundle.js';
import { serveRepo, type StaticServer } from './support/server.js';

describe('headless Chromium', () => {
  let server: StaticServer;
  let plain: StaticServer;
  let browser: Browser;
  beforeAll(async () => {
    await bundlePage('matmul-page.ts');
    await bundlePage('single-page.ts');
    await bundlePage('cnn-ts-page.ts');
    server = await serveRepo({ isolated: true });
    plain = await serveRepo({ isolated: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await plain?.close();
  });

  it('2-thread pool in a worker: right product, both threads ran tasks', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/tests/browser/matmul.html`);
    const r = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as {
      info: { flavor: string; poolThreads: number; simd128: boolean };
      diffs: number[];
      counts: number[];
      isolated: boolean;
    };
    expect(errors).toEqual([]);
    expect(r.isolated).toBe(true);
    expect(r.info).toMatchObject({ flavor: 'threaded', poolThreads: 2, simd128: true });
    for (const d of r.diffs) expect(d).toBeLessThan(1e-5);
    expect(r.counts).toHaveLength(2);
    expect(r.counts.every((c) => c > 0)).toBe(true);
    await page.close();
  });

  it('without cross-origin isolation the single-threaded SIMD build is picked', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${plain.url}/tests/browser/single.html`);
    const r = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as {
      info: { flavor: string; poolThreads: number; simd128: boolean; threads: boolean };
      product: number[];
      isolated: boolean;
    };
    expect(errors).toEqual([]);
    expect(r.isolated).toBe(false);
    expect(r.info).toMatchObject({ flavor: 'single', poolThreads: 1, simd128: true, threads: false });
    expect(r.product).toEqual([4, 5, 10, 11]);
    await page.close();
  });

  it('cnn-ts: ops, gradients, errors and a short fit with the core in a Web Worker', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/tests/browser/cnn-ts.html`);
    const r = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as {
      info: { mode: string; flavor: string; poolThreads: number };
      valid: number[][][][];
      same: number[][];
      g: number[];
      depthError: string;
      loss: number[];
      acc: number[];
      threadTasks: number[];
    };
    expect(errors).toEqual([]);
    expect(r.info).toMatchObject({ mode: 'worker', flavor: 'threaded', poolThreads: 2 });
    expect(r.valid).toEqual([[[[4], [4]], [[4], [4]]]]);
    expect(r.same).toEqual([[4, 4, 2], [4, 4, 2], [2, 2, 1]]);
    expect(r.g).toEqual([2, 4, 6]);
    expect(r.depthError).toMatch(/input depth 3 does not match filter in-depth 4/);
    expect(r.loss[4]).toBeLessThan(r.loss[0]);
    expect(r.acc[4]).toBe(1);
    expect(r.threadTasks.every((c) => c > 0)).toBe(true);
    await page.close();
  });
});
