// examples/browser, built with Vite, driven in headless Chromium on an
// isolated host (threaded, 2 threads) and a plain one (single-threaded):
// train briefly on the embedded Fashion-MNIST subset, check the live chart,
// the learned filters and feature maps, draw a shape and classify it.
// Screenshots go to out/example-browser/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { serveDir, type StaticServer } from './support/server.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const example = join(repo, 'examples/browser');
const shots = join(repo, 'out/example-browser');

interface AppState {
  info?: { flavor: string; poolThreads: number; mode: string };
  error?: string;
  trained: boolean;
  epochs: { loss: number; acc: number; val_loss: number; val_acc: number }[];
  batches: number;
  featureMapsOf: number;
  probs: number[];
  ticks: number;
}

const appState = (page: Page) => page.evaluate(() => (window as unknown as { app: AppState }).app);

/** Fraction of non-black pixels of a canvas (something was drawn). */
const inked = (page: Page, id: string) =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) n++;
    return n / (d.length / 4);
  }, id);

describe('examples/browser', () => {
  let browser: Browser;
  const servers: StaticServer[] = [];
  beforeAll(async () => {
    const { build } = await import('vite');
    await build({ root: example, logLevel: 'error', build: { outDir: 'dist', emptyOutDir: true } });
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
  });

  it.each([
    ['isolated', true],
    ['plain', false],
  ])('%s hosting: trains with a live chart, shows filters and feature maps, classifies a drawing', async (name, isolated) => {
    const server = await serveDir(join(example, 'dist/'), { isolated });
    servers.push(server);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/?epochs=2&limit=1024`);
    await page.waitForFunction(() => !(document.getElementById('train') as HTMLButtonElement).disabled || (window as unknown as { app: AppState }).app.error);
    let s = await appState(page);
    expect(s.error).toBeUndefined();
    expect(s.info).toMatchObject(isolated ? { flavor: 'threaded', poolThreads: 2, mode: 'worker' } : { flavor: 'single', poolThreads: 1, mode: 'worker' });
    expect(s.featureMapsOf).toBe(0);
    const filtersBefore = await page.evaluate(() => (document.getElementById('filters') as HTMLCanvasElement).toDataURL());

    const ticks0 = s.ticks;
    await page.click('#train');
    await page.waitForFunction(() => (window as unknown as { app: AppState }).app.trained, undefined, { timeout: 90_000 });
    s = await appState(page);
    expect(s.epochs).toHaveLength(2);
    expect(s.batches).toBe(2 * 16);
    expect(s.epochs[1].loss).toBeLessThan(s.epochs[0].loss);
    // 1,024 images, 2 epochs: well above chance (10 %) on the 1,000 test images.
    expect(s.epochs[1].val_acc).toBeGreaterThan(0.5);
    // The page kept running while the worker trained (a 50 ms counter).
    expect(s.ticks - ticks0).toBeGreaterThan(5);
    // The chart drew the two epochs; the filters changed with training.
    const chart = await page.evaluate(() => {
      const c = document.querySelector('#chart canvas') as HTMLCanvasElement | null;
      return c ? { w: c.width, h: c.height } : null;
    });
    expect(chart?.h).toBeGreaterThan(100);
    expect(await page.evaluate(() => (document.getElementById('filters') as HTMLCanvasElement).toDataURL())).not.toBe(filtersBefore);
    for (const id of ['filters', 'image', 'maps1', 'maps2']) expect(await inked(page, id)).toBeGreaterThan(0.05);

    await page.click('#next');
    await page.waitForFunction(() => (window as unknown as { app: AppState }).app.featureMapsOf === 1);
    expect(await page.textContent('#image-label')).toMatch(/\S/);

    // Draw a trouser-like shape (two vertical bars) and classify it.
    await page.locator('#draw').scrollIntoViewIfNeeded();
    const box = (await page.locator('#draw').boundingBox())!;
    for (const x of [0.38, 0.62]) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.12);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.9, { steps: 12 });
      await page.mouse.up();
    }
    await page.mouse.move(box.x + box.width * 0.38, box.y + box.height * 0.14);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.62, box.y + box.height * 0.14, { steps: 6 });
    await page.mouse.up();
    expect(await inked(page, 'draw')).toBeGreaterThan(0.05);
    await page.click('#classify');
    await page.waitForFunction(() => (window as unknown as { app: AppState }).app.probs.length === 10);
    s = await appState(page);
    expect(s.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(await page.locator('#probs li').count()).toBe(10);

    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

    // Drop a PNG file (dark trousers on white, as a photo would be) on the square.
    const before = await page.evaluate(() => (document.getElementById('draw') as HTMLCanvasElement).toDataURL());
    await page.evaluate(async () => {
      const c = new OffscreenCanvas(60, 80);
      const g = c.getContext('2d')!;
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 60, 80);
      g.fillStyle = '#333';
      g.fillRect(12, 4, 36, 12);
      g.fillRect(12, 4, 14, 72);
      g.fillRect(34, 4, 14, 72);
      const file = new File([await c.convertToBlob({ type: 'image/png' })], 'trousers.png', { type: 'image/png' });
      const dt = new DataTransfer();
      dt.items.add(file);
      document.getElementById('draw')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction((prev) => (document.getElementById('draw') as HTMLCanvasElement).toDataURL() !== prev, before);
    await page.evaluate(() => ((window as unknown as { app: AppState }).app.probs = []));
    await page.click('#classify');
    await page.waitForFunction(() => (window as unknown as { app: AppState }).app.probs.length === 10);
    s = await appState(page);
    expect(s.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await page.screenshot({ path: join(shots, `${name}-dropped.png`), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
