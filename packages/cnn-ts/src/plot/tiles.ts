/**
 * Colouring of single-channel tiles for image grids (conv kernels, feature
 * maps): each tile min-max normalised on its own, then mapped through a
 * colormap — grey, or d3-scale-chromatic's copies of matplotlib's
 * perceptually uniform maps. Plain data, no Node APIs: a browser draws a
 * tile with `ctx.putImageData(new ImageData(rgba, width, height), x, y)`;
 * Node writes PNGs with `imageGrid` (grid.ts).
 */
import { rgb } from 'd3-color';
import { interpolateCividis, interpolateInferno, interpolateMagma, interpolatePlasma, interpolateViridis } from 'd3-scale-chromatic';

/** Colormap names, as matplotlib's `cmap`. */
export type Colormap = 'gray' | 'viridis' | 'magma' | 'inferno' | 'plasma' | 'cividis';

/**
 * Where the tile index lies in the data:
 * - `'tilesLast'`: shape `[height, width, tiles]`, tile index fastest —
 *   one image's NHWC feature maps (`[h, w, channels]`), or conv kernels
 *   HWIO viewed as `[kh, kw, cin * cout]`;
 * - `'tilesFirst'`: shape `[tiles, height, width]` — a batch of
 *   single-channel images such as Fashion-MNIST `[n, 28, 28]`.
 */
export type TileLayout = 'tilesLast' | 'tilesFirst';

/** Coloured tiles, each `height * width * 4` RGBA bytes, row-major. */
export interface RgbaTiles {
  tiles: Uint8ClampedArray[];
  height: number;
  width: number;
}

const INTERPOLATORS: Record<Exclude<Colormap, 'gray'>, (t: number) => string> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  plasma: interpolatePlasma,
  cividis: interpolateCividis,
};
const luts = new Map<Colormap, Uint8Array>();

/** 256 RGB entries of a colormap, built once from d3-scale-chromatic. */
function lut(name: Colormap): Uint8Array {
  let table = luts.get(name);
  if (table === undefined) {
    table = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      if (name === 'gray') {
        table.fill(i, 3 * i, 3 * i + 3);
      } else {
        const c = rgb(INTERPOLATORS[name](i / 255));
        table.set([Math.round(c.r), Math.round(c.g), Math.round(c.b)], 3 * i);
      }
    }
    luts.set(name, table);
  }
  return table;
}

function tileShape(shape: readonly number[], layout: TileLayout): { h: number; w: number; n: number } {
  const names = layout === 'tilesLast' ? '[height, width, tiles]' : '[tiles, height, width]';
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    const hint = shape.length === 4 ? (layout === 'tilesLast' ? '; drop the batch axis of NHWC maps, or view HWIO kernels as [kh, kw, cin*cout]' : '; drop the channel axis of [n, h, w, 1] images') : '';
    throw new Error(`imageGrid: shape must be ${names} (3 positive integers) for layout '${layout}' but got [${shape.join(', ')}]${hint}`);
  }
  return layout === 'tilesLast' ? { h: shape[0], w: shape[1], n: shape[2] } : { n: shape[0], h: shape[1], w: shape[2] };
}

/**
 * Min-max normalises each tile and colours it; a constant tile maps to the
 * colormap's low end. Throws on a data length that disagrees with `shape`
 * or a NaN / infinite value (naming the tile and pixel).
 *
 * @example
 * const { tiles, height, width } = tilesToRgba(maps, [14, 14, 16], 'tilesLast', 'viridis');
 */
export function tilesToRgba(data: ArrayLike<number>, shape: readonly number[], layout: TileLayout = 'tilesLast', colormap: Colormap = 'gray'): RgbaTiles {
  const { h, w, n } = tileShape(shape, layout);
  if (data.length !== h * w * n) {
    throw new Error(`imageGrid: shape [${shape.join(', ')}] has ${h * w * n} values but the data has ${data.length}`);
  }
  if (!(colormap in INTERPOLATORS) && colormap !== 'gray') {
    throw new Error(`imageGrid: unknown colormap '${colormap}'; expected one of gray, ${Object.keys(INTERPOLATORS).join(', ')}`);
  }
  const table = lut(colormap);
  // index of pixel p (row-major within the tile) of tile t
  const at = layout === 'tilesLast' ? (t: number, p: number) => p * n + t : (t: number, p: number) => t * h * w + p;
  const tiles: Uint8ClampedArray[] = [];
  for (let t = 0; t < n; t++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < h * w; p++) {
      const v = data[at(t, p)];
      if (!Number.isFinite(v)) throw new Error(`imageGrid: tile ${t} has ${v} at row ${Math.floor(p / w)}, column ${p % w}; expected finite values`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    const rgba = new Uint8ClampedArray(h * w * 4);
    for (let p = 0; p < h * w; p++) {
      const level = span > 0 ? Math.round(((data[at(t, p)] - lo) / span) * 255) : 0;
      rgba[4 * p] = table[3 * level];
      rgba[4 * p + 1] = table[3 * level + 1];
      rgba[4 * p + 2] = table[3 * level + 2];
      rgba[4 * p + 3] = 255;
    }
    tiles.push(rgba);
  }
  return { tiles, height: h, width: w };
}

