// Model I/O in headless Chromium (core in a Web Worker): a model Node saved
// loads over http with Node's predictions, and round-trips through
// indexeddb://, localstorage:// and tf.io.browserFiles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import * as tf from 'cnn-ts';
import { launchChromium } from './support/browser.js';
import { bundlePage } from './support/bundle.js';
import { serveRepo, type StaticServer } from './support/server.js';

const modelDir = fileURLToPath(new URL('./browser/.build/io-model', import.meta.url));

describe('model I/O in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let expected: number[];
  beforeAll(async () => {
    await tf.ready({ threads: 2 });
    tf.random.setSeed(3);
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 1], biasInitializer: 'ones' }),
        tf.layers.batchNormalization({}),
        tf.layers.flatten({}),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    await m.save(`file://${modelDir}`);
    expected = Array.from(await m.predict(tf.ones([1, 4, 4, 1])).data());
    m.dispose();
    await bundlePage('io-page.ts');
    server = await serveRepo({ isolated: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('http, indexeddb://, localstorage:// and browserFiles give Node\'s predictions', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/tests/browser/io.html`);
    const r = (await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result)) as Record<string, any>;
    expect(errors).toEqual([]);
    for (const k of ['httpPrediction', 'idbPrediction', 'lsPrediction', 'filesPrediction']) {
      r[k].forEach((v: number, i: number) => expect(v, k).toBeCloseTo(expected[i], 5));
    }
    expect(r.listed).toEqual(['indexeddb://io-test', 'localstorage://io-test']);
    expect(r.afterRemove).toEqual([]);
    expect(r.missing).toBe('indexeddb://io-test: no model is stored under this path');
    await page.close();
  });
});
