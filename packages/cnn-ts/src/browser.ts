/**
 * `tf.browser.fromPixels` / `toPixels` (tfjs-core): images to int32
 * `[height, width, channels]` tensors and back to RGBA bytes. The pixel
 * work is host-side (a canvas 2-D context where the source must be drawn);
 * ImageData-like `{width, height, data}` objects work everywhere, Node too.
 */
import { fromValues } from './ops/creation.js';
import { Tensor } from './tensor.js';
import type { TensorLike } from './types.js';
import { toTensor } from './ops/convert.js';
import { cast } from './ops/cast.js';

/** `{width, height, data}` with RGBA bytes (TF.js `PixelData`; ImageData has this shape). */
export interface PixelData {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** What `fromPixels` takes: ImageData / PixelData, or anything a canvas can draw. */
export type FromPixelsInput = PixelData | { width: number; height: number } | { videoWidth: number; videoHeight: number } | object;

interface Ctx2D {
  drawImage(src: unknown, x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  putImageData?(d: unknown, x: number, y: number): void;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d', opts?: object): Ctx2D | null;
}

function isPixelData(p: unknown): p is PixelData {
  const d = (p as PixelData).data;
  return d instanceof Uint8Array || d instanceof Uint8ClampedArray;
}

function scratchCanvas(w: number, h: number): CanvasLike {
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike; document?: { createElement(t: string): CanvasLike } };
  if (g.OffscreenCanvas) return new g.OffscreenCanvas(w, h);
  if (g.document) {
    const c = g.document.createElement('canvas');
    c.width = w;
    c.height = h;
    return c;
  }
  throw new Error('fromPixels: drawing this kind of image needs a canvas (OffscreenCanvas or document); in Node pass ImageData-like {width, height, data}');
}

function rgba(pixels: FromPixelsInput): { data: ArrayLike<number>; width: number; height: number } {
  if (isPixelData(pixels)) return pixels;
  const p = pixels as { width?: number; height?: number; videoWidth?: number; videoHeight?: number; getContext?: CanvasLike['getContext']; readyState?: number };
  const isVideo = typeof p.videoWidth === 'number';
  if (isVideo && (p.readyState ?? 4) < 2) throw new Error('The video element has not loaded data yet. Please wait for `loadeddata` event on the <video> element.');
  const width = isVideo ? p.videoWidth! : p.width;
  const height = isVideo ? p.videoHeight! : p.height;
  if (typeof width !== 'number' || typeof height !== 'number') {
    throw new Error(`pixels passed to tf.browser.fromPixels() must be either an HTMLVideoElement, HTMLImageElement, HTMLCanvasElement, ImageData in browser, or OffscreenCanvas, ImageData in webworker or {data: Uint32Array, width: number, height: number}, but was ${(pixels as object).constructor?.name ?? typeof pixels}`);
  }
  if (typeof p.getContext === 'function') {
    const ctx = p.getContext('2d');
    if (ctx) return { data: ctx.getImageData(0, 0, width, height).data, width, height };
  }
  const c = scratchCanvas(width, height);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('fromPixels: could not get a 2-D canvas context');
  ctx.drawImage(pixels, 0, 0, width, height);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** An int32 `[height, width, numChannels]` tensor of the image's first `numChannels` RGBA channels (TF.js). */
export function fromPixels(pixels: FromPixelsInput, numChannels = 3): Tensor {
  if (pixels == null) throw new Error('pixels passed to tf.browser.fromPixels() can not be null');
  if (!(Number.isInteger(numChannels) && numChannels >= 1 && numChannels <= 4)) throw new Error(`Cannot construct Tensor with more than 4 channels from pixels (numChannels ${numChannels}).`);
  const { data, width, height } = rgba(pixels);
  const n = width * height;
  if (data.length < n * 4) throw new Error(`fromPixels: expected ${n * 4} RGBA bytes for a ${width}x${height} image, got ${data.length}`);
  const out = new Float32Array(n * numChannels);
  for (let i = 0; i < n; i++) for (let c = 0; c < numChannels; c++) out[i * numChannels + c] = data[i * 4 + c];
  return fromValues(out, [height, width, numChannels], 'int32');
}

/** `fromPixels` for sources decoded asynchronously (TF.js `fromPixelsAsync`). */
export async function fromPixelsAsync(pixels: FromPixelsInput, numChannels = 3): Promise<Tensor> {
  return fromPixels(pixels, numChannels);
}

/**
 * RGBA bytes of a `[h, w]` or `[h, w, 1|3|4]` image: float32 values in
 * [0, 1] (scaled by 255) or int32 in [0, 255]; drawn on `canvas` if given.
 */
export async function toPixels(img: Tensor | TensorLike, canvas?: CanvasLike): Promise<Uint8ClampedArray> {
  let t = toTensor(img, 'toPixels');
  const owned = !(img instanceof Tensor);
  if (owned) t = cast(t, 'int32');
  if (t.rank !== 2 && t.rank !== 3) throw new Error(`toPixels only supports rank 2 or 3 tensors, got rank ${t.rank}.`);
  const depth = t.rank === 2 ? 1 : t.shape[2];
  if (depth > 4 || depth === 2) throw new Error(`toPixels only supports depth of size 1, 3 or 4 but got ${depth}`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`Unsupported type for toPixels: ${t.dtype}. Please use float32 or int32 tensors.`);
  const [height, width] = t.shape;
  const data = await t.data();
  const multiplier = t.dtype === 'float32' ? 255 : 1;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < height * width; ++i) {
    const px = [0, 0, 0, 255];
    for (let d = 0; d < depth; d++) {
      const v = data[i * depth + d];
      if (t.dtype === 'float32' && (v < 0 || v > 1)) throw new Error(`Tensor values for a float32 Tensor must be in the range [0 - 1] but encountered ${v}.`);
      if (t.dtype === 'int32' && (v < 0 || v > 255)) throw new Error(`Tensor values for a int32 Tensor must be in the range [0 - 255] but encountered ${v}.`);
      if (depth === 1) px[0] = px[1] = px[2] = v * multiplier;
      else px[d] = v * multiplier;
    }
    for (let k = 0; k < 4; k++) bytes[i * 4 + k] = Math.round(px[k]);
  }
  if (owned) t.dispose();
  if (canvas != null) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    const ID = (globalThis as { ImageData?: new (d: Uint8ClampedArray, w: number, h: number) => unknown }).ImageData;
    if (ctx?.putImageData) ctx.putImageData(ID ? new ID(bytes, width, height) : { data: bytes, width, height }, 0, 0);
  }
  return bytes;
}
