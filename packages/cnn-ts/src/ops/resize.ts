/**
 * Spatial resize of NHWC images (nearest neighbour, bilinear) with its
 * gradient: the core's `resize2d` / `resize2dBackward` kernels
 * (crates/cnn-core/src/resize.rs), behind `layers.upSampling2d`. The flags
 * follow TF's `ResizeNearestNeighbor` / `ResizeBilinear`.
 */
import { makeTensor, Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, fmtShape } from '../util.js';
import { call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';
import { reshape } from './transform.js';

export interface Resize2dOptions {
  /** Scale `(in - 1) / (out - 1)` so corner pixels align (default false). */
  alignCorners?: boolean;
  /** Sample at pixel centres, as `tf.image.resize` in TF 2 (default false). */
  halfPixelCenters?: boolean;
}

/**
 * Resizes `[n, h, w, c]` (or `[h, w, c]`) to `[n, size[0], size[1], c]`.
 * @example resize2d(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), [4, 4], 'nearest') // each value a 2x2 block
 */
export function resize2d(x: Tensor | TensorLike, size: [number, number], method: 'nearest' | 'bilinear', opts: Resize2dOptions = {}): Tensor {
  const op = method === 'nearest' ? 'resizeNearestNeighbor' : 'resizeBilinear';
  const t = toTensor(x, op);
  assert(t.rank === 4 || t.rank === 3, op, () => `x must be rank 3 or 4, got rank ${t.rank} ${fmtShape(t.shape)}`);
  const x4 = t.rank === 4 ? t : reshape(t, [1, ...t.shape]);
  assert(size.length === 2 && size.every((v) => Number.isInteger(v) && v >= 1), op, () => `new shape must be two positive integers, got ${JSON.stringify(size)}`);
  const align = opts.alignCorners ?? false;
  const half = opts.halfPixelCenters ?? false;
  assert(!(align && half), op, () => 'if halfPixelCenters is true, alignCorners must be false');
  const [n, h, w, c] = x4.shape;
  const spec = Uint32Array.from([n, h, w, c, size[0], size[1], method === 'nearest' ? 0 : 1, align ? 1 : 0, half ? 1 : 0]);
  const y = makeTensor([n, size[0], size[1], c], 'float32');
  call('resize2d', [x4], [y], [spec]);
  recordOp('resize2d', [x4], [y], { spec }, [], op);
  return t.rank === 4 ? y : reshape(y, y.shape.slice(1));
}
