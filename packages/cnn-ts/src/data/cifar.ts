/**
 * CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`,
 * `test_batch.bin`), from https://www.cs.toronto.edu/~kriz/cifar.html:
 * each record is 1 label byte then 3072 pixel bytes — the 1024 red values,
 * then 1024 green, then 1024 blue, each plane a row-major 32x32 image.
 * Tensors here are NHWC, so the planes are interleaved on the way in.
 */

/** Side of a CIFAR image in pixels. */
export const CIFAR_SIZE = 32;
const PLANE = CIFAR_SIZE * CIFAR_SIZE; // 1024
const RECORD = 1 + 3 * PLANE; // 3073

/** A decoded CIFAR-10 batch. */
export interface Cifar10Batch {
  /** Pixel bytes, NHWC `[count, 32, 32, 3]`. */
  images: Uint8Array;
  /** Class ids 0..9 (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck). */
  labels: Uint8Array;
  count: number;
}

/**
 * Parses a CIFAR-10 binary batch into NHWC `[count, 32, 32, 3]` pixels and
 * labels. Throws if the length is not a whole number of 3073-byte records
 * or a label is outside 0..9 (a CIFAR-100 file has two label bytes per record).
 *
 * @param name shown in error messages, e.g. the file name
 * @example
 * const { images, labels, count } = parseCifar10Batch(bytes); // count 10000
 */
export function parseCifar10Batch(bytes: Uint8Array, name?: string): Cifar10Batch {
  const p = name === undefined ? 'CIFAR-10' : `CIFAR-10 (${name})`;
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    const whole = Math.floor(bytes.length / RECORD);
    throw new Error(`${p}: expected a whole number of ${RECORD}-byte records (1 label + 3x1024 pixels) but the file has ${bytes.length} bytes: ${whole} records and ${bytes.length - whole * RECORD} bytes left over`);
  }
  const count = bytes.length / RECORD;
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const rec = i * RECORD;
    const label = bytes[rec];
    if (label > 9) {
      throw new Error(`${p}: record ${i} has label ${label}; expected 0..9 (CIFAR-100 files, with 2 label bytes, are not CIFAR-10)`);
    }
    labels[i] = label;
    decodeCifarPixels(bytes.subarray(rec + 1, rec + RECORD), images.subarray(i * 3 * PLANE, (i + 1) * 3 * PLANE));
  }
  return { images, labels, count };
}

/** Bytes per CIFAR-10 record: 1 label byte and 3x1024 pixel bytes. */
export const CIFAR_RECORD_BYTES = RECORD;

/** Interleaves one record's three colour planes (`planes`, 3072 bytes) into NHWC pixels (`out`, 3072 bytes). */
export function decodeCifarPixels(planes: Uint8Array, out: Uint8Array): void {
  for (let px = 0; px < PLANE; px++) {
    out[3 * px] = planes[px];
    out[3 * px + 1] = planes[PLANE + px];
    out[3 * px + 2] = planes[2 * PLANE + px];
  }
}
