/**
 * Image grids as PNG files (Node): the tiles coloured by tiles.ts, drawn
 * enlarged with nearest-neighbour sampling and a gap between tiles, and
 * encoded by @napi-rs/canvas (see render.ts for why that library).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadCanvas } from './render.js';
import { tilesToRgba, type Colormap, type TileLayout } from './tiles.js';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Layout of `shape`; default `'tilesLast'`. */
  layout?: TileLayout;
  /** Tiles per row; default `ceil(sqrt(tiles))`. */
  columns?: number;
  /** Output pixels per data pixel; default so a tile is about 48 px (3x3 -> 16, 28x28 -> 2). */
  scale?: number;
  /** Pixels between tiles; default 2. */
  gap?: number;
  /** Default `'gray'` (low = black). */
  colormap?: Colormap;
  /** CSS colour of the gaps; default white. */
  gapColor?: string;
}

/** What {@link imageGrid} wrote. */
export interface ImageGridResult {
  path: string;
  width: number;
  height: number;
  columns: number;
  rows: number;
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new Error(`imageGrid: ${name} must be an integer >= ${min} but got ${v}`);
  return v;
}

/**
 * Writes a PNG grid of single-channel tiles (conv kernels, feature maps,
 * images) to `outPath`, creating its folder.
 *
 * @example
 * // first conv layer's kernels, HWIO [3, 3, 1, 16]
 * await imageGrid(kernelData, [3, 3, 16], 'filters.png');
 * // its feature maps for one image, NHWC [1, 28, 28, 16] without the batch axis
 * await imageGrid(mapData, [28, 28, 16], 'maps.png', { colormap: 'viridis' });
 */
export async function imageGrid(data: ArrayLike<number>, shape: readonly number[], outPath: string, options: ImageGridOptions = {}): Promise<ImageGridResult> {
  const layout = options.layout ?? 'tilesLast';
  const { tiles, height: h, width: w } = tilesToRgba(data, shape, layout, options.colormap ?? 'gray');
  const n = tiles.length;
  const columns = positiveInt('columns', options.columns ?? Math.ceil(Math.sqrt(n)), 1);
  const rows = Math.ceil(n / columns);
  const scale = positiveInt('scale', options.scale ?? Math.max(1, Math.round(48 / Math.max(h, w))), 1);
  const gap = positiveInt('gap', options.gap ?? 2, 0);
  const width = columns * w * scale + (columns - 1) * gap;
  const height = rows * h * scale + (rows - 1) * gap;
  if (width > 16384 || height > 16384) {
    throw new Error(`imageGrid: the grid would be ${width}x${height} pixels; expected at most 16384 per side (lower scale or columns)`);
  }
  const { createCanvas, ImageData } = await loadCanvas();
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = options.gapColor ?? '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false; // nearest neighbour: every data pixel stays a sharp square
  const tile = createCanvas(w, h);
  const tileCtx = tile.getContext('2d');
  tiles.forEach((rgba, t) => {
    tileCtx.putImageData(new ImageData(rgba, w, h), 0, 0);
    const x = (t % columns) * (w * scale + gap);
    const y = Math.floor(t / columns) * (h * scale + gap);
    ctx.drawImage(tile, x, y, w * scale, h * scale);
  });
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, await canvas.encode('png'));
  return { path: outPath, width, height, columns, rows };
}
