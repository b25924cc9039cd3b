// plotHistory and imageGrid write real PNGs: right size, decodable, and
// showing what they should (curve colours, title text, tile colours, gaps).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyChartOption, PLOT_FONT_FAMILY, TRAIN_COLOR, VALID_COLOR } from '../src/plot/chart.js';
import { imageGrid } from '../src/plot/grid.js';
import { renderChartSvg } from '../src/plot/echarts.js';
import { plotHistory } from '../src/plot/history.js';
import { loadCanvas } from '../src/plot/render.js';
import { tilesToRgba } from '../src/plot/tiles.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnn-ts-plot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Decoded { width: number; height: number; data: Uint8ClampedArray; ihdr: [number, number] }

/** Decodes a PNG file with Skia and also reads its IHDR size directly. */
async function decodePng(path: string): Promise<Decoded> {
  const bytes = readFileSync(path);
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  const { createCanvas, loadImage } = await loadCanvas();
  const image = await loadImage(bytes);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data, ihdr: [bytes.readUInt32BE(16), bytes.readUInt32BE(20)] };
}

const hexRgb = (hex: string): [number, number, number] => {
  const byte = (i: number) => Number.parseInt(hex.slice(i, i + 2), 16);
  return [byte(1), byte(3), byte(5)];
};

/** Pixels within `tol` of a colour, optionally inside a rectangle [x0, y0, x1, y1). */
function countColor(img: Decoded, hex: string, tol = 24, rect = [0, 0, img.width, img.height]): number {
  const [r, g, b] = hexRgb(hex);
  let n = 0;
  for (let y = rect[1]; y < rect[3]; y++) {
    for (let x = rect[0]; x < rect[2]; x++) {
      const i = 4 * (y * img.width + x);
      if (Math.abs(img.data[i] - r) <= tol && Math.abs(img.data[i + 1] - g) <= tol && Math.abs(img.data[i + 2] - b) <= tol) n++;
    }
  }
  return n;
}

const history = {
  loss: [2.1, 1.5, 1.2, 1.0, 0.9],
  val_loss: [1.9, 1.6, 1.3, 1.2, 1.25],
  accuracy: [0.3, 0.5, 0.6, 0.65, 0.7],
  val_accuracy: [0.35, 0.48, 0.55, 0.6, 0.58],
};

describe('plotHistory', () => {
  it('writes loss.png and accuracy.png, 800x600, with both curve colours, white background and a title', async () => {
    const out = join(tmp, 'full');
    const res = await plotHistory(history, out);
    expect(res).toEqual({ loss: join(out, 'loss.png'), accuracy: join(out, 'accuracy.png') });
    for (const path of [res.loss, res.accuracy ?? '']) {
      const img = await decodePng(path);
      expect([img.width, img.height, ...img.ihdr]).toEqual([800, 600, 800, 600]);
      expect(countColor(img, TRAIN_COLOR, 24)).toBeGreaterThan(300);
      expect(countColor(img, VALID_COLOR, 24)).toBeGreaterThan(300);
      expect(countColor(img, '#ffffff', 0)).toBeGreaterThan(800 * 600 * 0.8);
      // the title's glyphs: dark pixels in the top band's middle
      expect(countColor(img, '#000000', 90, [300, 0, 500, 45])).toBeGreaterThan(20);
    }
  });

  it('Keras 2 spelling acc / val_acc is plotted too', async () => {
    const res = await plotHistory({ loss: [1, 0.5], val_loss: [1.1, 0.7], acc: [0.5, 0.8], val_acc: [0.4, 0.7] }, join(tmp, 'acc'));
    expect(res.accuracy).toBe(join(tmp, 'acc', 'accuracy.png'));
    expect(countColor(await decodePng(res.accuracy ?? ''), VALID_COLOR)).toBeGreaterThan(100);
  });

  it('no accuracy metric: only loss.png, without a Valid curve when there is no val_loss', async () => {
    const out = join(tmp, 'lossonly');
    const res = await plotHistory({ loss: [1, 0.8, 0.7] }, out, { width: 400, height: 300 });
    expect(res.accuracy).toBeUndefined();
    expect(existsSync(join(out, 'accuracy.png'))).toBe(false);
    const img = await decodePng(res.loss);
    expect([img.width, img.height]).toEqual([400, 300]);
    expect(countColor(img, TRAIN_COLOR)).toBeGreaterThan(50);
    expect(countColor(img, VALID_COLOR)).toBe(0);
  });

  it('a single epoch still shows a marker for each curve', async () => {
    const res = await plotHistory({ loss: [0.5], val_loss: [0.6] }, join(tmp, 'one'));
    const img = await decodePng(res.loss);
    expect(countColor(img, TRAIN_COLOR)).toBeGreaterThan(20);
    expect(countColor(img, VALID_COLOR)).toBeGreaterThan(20);
  });

  it('every text element names the registered plot font, which is registered', async () => {
    const svg = await renderChartSvg(historyChartOption({ title: 'Loss', yLabel: 'loss', train: [1, 0.5], valid: [1.2, 0.8], legend: 'upper right', width: 800, height: 600 }), 800, 600);
    const families = new Set(Array.from(svg.matchAll(/font-family:\s*([^;"]+)/g), (m) => m[1].trim()));
    expect([...families]).toEqual([PLOT_FONT_FAMILY]);
    for (const label of ['Loss', 'epoch', 'loss', 'Train', 'Valid']) expect(svg).toContain(`>${label}<`);
    expect((await loadCanvas()).GlobalFonts.has(PLOT_FONT_FAMILY)).toBe(true);
  });

  it('bad histories are rejected with the key and the value', async () => {
    await expect(plotHistory({ loss: [] }, tmp)).rejects.toThrow('plotHistory: history.loss must be a non-empty array of numbers but got an empty array');
    // @ts-expect-error -- a JavaScript caller can pass a string where a number belongs
    await expect(plotHistory({ loss: [1], val_loss: [1, '2'] }, tmp)).rejects.toThrow('plotHistory: history.val_loss[1] is "2"; expected a number');
    await expect(plotHistory(history, tmp, { width: 50 })).rejects.toThrow('plotHistory: width must be an integer in [100, 8192] but got 50');
  });
});

describe('tilesToRgba', () => {
  it('tilesLast [2,2,2] arange: each tile min-max normalised to 0, 85, 170, 255 grey', () => {
    const { tiles, height, width } = tilesToRgba(Float32Array.from({ length: 8 }, (_, i) => i), [2, 2, 2]);
    expect([tiles.length, height, width]).toEqual([2, 2, 2]);
    for (const t of tiles) expect(Array.from(t.filter((_, i) => i % 4 === 0))).toEqual([0, 85, 170, 255]);
    expect(tiles[0][3]).toBe(255);
  });

  it('tilesFirst [2,1,3]: tile 1 is the second row of three values', () => {
    const { tiles } = tilesToRgba([0, 0, 0, -1, 0, 1], [2, 1, 3], 'tilesFirst');
    expect(Array.from(tiles[0].filter((_, i) => i % 4 === 0))).toEqual([0, 0, 0]); // constant tile -> low end
    expect(Array.from(tiles[1].filter((_, i) => i % 4 === 1))).toEqual([0, 128, 255]);
  });

  it('viridis ends are matplotlib\'s #440154 and #fde725', () => {
    const { tiles } = tilesToRgba([0, 1], [1, 2, 1], 'tilesLast', 'viridis');
    expect(Array.from(tiles[0].subarray(0, 3))).toEqual(hexRgb('#440154'));
    expect(Array.from(tiles[0].subarray(4, 7))).toEqual(hexRgb('#fde725'));
  });

  it('rank-4 shape, wrong length, NaN and unknown colormap are rejected', () => {
    expect(() => tilesToRgba(new Float32Array(16), [1, 2, 2, 4])).toThrow("imageGrid: shape must be [height, width, tiles] (3 positive integers) for layout 'tilesLast' but got [1, 2, 2, 4]; drop the batch axis");
    expect(() => tilesToRgba(new Float32Array(7), [2, 2, 2])).toThrow('imageGrid: shape [2, 2, 2] has 8 values but the data has 7');
    expect(() => tilesToRgba([0, 1, Number.NaN, 2], [2, 2, 1])).toThrow('imageGrid: tile 0 has NaN at row 1, column 0; expected finite values');
    // @ts-expect-error -- a JavaScript caller can pass an unknown colormap name
    expect(() => tilesToRgba([0], [1, 1, 1], 'tilesLast', 'jet')).toThrow("imageGrid: unknown colormap 'jet'");
  });
});

describe('imageGrid', () => {
  it('4 kernels of 3x3, scale 4, gap 2: 26x26 PNG, sharp 4x4 blocks, white gaps', async () => {
    // tilesLast [3,3,4]: value at (r,c) of tile t is r*3+c, except tile 3 which is reversed
    const data = new Float32Array(36);
    for (let p = 0; p < 9; p++) for (let t = 0; t < 4; t++) data[p * 4 + t] = t === 3 ? 8 - p : p;
    const res = await imageGrid(data, [3, 3, 4], join(tmp, 'grid', 'k.png'), { scale: 4, gap: 2 });
    expect(res).toMatchObject({ width: 26, height: 26, columns: 2, rows: 2 });
    const img = await decodePng(res.path);
    expect([img.width, img.height]).toEqual([26, 26]);
    const px = (x: number, y: number) => Array.from(img.data.subarray(4 * (y * 26 + x), 4 * (y * 26 + x) + 3));
    expect(px(0, 0)).toEqual([0, 0, 0]); // tile 0, pixel (0,0): the minimum
    expect(px(3, 3)).toEqual([0, 0, 0]); // same 4x4 block: nearest neighbour, no blur
    expect(px(11, 11)).toEqual([255, 255, 255]); // tile 0 pixel (2,2): the maximum
    expect(px(12, 5)).toEqual([255, 255, 255]); // gap column between tiles 0 and 1
    expect(px(14, 14)).toEqual([255, 255, 255]); // tile 3 (reversed) pixel (0,0): the maximum
    expect(px(25, 25)).toEqual([0, 0, 0]); // tile 3 pixel (2,2): the minimum
    expect(px(4, 0)).toEqual([32, 32, 32]); // tile 0 pixel (0,1): 1/8 of the range
  });

  it('5 Fashion-MNIST-sized tiles, tilesFirst, viridis, default columns 3 and scale 2', async () => {
    const data = Float32Array.from({ length: 5 * 28 * 28 }, (_, i) => (i * 7) % 13);
    const res = await imageGrid(data, [5, 28, 28], join(tmp, 'grid', 'v.png'), { layout: 'tilesFirst', colormap: 'viridis' });
    expect(res).toMatchObject({ columns: 3, rows: 2, width: 3 * 56 + 4, height: 2 * 56 + 2 });
    const img = await decodePng(res.path);
    expect(countColor(img, '#440154', 2)).toBeGreaterThan(100);
    expect(countColor(img, '#fde725', 2)).toBeGreaterThan(100);
    // the sixth cell of the 3x2 grid is empty: gap colour
    expect(countColor(img, '#ffffff', 0, [2 * 58, 58, 2 * 58 + 56, 58 + 56])).toBe(56 * 56);
  });

  it('a grid larger than 16384 px per side is refused', async () => {
    await expect(imageGrid(new Float32Array(4), [2, 2, 1], join(tmp, 'x.png'), { scale: 9000 })).rejects.toThrow('imageGrid: the grid would be 18000x18000 pixels; expected at most 16384 per side');
  });
});

describe('optional plotting packages', () => {
  it('a missing package is named, with the install command for all of them', async () => {
    const { optionalPlotImport, PLOT_PACKAGES } = await import('../src/plot/render.js');
    const missing = 'cnn-ts-no-such-plot-package';
    await expect(optionalPlotImport('echarts', () => import(/* @vite-ignore */ missing))).rejects.toThrow(
      `cnn-ts plots need the optional package 'echarts', which is not installed; install the plotting packages with: npm install ${PLOT_PACKAGES.join(' ')}`,
    );
    expect(PLOT_PACKAGES).toEqual(['echarts', '@napi-rs/canvas', '@fontsource/dejavu-sans']);
  });

  it('other load errors pass through unchanged', async () => {
    const { optionalPlotImport } = await import('../src/plot/render.js');
    await expect(optionalPlotImport('echarts', () => Promise.reject(new TypeError('broken build')))).rejects.toThrow(/^broken build$/);
  });
});
