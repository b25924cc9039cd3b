// Lazy Node datasets (cnn-ts/node): IDX (gzipped, the real Fashion-MNIST
// subset), .npy, CIFAR-10 batches and image folders, checked against the
// eager parsers; samples stay host-side until batch(); bad files are named.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import * as tf from 'cnn-ts';
import { cifar10Dataset, fashionMnistDataset, idxDataset, imageFolderDataset, loadFashionMnist, npyDataset, readCifar10BatchFile, resizeBilinear } from 'cnn-ts/node';

const dir = mkdtempSync(join(tmpdir(), 'cnn-data-lazy-'));
beforeAll(async () => {
  await tf.ready({ threads: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('idxDataset / fashionMnistDataset', () => {
  it('Fashion-MNIST test split (gzipped IDX, streamed): same pixels and labels as loadFashionMnist', async () => {
    const eager = await loadFashionMnist();
    const ds = await fashionMnistDataset({ split: 'test' });
    expect(ds.size).toBe(eager.testShape[0]);
    const before = tf.memory().numTensors;
    const first = await ds.take(3).toArray();
    // Elements are host arrays of bytes: no tensor exists yet.
    expect(tf.memory().numTensors).toBe(before);
    expect(first[0].xs.values).toBeInstanceOf(Uint8Array);
    expect(first[0].xs.shape).toEqual([28, 28, 1]);
    const batches = await ds.batch(400).toArray();
    expect(batches.map((b) => b.xs.shape[0])).toEqual([400, 400, eager.testShape[0] - 800]);
    const x = await batches[1].xs.data();
    const y = await batches[1].ys.data();
    const off = 400 * 784;
    for (const i of [0, 1000, 784 * 399 + 783]) expect(x[i]).toBeCloseTo(eager.testImages[off + i], 6);
    expect(Array.from(y.subarray(0, 20))).toEqual(Array.from(eager.testLabels.subarray(400, 420)));
    tf.dispose(batches);
  });

  it('plain IDX: rows with a custom shape; a truncated file fails at the call naming it', async () => {
    const { encodeIdxUint8 } = tf.data;
    const path = join(dir, 'plain-idx3-ubyte');
    writeFileSync(path, encodeIdxUint8([5, 2, 3], Uint8Array.from({ length: 30 }, (_, i) => i)));
    const ds = await idxDataset(path, { shape: [2, 3, 1] });
    const rows = await ds.toArray();
    expect(rows.length).toBe(5);
    expect(rows[4].shape).toEqual([2, 3, 1]);
    expect(Array.from(rows[4].values)).toEqual([24, 25, 26, 27, 28, 29]);
    const bad = join(dir, 'short-idx3-ubyte');
    writeFileSync(bad, encodeIdxUint8([5, 2, 3], new Uint8Array(30)).subarray(0, 40));
    await expect(idxDataset(bad)).rejects.toThrow(/short-idx3-ubyte.*header says shape \[5,2,3\] of uint8 \(30 bytes of data\) but the file has 24/);
    await expect(idxDataset(path, { shape: [7] })).rejects.toThrow(/options.shape \[7\] holds 7 values but each sample .* has 6/);
  });
});

describe('npyDataset', () => {
  it('float32 and uint8 rows equal the parsed array', async () => {
    const values = Float32Array.from({ length: 24 }, (_, i) => i / 4);
    const path = join(dir, 'x.npy');
    writeFileSync(path, tf.data.encodeNpy('<f4', [4, 3, 2], new Uint8Array(values.buffer)));
    const ds = await npyDataset(path);
    expect(ds.size).toBe(4);
    const [b] = await ds.batch(4).toArray();
    expect(b.shape).toEqual([4, 3, 2]);
    expect(Array.from(await b.data())).toEqual(Array.from(values));
    b.dispose();
    const u8 = join(dir, 'y.npy');
    writeFileSync(u8, tf.data.encodeNpy('|u1', [3], Uint8Array.of(7, 8, 9)));
    const ys = await (await npyDataset(u8)).batch(3).toArray();
    expect(ys[0].dtype).toBe('int32');
    expect(Array.from(await ys[0].data())).toEqual([7, 8, 9]);
    tf.dispose(ys);
  });

  it('a file whose data disagrees with its header is rejected naming the file', async () => {
    const path = join(dir, 'bad.npy');
    writeFileSync(path, tf.data.encodeNpy('<f4', [4, 3], new Uint8Array(40)));
    await expect(npyDataset(path)).rejects.toThrow(/NPY \(.*bad\.npy\): header says shape \[4,3\] of <f4 \(48 bytes of data\) but the file has 40/);
  });
});

describe('cifar10Dataset', () => {
  it('records decode as readCifar10BatchFile does; a folder reads data_batch_1..5', async () => {
    const folder = join(dir, 'cifar-10-batches-bin');
    mkdirSync(folder);
    for (let f = 1; f <= 5; f++) {
      const rec = new Uint8Array(3073 * 2);
      for (let r = 0; r < 2; r++) {
        rec[r * 3073] = (f + r) % 10;
        for (let i = 1; i < 3073; i++) rec[r * 3073 + i] = (i * 7 + f * 13 + r) & 255;
      }
      writeFileSync(join(folder, `data_batch_${f}.bin`), rec);
    }
    const ds = await cifar10Dataset(folder);
    expect(ds.size).toBe(10);
    const [b] = await ds.batch(10).toArray();
    expect(b.xs.shape).toEqual([10, 32, 32, 3]);
    const eager = await readCifar10BatchFile(join(folder, 'data_batch_3.bin'));
    const x = await b.xs.data();
    for (const i of [0, 1, 2, 3000, 3071]) expect(x[4 * 3072 + i]).toBeCloseTo(eager.images[i] / 255, 6);
    expect(Array.from(await b.ys.data())).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    tf.dispose([b.xs, b.ys]);
    await expect(cifar10Dataset(folder, { split: 'test' })).rejects.toThrow(/missing test_batch\.bin/);
  });
});

describe('imageFolderDataset', () => {
  const root = join(dir, 'images');
  beforeAll(async () => {
    // A tiny real image folder: Fashion-MNIST test images as PNG, 3 classes.
    const f = await loadFashionMnist();
    const names = ['bag', 'sneaker', 'trouser'];
    const ids = [8, 7, 1];
    for (let c = 0; c < 3; c++) {
      mkdirSync(join(root, names[c]), { recursive: true });
      let k = 0;
      for (let i = 0; i < f.testLabels.length && k < 4; i++) {
        if (f.testLabels[i] !== ids[c]) continue;
        const png = new PNG({ width: 28, height: 28 });
        for (let p = 0; p < 784; p++) {
          const v = Math.round(f.testImages[i * 784 + p] * 255);
          png.data.set([v, v, v, 255], 4 * p);
        }
        writeFileSync(join(root, names[c], `${k++}.png`), PNG.sync.write(png));
      }
    }
    writeFileSync(join(root, 'bag', 'notes.txt'), 'not an image');
  });

  it('labels from sorted subfolders; grayscale PNGs round-trip exactly', async () => {
    const ds = await imageFolderDataset(root, { channels: 1 });
    expect(ds.classNames).toEqual(['bag', 'sneaker', 'trouser']);
    expect(ds.size).toBe(12);
    const [b] = await ds.batch(12).toArray();
    expect(b.xs.shape).toEqual([12, 28, 28, 1]);
    expect(Array.from(await b.ys.data())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const x = await b.xs.data();
    const f = await loadFashionMnist();
    const firstBag = f.testLabels.indexOf(8);
    for (const p of [0, 300, 783]) expect(x[p]).toBeCloseTo(f.testImages[firstBag * 784 + p], 6);
    tf.dispose([b.xs, b.ys]);
  });

  it('JPEG files decode; RGB by default; imageSize resizes', async () => {
    const jroot = join(dir, 'jpegs');
    mkdirSync(join(jroot, 'red'), { recursive: true });
    const w = 8;
    const h = 6;
    const data = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) data.set([220, 20, 30, 255], 4 * p);
    writeFileSync(join(jroot, 'red', 'a.jpg'), jpeg.encode({ width: w, height: h, data }, 95).data);
    const ds = await imageFolderDataset(jroot, { imageSize: [3, 4] });
    const [e] = await ds.toArray();
    expect(e.xs.shape).toEqual([3, 4, 3]);
    expect(Math.abs(e.xs.values[0] - 220)).toBeLessThan(8);
    expect(Math.abs(e.xs.values[1] - 20)).toBeLessThan(8);
  });

  it('a file that does not decode is named; mixed sizes without imageSize are named', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'a'), { recursive: true });
    writeFileSync(join(broken, 'a', 'ok.png'), PNG.sync.write(new PNG({ width: 2, height: 2 })));
    const bad = PNG.sync.write(new PNG({ width: 2, height: 2 })).subarray(0, 30);
    writeFileSync(join(broken, 'a', 'zz.png'), bad);
    const ds = await imageFolderDataset(broken);
    await expect(ds.toArray()).rejects.toThrow(/cannot decode .*broken\/a\/zz\.png/);
    writeFileSync(join(broken, 'a', 'zz.png'), PNG.sync.write(new PNG({ width: 3, height: 2 })));
    await expect((await imageFolderDataset(broken)).toArray()).rejects.toThrow(/zz\.png is 2x3 but .*ok\.png is 2x2; pass imageSize/);
  });

  it('resizeBilinear: half-pixel centres (2x2 -> 4x4 as TF resize_bilinear)', () => {
    const out = resizeBilinear(Uint8Array.of(0, 100, 200, 40), 2, 2, 1, 4, 4);
    // TF (half_pixel_centers=True): first row 0, 25, 75, 100.
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 25, 75, 100]);
    expect(Array.from(out.subarray(12, 16))).toEqual([200, 160, 80, 40]);
  });
});
