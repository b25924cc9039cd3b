/**
 * Byte -> tensor-ready conversions: what the seed does with `train_X / 255.0`
 * and what Keras does when it feeds integer labels as int32.
 */

/**
 * Converts bytes (or any numbers) to float32, multiplied by `scale`
 * (default 1/255, so pixels land in [0, 1]). For bytes the result equals
 * NumPy's `(x / 255.0).astype(np.float32)` bit for bit.
 *
 * @example
 * const x = toFloat32(images); // Float32Array, 0..1
 * const centred = toFloat32(images, 2 / 255); // 0..2
 */
export function toFloat32(bytes: ArrayLike<number>, scale = 1 / 255): Float32Array {
  if (!Number.isFinite(scale)) throw new Error(`toFloat32: scale must be a finite number but got ${scale}`);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] * scale;
  return out;
}

/**
 * Converts class ids (e.g. IDX label bytes) to `Int32Array`, the dtype
 * TensorFlow.js uses for integer labels.
 *
 * @example
 * const y = toInt32(labels);
 */
export function toInt32(labels: ArrayLike<number>): Int32Array {
  return Int32Array.from(labels);
}
