// The data examples from the command line: the seed's training streamed
// from CIFAR-10 binary batches (`npm run train -- --dataset cifar10`), and
// the image-folder classifier on a tiny folder of Fashion-MNIST PNGs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { loadFashionMnist } from 'cnn-ts/node';

const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cnn-examples-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** CIFAR-format batches of synthetic images whose colour planes encode the class. */
function writeCifar(dir: string, perFile: number): void {
  mkdirSync(dir, { recursive: true });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (const name of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
    const bytes = new Uint8Array(perFile * 3073);
    for (let r = 0; r < perFile; r++) {
      const label = r % 10;
      bytes[r * 3073] = label;
      for (let p = 0; p < 3072; p++) {
        const plane = Math.floor(p / 1024);
        const on = ((label >> plane) & 1) === 1 || (label >= 8 && (p % 32) < 16);
        bytes[r * 3073 + 1 + p] = (on ? 160 : 30) + (rnd() >> 3);
      }
    }
    writeFileSync(join(dir, `${name}.bin`), bytes);
  }
}

describe('examples', () => {
  it('npm run train -- --dataset cifar10 --data DIR: streams the binary batches, validates on data_batch_5, scores test_batch', () => {
    const data = join(tmp, 'cifar-10-batches-bin');
    writeCifar(data, 64);
    const out = join(tmp, 'out');
    const log = execFileSync(process.execPath, ['--import', 'tsx', 'examples/train.ts', '--dataset', 'cifar10', '--data', data, '--epochs', '2', '--batch-size', '32', '--out', out, '--threads', '2'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(log).toMatch(/data: CIFAR-10 binary batches in .* \(256 train, 64 validation, 64 test images of 32x32x3, streamed\)/);
    expect(log).toMatch(/8\/8 - \d+s - \d+ms\/step - loss: [\d.]+ - acc: [\d.]+ - val_loss: [\d.]+ - val_acc: [\d.]+/);
    const m = /Test Loss: ([\d.]+), Test Accuracy: ([\d.]+)%/.exec(log);
    expect(m).not.toBeNull();
    expect(readFileSync(join(out, 'loss.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('examples/image-folder.ts learns a 3-class folder of Fashion-MNIST PNGs', async () => {
    const f = await loadFashionMnist();
    const dir = join(tmp, 'fashion-folder');
    const classes: [string, number][] = [['bag', 8], ['sneaker', 7], ['trouser', 1]];
    for (const [name, id] of classes) {
      mkdirSync(join(dir, name), { recursive: true });
      let k = 0;
      for (let i = 0; i < f.testLabels.length && k < 40; i++) {
        if (f.testLabels[i] !== id) continue;
        const png = new PNG({ width: 28, height: 28, colorType: 0 });
        for (let p = 0; p < 784; p++) {
          const v = Math.round(f.testImages[i * 784 + p] * 255);
          png.data.set([v, v, v, 255], 4 * p);
        }
        writeFileSync(join(dir, name, `${k++}.png`), PNG.sync.write(png, { colorType: 0 }));
      }
    }
    const log = execFileSync(process.execPath, ['--import', 'tsx', 'examples/image-folder.ts', '--data', dir, '--channels', '1', '--epochs', '6', '--batch-size', '16', '--threads', '2'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(log).toMatch(/classes: bag, sneaker, trouser \(120 images: 96 train, 24 validation\)/);
    const m = /Validation Accuracy: ([\d.]+)%/.exec(log);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(70); // 3 classes: chance is 33%
    expect(log).toMatch(/sample 0: predicted (bag|sneaker|trouser), true (bag|sneaker|trouser)/);
  });
});
