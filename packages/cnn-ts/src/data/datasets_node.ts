/**
 * Lazy datasets over files (Node only, `import { ... } from 'cnn-ts/node'`):
 * IDX, `.npy`, CIFAR-10 binary batches and folders of PNG / JPEG images.
 * Each reads its header at the call (so the size is known and a bad file
 * fails there) and then streams records from disk pass by pass; samples
 * are {@link HostArray}s in the file's own dtype, converted to tensors
 * only by `batch()`. Gzipped IDX / `.npy` files are decompressed as a
 * stream, never whole.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CIFAR_RECORD_BYTES, CIFAR_SIZE, decodeCifarPixels } from './cifar.js';
import { Dataset, HostArray, datasetFromIteratorFn, zip, type HostValues } from './dataset.js';
import { isGzip } from './gzip.js';
import { decodeIdx, parseIdxHeader } from './idx.js';
import { decodeNpy, parseNpyHeader } from './npy.js';
import { fashionMnistFiles } from './node.js';
import type { DataType } from '../types.js';
import { fmtShape, sizeFromShape } from '../util.js';

/** Bytes read from disk at a time (rounded down to whole records). */
const CHUNK_BYTES = 4 << 20;
/** Enough for any IDX header and any sane `.npy` header. */
const HEAD_BYTES = 64 << 10;

/** Options of the lazy array datasets ({@link idxDataset}, {@link npyDataset}). */
export interface LazyArrayOptions {
  /** Shape of one sample (default: the file's shape without its first axis), e.g. `[28, 28, 1]`. */
  shape?: number[];
  /** Factor applied when batching (e.g. 1/255 for pixel bytes; default 1). */
  scale?: number;
  /** Dtype of the batched tensor (default: int32 for integer data with scale 1, else float32). */
  dtype?: DataType;
}

interface Source {
  path: string;
  gz: boolean;
  /** The first bytes of the (decompressed) file. */
  head: Uint8Array;
  /** Size on disk (compressed size for gzip). */
  fileBytes: number;
}

async function openSource(path: string): Promise<Source> {
  const fileBytes = (await stat(path)).size;
  const fh = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(Math.min(HEAD_BYTES, fileBytes));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (!isGzip(head)) return { path, gz: false, head, fileBytes };
  const parts: Uint8Array[] = [];
  let got = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      got += chunk.byteLength;
      if (got >= HEAD_BYTES) break;
    }
  } catch (err) {
    throw new Error(`gzip (${path}): the data is corrupt or truncated (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    stream.destroy();
  }
  const all = new Uint8Array(got);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return { path, gz: true, head: all, fileBytes };
}

/**
 * The file's records `recordBytes` long after `start`, `count` of them, as
 * views into freshly read chunks (no copy for whole records).
 */
async function* records(src: Source, start: number, recordBytes: number, count: number, what: string): AsyncGenerator<Uint8Array> {
  if (!src.gz) {
    const fh = await open(src.path, 'r');
    try {
      const per = Math.max(1, Math.floor(CHUNK_BYTES / recordBytes));
      for (let i = 0; i < count; i += per) {
        const n = Math.min(per, count - i);
        const buf = new Uint8Array(n * recordBytes);
        const { bytesRead } = await fh.read(buf, 0, buf.length, start + i * recordBytes);
        if (bytesRead !== buf.length) throw new Error(`${what}: the file ended after ${i + Math.floor(bytesRead / recordBytes)} of ${count} records (was it changed while reading?)`);
        for (let k = 0; k < n; k++) yield buf.subarray(k * recordBytes, (k + 1) * recordBytes);
      }
    } finally {
      await fh.close();
    }
    return;
  }
  const stream = createReadStream(src.path).pipe(createGunzip());
  let skip = start;
  let carry = new Uint8Array(0);
  let done = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let bytes: Uint8Array = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (skip > 0) {
        const s = Math.min(skip, bytes.length);
        skip -= s;
        bytes = bytes.subarray(s);
      }
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + bytes.length);
        joined.set(carry);
        joined.set(bytes, carry.length);
        bytes = joined;
      }
      let o = 0;
      for (; o + recordBytes <= bytes.length && done < count; o += recordBytes, done++) yield bytes.slice(o, o + recordBytes);
      if (done === count && o < bytes.length) throw new Error(`${what}: ${bytes.length - o} bytes follow the ${count} records the header announces`);
      carry = bytes.slice(o);
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(what)) throw err;
    throw new Error(`${what}: the gzip data is corrupt or truncated after ${done} of ${count} records (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    stream.destroy();
  }
  if (done < count) throw new Error(`${what}: the file ended after ${done} of ${count} records (${carry.length} bytes of a partial record); the header announces ${count}`);
}

function sampleShape(fileShape: number[], options: LazyArrayOptions, what: string): number[] {
  const row = fileShape.slice(1);
  const shape = options.shape ?? row;
  if (sizeFromShape(shape) !== sizeFromShape(row)) {
    throw new Error(`${what}: options.shape ${fmtShape(shape)} holds ${sizeFromShape(shape)} values but each sample of the file (shape ${fmtShape(fileShape)}) has ${sizeFromShape(row)}`);
  }
  return shape;
}

function checkLength(src: Source, start: number, bytes: number, what: string, header: string): void {
  if (!src.gz && src.fileBytes - start !== bytes) {
    throw new Error(`${what}: header says ${header} (${bytes} bytes of data) but the file has ${src.fileBytes - start}`);
  }
}

/**
 * A lazy dataset of the rows (first axis) of an IDX file, gzipped or not;
 * each element a {@link HostArray} in the file's dtype.
 *
 * @example
 * const images = await idxDataset('train-images-idx3-ubyte.gz', { shape: [28, 28, 1], scale: 1 / 255 });
 * const labels = await idxDataset('train-labels-idx1-ubyte.gz');
 * const ds = tf.data.zip({ xs: images, ys: labels }).shuffle(10000).batch(32);
 */
export async function idxDataset(path: string, options: LazyArrayOptions = {}): Promise<Dataset<HostArray>> {
  const src = await openSource(path);
  const h = parseIdxHeader(src.head, path);
  const what = `IDX (${path})`;
  const count = h.shape[0];
  const shape = sampleShape(h.shape, options, what);
  const recordBytes = sizeFromShape(h.shape.slice(1)) * h.itemSize;
  checkLength(src, h.headerLength, count * recordBytes, what, `shape ${fmtShape(h.shape)} of ${h.dtype}`);
  const opts = { scale: options.scale, dtype: options.dtype };
  return datasetFromIteratorFn(async function* () {
    for await (const rec of records(src, h.headerLength, recordBytes, count, what)) {
      const values: HostValues = h.dtype === 'uint8' ? rec : decodeIdx(h.dtype, [rec.length / h.itemSize], rec).data;
      yield new HostArray(values, shape, opts);
    }
  }, count);
}

/**
 * A lazy dataset of the rows (first axis) of a `.npy` file (C order,
 * dtypes as `parseNpy`), gzipped or not.
 *
 * @example
 * const xs = await npyDataset('./dataset/cifar10_train_X.npy', { scale: 1 / 255 });
 * const ys = await npyDataset('./dataset/cifar10_train_y.npy');
 * await model.fitDataset(tf.data.zip({ xs, ys }).batch(64), { epochs: 10 });
 */
export async function npyDataset(path: string, options: LazyArrayOptions = {}): Promise<Dataset<HostArray>> {
  const src = await openSource(path);
  const what = `NPY (${path})`;
  let h;
  try {
    h = parseNpyHeader(src.head);
  } catch (err) {
    throw err instanceof Error && err.message.startsWith('NPY: ') ? new Error(`${what}: ${err.message.slice(5)}`) : err;
  }
  if (h.shape.length === 0) throw new Error(`${what}: a 0-d array has no rows to iterate; expected an array with a first (sample) axis`);
  const count = h.shape[0];
  const shape = sampleShape(h.shape, options, what);
  const recordBytes = sizeFromShape(h.shape.slice(1)) * h.itemSize;
  checkLength(src, h.dataOffset, count * recordBytes, what, `shape ${fmtShape(h.shape)} of ${h.descr}`);
  const header = h;
  const opts = { scale: options.scale, dtype: options.dtype };
  return datasetFromIteratorFn(async function* () {
    for await (const rec of records(src, header.dataOffset, recordBytes, count, what)) {
      const values: HostValues = header.dtype === 'uint8' ? rec : decodeNpy(header, rec).data;
      yield new HostArray(values, shape, opts);
    }
  }, count);
}

/** A labelled image sample: pixels `[h, w, c]` and the class id. */
export interface ImageSample {
  xs: HostArray;
  ys: HostArray;
}

/** Options of {@link cifar10Dataset}. */
export interface Cifar10DatasetOptions {
  /** With a folder: `'train'` (data_batch_1..5.bin, default) or `'test'` (test_batch.bin). */
  split?: 'train' | 'test';
  /** Pixel scale applied when batching (default 1/255). */
  scale?: number;
}

/**
 * CIFAR-10 binary batches read lazily: a folder (`cifar-10-batches-bin`),
 * one `.bin` file or a list of them. Elements are `{xs: [32, 32, 3] pixels,
 * ys: class id}`; pixels stay bytes until batched (then scaled by 1/255).
 *
 * @example
 * const train = await cifar10Dataset('cifar-10-batches-bin');
 * await model.fitDataset(train.shuffle(10000).batch(64).prefetch(2), { epochs: 10 });
 */
export async function cifar10Dataset(pathOrPaths: string | string[], options: Cifar10DatasetOptions = {}): Promise<Dataset<ImageSample>> {
  let files: string[];
  if (Array.isArray(pathOrPaths)) files = pathOrPaths;
  else if ((await stat(pathOrPaths)).isDirectory()) {
    const names = options.split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
    const present = new Set(await readdir(pathOrPaths));
    const missing = names.filter((n) => !present.has(n));
    if (missing.length > 0) throw new Error(`CIFAR-10 (${pathOrPaths}): missing ${missing.join(', ')}; expected the binary version's files (cifar-10-batches-bin: data_batch_1..5.bin, test_batch.bin)`);
    files = names.map((n) => join(pathOrPaths, n));
  } else files = [pathOrPaths];
  const sources = await Promise.all(
    files.map(async (path) => {
      const src = await openSource(path);
      const bytes = src.gz ? null : src.fileBytes;
      if (bytes !== null && (bytes === 0 || bytes % CIFAR_RECORD_BYTES !== 0)) {
        throw new Error(`CIFAR-10 (${path}): expected a whole number of ${CIFAR_RECORD_BYTES}-byte records (1 label + 3x1024 pixels) but the file has ${bytes} bytes`);
      }
      if (bytes === null) throw new Error(`CIFAR-10 (${path}): gzipped batches are not read lazily; gunzip the file first`);
      return { src, count: bytes / CIFAR_RECORD_BYTES };
    }),
  );
  const scale = options.scale ?? 1 / 255;
  const total = sources.reduce((a, s) => a + s.count, 0);
  const pixels = CIFAR_SIZE * CIFAR_SIZE * 3;
  return datasetFromIteratorFn(async function* () {
    for (const { src, count } of sources) {
      let i = 0;
      for await (const rec of records(src, 0, CIFAR_RECORD_BYTES, count, `CIFAR-10 (${src.path})`)) {
        if (rec[0] > 9) throw new Error(`CIFAR-10 (${src.path}): record ${i} has label ${rec[0]}; expected 0..9 (CIFAR-100 files, with 2 label bytes, are not CIFAR-10)`);
        const px = new Uint8Array(pixels);
        decodeCifarPixels(rec.subarray(1), px);
        yield { xs: new HostArray(px, [CIFAR_SIZE, CIFAR_SIZE, 3], { scale }), ys: new HostArray(rec.subarray(0, 1), []) };
        i++;
      }
    }
  }, total);
}

/** Options of {@link fashionMnistDataset}. */
export interface FashionMnistDatasetOptions {
  /** Folder of the four IDX files (default: as `loadFashionMnist`). */
  dir?: string;
  /** `'train'` (default) or `'test'`. */
  split?: 'train' | 'test';
}

/**
 * Fashion-MNIST as a lazy dataset of `{xs: [28, 28, 1] pixels scaled by
 * 1/255 at batching, ys: class id}`.
 * @example const ds = (await fashionMnistDataset({ split: 'test' })).batch(256);
 */
export async function fashionMnistDataset(options: FashionMnistDatasetOptions = {}): Promise<Dataset<ImageSample>> {
  const f = fashionMnistFiles(options.dir, options.split ?? 'train');
  const [xs, ys] = await Promise.all([idxDataset(f.images, { shape: [28, 28, 1], scale: 1 / 255 }), idxDataset(f.labels)]);
  if (xs.size !== ys.size) throw new Error(`Fashion-MNIST: ${f.images} has ${xs.size} images but ${f.labels} has ${ys.size} labels; expected equal counts`);
  return zip({ xs, ys });
}

// ---- image folders -----------------------------------------------------------

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Options of {@link imageFolderDataset}. */
export interface ImageFolderOptions {
  /** Channels of the samples: 1 (grayscale, ITU-R 601 luma as TF), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Resize every image to `[height, width]` (bilinear, half-pixel centres as TF). Without it all images must share one size. */
  imageSize?: [number, number];
  /** Pixel scale applied when batching (default 1/255). */
  scale?: number;
}

/** A dataset of labelled images, with the class names its labels index. */
export interface ImageFolderDataset extends Dataset<ImageSample> {
  /** Subfolder names, sorted; label `i` is `classNames[i]`. */
  readonly classNames: string[];
  /** Every image file, in iteration order. */
  readonly files: string[];
}

interface Decoded {
  width: number;
  height: number;
  /** RGBA bytes. */
  rgba: Uint8Array;
}

type Decoder = (bytes: Uint8Array, file: string) => Decoded;

async function loadDecoders(): Promise<{ png: Decoder; jpeg: Decoder }> {
  let pngjs: typeof import('pngjs');
  let jpegjs: typeof import('jpeg-js');
  try {
    [pngjs, jpegjs] = await Promise.all([import('pngjs'), import('jpeg-js')]);
  } catch (err) {
    throw new Error(`imageFolderDataset: decoding images needs the optional dependencies pngjs and jpeg-js (npm install pngjs jpeg-js): ${err instanceof Error ? err.message : String(err)}`);
  }
  const PNG = pngjs.PNG;
  const jpegDecode = jpegjs.decode;
  return {
    png: (bytes) => {
      const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: img.width, height: img.height, rgba: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    },
    jpeg: (bytes) => {
      const img = jpegDecode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, rgba: img.data };
    },
  };
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** RGBA -> `channels` bytes; grayscale uses TF's rgb_to_grayscale weights. */
function toChannels(rgba: Uint8Array, channels: 1 | 3 | 4): Uint8Array {
  if (channels === 4) return rgba;
  const n = rgba.length / 4;
  const out = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i];
      out[3 * i + 1] = rgba[4 * i + 1];
      out[3 * i + 2] = rgba[4 * i + 2];
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = Math.round(0.2989 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
  }
  return out;
}

/** Bilinear resize of HWC bytes with half-pixel centres (TF `resize_bilinear`, `half_pixel_centers=True`). */
export function resizeBilinear(src: Uint8Array, h: number, w: number, c: number, outH: number, outW: number): Uint8Array {
  if (h === outH && w === outW) return src;
  const out = new Uint8Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const dy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const top = src[(y0 * w + x0) * c + k] * (1 - dx) + src[(y0 * w + x1) * c + k] * dx;
        const bottom = src[(y1 * w + x0) * c + k] * (1 - dx) + src[(y1 * w + x1) * c + k] * dx;
        out[(y * outW + x) * c + k] = Math.round(top * (1 - dy) + bottom * dy);
      }
    }
  }
  return out;
}

/**
 * A folder of images in one subfolder per class (Keras'
 * `image_dataset_from_directory` layout): `dir/cat/1.png`, `dir/dog/2.jpg`.
 * Labels index the sorted subfolder names (`classNames`). Files are read
 * and decoded (PNG with pngjs, JPEG with jpeg-js) one at a time while
 * iterating; a file that does not decode is an error naming it.
 *
 * @example
 * const ds = await imageFolderDataset('flowers/', { imageSize: [64, 64] });
 * console.log(ds.classNames); // ['daisy', 'rose', ...]
 * await model.fitDataset(ds.shuffle(1000).batch(32), { epochs: 5 });
 */
export async function imageFolderDataset(dir: string, options: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const channels = options.channels ?? 3;
  if (![1, 3, 4].includes(channels)) throw new Error(`imageFolderDataset: channels must be 1, 3 or 4, got ${channels}`);
  const size = options.imageSize;
  if (size && (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1))) throw new Error(`imageFolderDataset: imageSize must be [height, width] of positive integers, got ${JSON.stringify(size)}`);
  const entries = await readdir(dir, { withFileTypes: true });
  const classNames = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (classNames.length === 0) throw new Error(`imageFolderDataset (${dir}): no subfolders; expected one subfolder of images per class (dir/<class>/<image>.png)`);
  const samples: { file: string; label: number }[] = [];
  for (let label = 0; label < classNames.length; label++) {
    const sub = join(dir, classNames[label]);
    const names = (await readdir(sub)).filter((n) => IMAGE_EXT.test(n)).sort();
    for (const n of names) samples.push({ file: join(sub, n), label });
  }
  if (samples.length === 0) throw new Error(`imageFolderDataset (${dir}): no .png, .jpg or .jpeg files in the class folders ${classNames.join(', ')}`);
  const scale = options.scale ?? 1 / 255;
  let decoders: Promise<{ png: Decoder; jpeg: Decoder }> | undefined;
  const ds = datasetFromIteratorFn(async function* () {
    const dec = await (decoders ??= loadDecoders());
    let first: { file: string; h: number; w: number } | undefined;
    for (const { file, label } of samples) {
      const bytes = new Uint8Array(await readFile(file));
      let img: Decoded;
      try {
        if (isPng(bytes)) img = dec.png(bytes, file);
        else if (isJpeg(bytes)) img = dec.jpeg(bytes, file);
        else throw new Error(`not a PNG or JPEG file (starts with ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
      } catch (err) {
        throw new Error(`imageFolderDataset: cannot decode ${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      let px = toChannels(img.rgba, channels);
      let [h, w] = [img.height, img.width];
      if (size) {
        px = resizeBilinear(px, h, w, channels, size[0], size[1]);
        [h, w] = size;
      } else if (!first) first = { file, h, w };
      else if (first.h !== h || first.w !== w) {
        throw new Error(`imageFolderDataset: ${file} is ${h}x${w} but ${first.file} is ${first.h}x${first.w}; pass imageSize: [height, width] to resize every image`);
      }
      yield { xs: new HostArray(px, [h, w, channels], { scale }), ys: new HostArray(Int32Array.of(label), []) };
    }
  }, samples.length);
  return Object.assign(ds, { classNames, files: samples.map((s) => s.file) });
}
