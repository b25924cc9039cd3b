// Node file readers and loadFashionMnist over the embedded real subset and
// over small folders written to a temp dir.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdxUint8 } from '../src/data/idx.js';
import { encodeNpy } from '../src/data/npy.js';
import { DEBIAN_FASHION_MNIST_DIR, EMBEDDED_FASHION_MNIST_DIR, loadFashionMnist, readBytes, readCifar10BatchFile, readIdxFile, readNpyFile } from '../src/data/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnn-ts-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder of four IDX files: `n` train / `m` test images of 2x2 whose pixels are the image index. */
function writeTiny(dir: string, n: number, m: number, gzip: boolean, labelCount = n): void {
  const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  const imgs = (k: number) => encodeIdxUint8([k, 2, 2], Uint8Array.from({ length: 4 * k }, (_, i) => Math.floor(i / 4) * 51));
  const labs = (k: number) => encodeIdxUint8([k], Uint8Array.from({ length: k }, (_, i) => i % 10));
  put('train-images-idx3-ubyte', imgs(n));
  put('train-labels-idx1-ubyte', labs(labelCount));
  put('t10k-images-idx3-ubyte', imgs(m));
  put('t10k-labels-idx1-ubyte', labs(m));
}

describe('loadFashionMnist', () => {
  it('embedded subset: 6000 train / 1000 test, [n,28,28,1], 600 and 100 per class, pixels in [0,1]', async () => {
    const d = await loadFashionMnist({ dir: EMBEDDED_FASHION_MNIST_DIR });
    expect(d.trainShape).toEqual([6000, 28, 28, 1]);
    expect(d.testShape).toEqual([1000, 28, 28, 1]);
    expect(d.trainImages.length).toBe(6000 * 784);
    expect(d.testImages.length).toBe(1000 * 784);
    const perClass = (y: Int32Array) => Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length);
    expect(perClass(d.trainLabels)).toEqual(new Array(10).fill(600));
    expect(perClass(d.testLabels)).toEqual(new Array(10).fill(100));
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.trainImages) { min = Math.min(min, v); max = Math.max(max, v); }
    expect([min, max]).toEqual([0, 1]);
  });

  const shared = '/work/shared/data/fashion-mnist/train-images-idx3-ubyte.gz';
  it.skipIf(!existsSync(shared))('embedded subset starts with the full data set\'s first image and label', async () => {
    const images = gunzipSync(readFileSync(shared));
    const labels = gunzipSync(readFileSync(shared.replace('images-idx3', 'labels-idx1')));
    const d = await loadFashionMnist({ dir: EMBEDDED_FASHION_MNIST_DIR });
    const first = Array.from(images.subarray(16, 16 + 784), (b) => Math.fround(b / 255));
    expect(Array.from(d.trainImages.subarray(0, 784))).toEqual(first);
    expect(d.trainLabels[0]).toBe(labels[8]);
  });

  it('default source: Debian folder when installed, else the embedded subset', async () => {
    const d = await loadFashionMnist();
    if (existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'))) expect(d.source).toContain(DEBIAN_FASHION_MNIST_DIR);
    else expect(d.source).toBe(`embedded subset (${EMBEDDED_FASHION_MNIST_DIR})`);
  });

  it('explicit dir with uncompressed files: 3 train / 2 test 2x2 images', async () => {
    const dir = mkdtempSync(join(tmp, 'raw-'));
    writeTiny(dir, 3, 2, false);
    const d = await loadFashionMnist({ dir });
    expect(d.source).toBe(dir);
    expect(d.trainShape).toEqual([3, 2, 2, 1]);
    expect(Array.from(d.trainImages.subarray(8, 12))).toEqual([0.4, 0.4, 0.4, 0.4].map(Math.fround));
    expect(Array.from(d.testLabels)).toEqual([0, 1]);
  });

  it('missing files name the folder and the expected file names', async () => {
    const dir = mkdtempSync(join(tmp, 'empty-'));
    await expect(loadFashionMnist({ dir })).rejects.toThrow(`Fashion-MNIST: no train-images-idx3-ubyte.gz or train-images-idx3-ubyte in ${dir}; expected the four IDX files`);
  });

  it('image and label counts that disagree are rejected', async () => {
    const dir = mkdtempSync(join(tmp, 'mismatch-'));
    writeTiny(dir, 3, 2, true, 4);
    await expect(loadFashionMnist({ dir })).rejects.toThrow(/has 3 images but .*train-labels-idx1-ubyte\.gz has 4 labels/);
  });
});

describe('file readers', () => {
  it('readBytes gunzips by magic, whatever the name', async () => {
    const path = join(tmp, 'plain-name.bin');
    writeFileSync(path, gzipSync(Uint8Array.of(1, 2, 3)));
    expect(Array.from(await readBytes(path))).toEqual([1, 2, 3]);
  });

  it('readBytes on a truncated gzip file names the path', async () => {
    const path = join(tmp, 'cut.gz');
    writeFileSync(path, gzipSync(new Uint8Array(5000).fill(7)).subarray(0, 20));
    await expect(readBytes(path)).rejects.toThrow(`gzip (${path}): 20 bytes of gzip data are corrupt or truncated`);
  });

  it('readIdxFile puts the path in header errors', async () => {
    const path = join(tmp, 'lying.idx');
    writeFileSync(path, encodeIdxUint8([4], new Uint8Array(4)).subarray(0, 10));
    await expect(readIdxFile(path)).rejects.toThrow(`IDX (${path}): header says 4 labels (4 bytes) but the file has 2 bytes of data`);
  });

  it('readNpyFile reads a gzipped .npy and puts the path in errors', async () => {
    const good = join(tmp, 'x.npy.gz');
    writeFileSync(good, gzipSync(encodeNpy('|u1', [2], Uint8Array.of(5, 6))));
    expect(Array.from((await readNpyFile(good)).data)).toEqual([5, 6]);
    const bad = join(tmp, 'bad.npy');
    writeFileSync(bad, encodeNpy('<f2', [1], new Uint8Array(2)));
    await expect(readNpyFile(bad)).rejects.toThrow(`NPY (${bad}): unsupported descr '<f2'`);
  });

  it('readCifar10BatchFile reads one record', async () => {
    const path = join(tmp, 'data_batch_1.bin');
    const rec = new Uint8Array(3073);
    rec[0] = 6;
    writeFileSync(path, rec);
    const b = await readCifar10BatchFile(path);
    expect([b.count, b.labels[0], b.images.length]).toEqual([1, 6, 3072]);
  });
});
