/**
 * Node-only file readers over the byte parsers in this folder, and the
 * Fashion-MNIST loader. Browsers use the parsers directly with `fetch`
 * (`parseIdxAsync` decompresses gzip there).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import { parseCifar10Batch, type Cifar10Batch } from './cifar.js';
import { toFloat32, toInt32 } from './convert.js';
import { isGzip } from './gzip.js';
import { parseIdx, parseIdxImages, parseIdxLabels, type IdxArray } from './idx.js';
import { parseNpy, type NpyArray } from './npy.js';

const gunzipAsync = promisify(zlibGunzip);

/**
 * Reads a file, gunzipping it (with `node:zlib`, off the main thread) when it
 * starts with the gzip magic, whatever its name.
 *
 * @example
 * const bytes = await readBytes('train-labels-idx1-ubyte.gz');
 */
export async function readBytes(path: string): Promise<Uint8Array> {
  let file: Uint8Array;
  try {
    file = new Uint8Array(await readFile(path));
  } catch (err) {
    // Node's EISDIR and ERR_FS_FILE_TOO_LARGE (> 2 GiB) messages do not name the file.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot read ${path}: ${reason.includes(path) ? reason : reason + (err instanceof Error && 'code' in err ? ` (${String(err.code)})` : '')}`, { cause: err });
  }
  if (!isGzip(file)) return file;
  try {
    return new Uint8Array(await gunzipAsync(file));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`gzip (${path}): ${file.length} bytes of gzip data are corrupt or truncated (${reason})`);
  }
}

/**
 * Reads an IDX file, gzipped or not. See {@link parseIdx}.
 *
 * @example
 * const { shape, data } = await readIdxFile('t10k-images-idx3-ubyte.gz');
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readBytes(path), path);
}

/**
 * Reads a `.npy` file (or a gzipped one). See {@link parseNpy}.
 *
 * @example
 * const trainX = await readNpyFile('./dataset/cifar10_train_X.npy');
 */
export async function readNpyFile(path: string): Promise<NpyArray> {
  try {
    return parseNpy(await readBytes(path));
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NPY: ')) {
      throw new Error(`NPY (${path}): ${err.message.slice(5)}`);
    }
    throw err;
  }
}

/**
 * Reads a CIFAR-10 binary batch (`data_batch_N.bin`, `test_batch.bin`) as
 * NHWC `[count, 32, 32, 3]` bytes. See {@link parseCifar10Batch}.
 *
 * @example
 * const { images, labels } = await readCifar10BatchFile('cifar-10-batches-bin/data_batch_1.bin');
 */
export async function readCifar10BatchFile(path: string): Promise<Cifar10Batch> {
  return parseCifar10Batch(await readBytes(path), path);
}

/** Where Debian's `dataset-fashion-mnist` package installs the data set. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * The real Fashion-MNIST subset shipped with this package (made by
 * `scripts/make-fashion-subset.mjs`; see its README). Resolves to
 * `<package>/data/fashion-mnist-subset` from both `src/data` and `dist/data`.
 */
export const EMBEDDED_FASHION_MNIST_DIR = fileURLToPath(new URL('../../data/fashion-mnist-subset', import.meta.url));

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Folder holding the four IDX files (`.gz` or not); default: Debian's folder if present, else the embedded subset. */
  dir?: string;
}

/** Fashion-MNIST as tensors want it: images scaled to [0, 1], labels int32. */
export interface FashionMnist {
  /** NHWC `[trainShape]` = `[n, 28, 28, 1]`, values in [0, 1]. */
  trainImages: Float32Array;
  /** Class ids 0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot). */
  trainLabels: Int32Array;
  /** NHWC `[testShape]` = `[n, 28, 28, 1]`, values in [0, 1]. */
  testImages: Float32Array;
  testLabels: Int32Array;
  trainShape: [number, number, number, number];
  testShape: [number, number, number, number];
  /** Which copy was read, e.g. `embedded subset (…/data/fashion-mnist-subset)`. */
  source: string;
}

function findFile(dir: string, base: string): string {
  for (const candidate of [`${base}.gz`, base]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  const all = Object.values(FILES).map((f) => `${f}.gz`).join(', ');
  throw new Error(`Fashion-MNIST: no ${base}.gz or ${base} in ${dir}; expected the four IDX files ${all} (gzipped or not)`);
}

async function readSplit(dir: string, images: string, labels: string): Promise<{ x: Float32Array; y: Int32Array; shape: [number, number, number, number] }> {
  const imagePath = findFile(dir, images);
  const labelPath = findFile(dir, labels);
  const [img, lab] = await Promise.all([readBytes(imagePath), readBytes(labelPath)]);
  const { images: pixels, count, rows, cols } = parseIdxImages(img, imagePath);
  const y = parseIdxLabels(lab, labelPath);
  if (y.length !== count) {
    throw new Error(`Fashion-MNIST: ${imagePath} has ${count} images but ${labelPath} has ${y.length} labels; expected equal counts`);
  }
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`Fashion-MNIST: ${labelPath} label ${bad} is ${y[bad]}; expected 0..9`);
  return { x: toFloat32(pixels), y: toInt32(y), shape: [count, rows, cols, 1] };
}

/** The folder `loadFashionMnist` reads (`dir`, else Debian's, else the embedded subset) and how to name it. */
function fashionMnistDir(dir: string | undefined): { dir: string; source: string } {
  if (dir !== undefined) return { dir, source: dir };
  if (existsSync(join(DEBIAN_FASHION_MNIST_DIR, `${FILES.trainImages}.gz`)) || existsSync(join(DEBIAN_FASHION_MNIST_DIR, FILES.trainImages))) {
    return { dir: DEBIAN_FASHION_MNIST_DIR, source: `${DEBIAN_FASHION_MNIST_DIR} (Debian dataset-fashion-mnist)` };
  }
  return { dir: EMBEDDED_FASHION_MNIST_DIR, source: `embedded subset (${EMBEDDED_FASHION_MNIST_DIR})` };
}

/**
 * The images and labels files of one Fashion-MNIST split, found as
 * {@link loadFashionMnist} finds them (gzipped or not).
 */
export function fashionMnistFiles(dir: string | undefined, split: 'train' | 'test'): { images: string; labels: string; source: string } {
  const d = fashionMnistDir(dir);
  const [images, labels] = split === 'train' ? [FILES.trainImages, FILES.trainLabels] : [FILES.testImages, FILES.testLabels];
  return { images: findFile(d.dir, images), labels: findFile(d.dir, labels), source: d.source };
}

/**
 * Loads Fashion-MNIST (Zalando, MIT licence) from `options.dir`, else from
 * Debian's `/usr/share/datasets/fashion-mnist` when installed, else from the
 * real subset embedded in this package (6,000 train / 1,000 test images,
 * class-balanced). Images come back scaled by 1/255 in NHWC `[n, 28, 28, 1]`.
 *
 * @example
 * const { trainImages, trainLabels, trainShape, source } = await loadFashionMnist();
 * const x = tf.tensor(trainImages, trainShape);
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<FashionMnist> {
  const { dir, source } = fashionMnistDir(options.dir);
  const [train, test] = await Promise.all([
    readSplit(dir, FILES.trainImages, FILES.trainLabels),
    readSplit(dir, FILES.testImages, FILES.testLabels),
  ]);
  return {
    trainImages: train.x,
    trainLabels: train.y,
    testImages: test.x,
    testLabels: test.y,
    trainShape: train.shape,
    testShape: test.shape,
    source,
  };
}

export * from './datasets_node.js';
