/**
 * `tf.image`: resizing, cropping, flipping, grayscale (tfjs-core's image
 * ops, same defaults and arithmetic as its CPU kernels). Resizing is two
 * products with interpolation matrices built from the shapes alone, so the
 * gradient (TF.js has one for both resizes) comes from matMul's.
 */
import type { Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, fmtShape } from '../util.js';
import { toTensor } from './convert.js';
import { fromValues } from './creation.js';
import { matMul } from './matmul.js';
import { add, mul } from './binary.js';
import { cast } from './cast.js';
import { concat, expandDims, reshape, reverse, slice, squeeze, transpose } from './transform.js';
import { sum } from './reduction.js';

type Arg = Tensor | TensorLike;

/** Source-position ratio of one axis (TF.js's effective sizes). */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  const a = alignCorners && outSize > 1;
  return (a ? inSize - 1 : inSize) / (a ? outSize - 1 : outSize);
}

/** [outSize, inSize] bilinear weights, as tfjs-backend-cpu's ResizeBilinear. */
function bilinearMatrix(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const r = ratio(inSize, outSize, alignCorners);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? r * (o + 0.5) - 0.5 : r * o;
    const lo = Math.max(0, Math.floor(src));
    const frac = src - lo;
    const hi = Math.min(inSize - 1, Math.ceil(src));
    m[o * inSize + lo] += 1 - frac;
    m[o * inSize + hi] += frac;
  }
  return m;
}

/** [outSize, inSize] one-hot selection, as tfjs-backend-cpu's ResizeNearestNeighbor. */
function nearestMatrix(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const r = ratio(inSize, outSize, alignCorners);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? r * (o + 0.5) : r * o;
    let i = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
    if (halfPixelCenters) i = Math.max(0, i);
    m[o * inSize + i] = 1;
  }
  return m;
}

/** `out[n, i, j, c] = sum over h, w of ry[i, h] x[n, h, w, c] rx[j, w]` for NHWC `x`. */
function separable(x: Tensor, ry: Tensor, rx: Tensor): Tensor {
  const [n, h, w, c] = x.shape;
  const oh = ry.shape[0];
  const ow = rx.shape[0];
  const rows = reshape(matMul(ry, reshape(transpose(x, [1, 0, 2, 3]), [h, n * w * c])), [oh, n, w, c]);
  const cols = reshape(matMul(rx, reshape(transpose(rows, [2, 1, 0, 3]), [w, n * oh * c])), [ow, n, oh, c]);
  return transpose(cols, [1, 2, 0, 3]);
}

function resize(op: string, images: Arg, size: [number, number], alignCorners: boolean, halfPixelCenters: boolean, matrix: typeof bilinearMatrix): Tensor {
  const x = toTensor(images, op);
  assert(x.rank === 3 || x.rank === 4, op, () => `x should be tensor3d or tensor4d but got rank ${x.rank}.`);
  assert(Array.isArray(size) && size.length === 2, op, () => `new shape must 2D, but got shape ${size}.`);
  assert(size.every((d) => Number.isInteger(d) && d >= 1), op, () => `new size must be positive integers, got ${fmtShape(size)}`);
  assert(!(halfPixelCenters && alignCorners), op, () => 'If halfPixelCenters is true, alignCorners must be false.');
  const x4 = x.rank === 3 ? expandDims(x, 0) : x;
  const [, h, w] = x4.shape;
  const ry = fromValues(matrix(h, size[0], alignCorners, halfPixelCenters), [size[0], h], 'float32');
  const rx = fromValues(matrix(w, size[1], alignCorners, halfPixelCenters), [size[1], w], 'float32');
  const y = separable(cast(x4, 'float32'), ry, rx);
  return x.rank === 3 ? squeeze(y, [0]) : y;
}

/** Bilinear resize of `[batch, h, w, c]` (or `[h, w, c]`) images to `size`; float32 out (TF.js). */
export function resizeBilinear(images: Arg, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  return resize('resizeBilinear', images, size, alignCorners, halfPixelCenters, bilinearMatrix);
}

/** Nearest-neighbour resize; keeps the input's dtype (TF.js). */
export function resizeNearestNeighbor(images: Arg, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const x = toTensor(images, 'resizeNearestNeighbor');
  const y = resize('resizeNearestNeighbor', x, size, alignCorners, halfPixelCenters, nearestMatrix);
  return x.dtype === 'float32' ? y : cast(y, x.dtype);
}

/** Mirrors `[batch, h, w, c]` images left to right. */
export function flipLeftRight(image: Arg): Tensor {
  const x = toTensor(image, 'flipLeftRight', 'float32');
  assert(x.rank === 4, 'flipLeftRight', () => `image must be rank 4,but got rank ${x.rank}.`);
  return reverse(x, 2);
}

/** `0.2989 R + 0.5870 G + 0.1140 B` over the last axis (size 3), kept as a size-1 axis; the input's dtype (TF.js). */
export function rgbToGrayscale(image: Arg): Tensor {
  const x = toTensor(image, 'rgbToGrayscale');
  assert(x.rank >= 2, 'RGBToGrayscale', () => `images must be at least rank 2, but got rank ${x.rank}.`);
  assert(x.shape[x.rank - 1] === 3, 'RGBToGrayscale', () => `last dimension of an RGB image should be size 3, but got size ${x.shape[x.rank - 1]}.`);
  const gray = sum(mul(cast(x, 'float32'), fromValues(Float32Array.of(0.2989, 0.587, 0.114), [3], 'float32')), -1, true);
  return x.dtype === 'float32' ? gray : cast(gray, x.dtype);
}

function hostValues(t: Arg, op: string, what: string): ArrayLike<number> {
  if (ArrayBuffer.isView(t)) return t as ArrayLike<number>;
  if (Array.isArray(t)) return (t as unknown[]).flat(2) as number[];
  if (typeof t === 'object' && t !== null && 'dataSync' in t) return (t as Tensor).dataSync();
  throw new Error(`Error in ${op}: ${what} must be a Tensor or an array`);
}

/**
 * Crops boxes out of `[batch, h, w, c]` images and resizes each to
 * `cropSize` (TF.js `tf.image.cropAndResize`): `boxes` `[numBoxes, 4]` of
 * normalised `[y1, x1, y2, x2]`, `boxInd` the image of each box; samples
 * outside the image get `extrapolationValue`. The box coordinates are read
 * on the host (with `dataSync()` when they are tensors: in a browser, where
 * the core runs in a worker, pass them as arrays).
 */
export function cropAndResize(image: Arg, boxes: Arg, boxInd: Arg, cropSize: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0): Tensor {
  const op = 'cropAndResize';
  const x = toTensor(image, op);
  assert(x.rank === 4, op, () => `image must be rank 4,but got rank ${x.rank}.`);
  const bv = hostValues(boxes, op, 'boxes');
  const iv = hostValues(boxInd, op, 'boxInd');
  const numBoxes = bv.length / 4;
  assert(Number.isInteger(numBoxes) && (!(boxes as Tensor).shape || ((boxes as Tensor).rank === 2 && (boxes as Tensor).shape[1] === 4)), op, () => `boxes must be have size [${numBoxes},4]`);
  assert(iv.length === numBoxes, op, () => `boxInd must be have size [${numBoxes}] but had ${iv.length} entries`);
  assert(cropSize.length === 2, op, () => `cropSize must be of length 2, but got length ${cropSize.length}.`);
  assert(cropSize[0] >= 1 && cropSize[1] >= 1, op, () => `cropSize must be atleast [1,1], but was ${cropSize}`);
  assert(method === 'bilinear' || method === 'nearest', op, () => `method must be bilinear or nearest, but was ${method}`);
  const [batch, h, w, c] = x.shape;
  const [ch, cw] = cropSize;
  const xf = cast(x, 'float32');
  // Sampling positions of one axis: weights [out, in] and whether each output is inside the image.
  const axis = (lo: number, hi: number, inSize: number, outSize: number): { m: Float32Array; inside: boolean[] } => {
    const scale = outSize > 1 ? ((hi - lo) * (inSize - 1)) / (outSize - 1) : 0;
    const m = new Float32Array(outSize * inSize);
    const inside: boolean[] = [];
    for (let o = 0; o < outSize; o++) {
      const p = outSize > 1 ? lo * (inSize - 1) + o * scale : 0.5 * (lo + hi) * (inSize - 1);
      const ok = p >= 0 && p <= inSize - 1;
      inside.push(ok);
      if (!ok) continue;
      if (method === 'nearest') {
        m[o * inSize + Math.round(p)] = 1;
      } else {
        const f = Math.floor(p);
        m[o * inSize + f] += 1 - (p - f);
        m[o * inSize + Math.ceil(p)] += p - f;
      }
    }
    return { m, inside };
  };
  const crops: Tensor[] = [];
  for (let b = 0; b < numBoxes; b++) {
    const [y1, x1, y2, x2] = [bv[4 * b], bv[4 * b + 1], bv[4 * b + 2], bv[4 * b + 3]];
    const bi = iv[b];
    const ya = axis(y1, y2, h, ch);
    const xa = axis(x1, x2, w, cw);
    const fill = new Float32Array(ch * cw * c);
    for (let i = 0; i < ch; i++) for (let j = 0; j < cw; j++) if (!ya.inside[i] || !xa.inside[j]) fill.fill(extrapolationValue, (i * cw + j) * c, (i * cw + j + 1) * c);
    if (!(bi >= 0 && bi < batch)) {
      // TF.js leaves such boxes at zero.
      crops.push(fromValues(new Float32Array(ch * cw * c), [1, ch, cw, c], 'float32'));
      continue;
    }
    const img = batch === 1 ? xf : slice(xf, [bi, 0, 0, 0], [1, h, w, c]);
    const ry = fromValues(ya.m, [ch, h], 'float32');
    const rx = fromValues(xa.m, [cw, w], 'float32');
    crops.push(add(separable(img, ry, rx), fromValues(fill, [1, ch, cw, c], 'float32')));
  }
  if (crops.length === 0) return fromValues(new Float32Array(0), [0, ch, cw, c], 'float32');
  return crops.length === 1 ? crops[0] : concat(crops, 0);
}
