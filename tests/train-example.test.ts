// The README's main job, short: the seed's script on the embedded
// Fashion-MNIST subset for one epoch, from the command line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples/train.ts (npm run train)', () => {
  it('trains one epoch on the embedded data, prints the score, writes the plots and feature grids', () => {
    const out = mkdtempSync(join(tmpdir(), 'cnn-train-'));
    try {
      const log = execFileSync(process.execPath, ['--import', 'tsx', 'examples/train.ts', '--epochs', '1', '--limit', '2000', '--out', out, '--show-features', '--threads', '2', '--save', join(out, 'model')], { cwd: root, encoding: 'utf8', timeout: 300_000 });
      expect(log).toMatch(/Total params: 94,410/);
      expect(log).toMatch(/25\/25 - \d+s - \d+ms\/step - loss: [\d.]+ - acc: [\d.]+ - val_loss: [\d.]+ - val_acc: [\d.]+/);
      const m = /Test Loss: ([\d.]+), Test Accuracy: ([\d.]+)%/.exec(log);
      expect(m).not.toBeNull();
      expect(Number(m![2])).toBeGreaterThan(40); // 10 classes: chance is 10%
      for (const f of ['loss.png', 'accuracy.png', 'conv2d-filters.png', 'conv2d-features.png']) {
        const png = readFileSync(join(out, f));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
      }
      // The saved model classifies test images in examples/predict.ts with the same accuracy.
      expect(log).toMatch(/saved the model to .*model\/model\.json/);
      const pred = execFileSync(process.execPath, ['--import', 'tsx', 'examples/predict.ts', '--model', join(out, 'model', 'model.json'), '--limit', '2000', '--count', '3', '--threads', '2'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(pred).toMatch(/loaded file:\/\/.*model\.json in \d+ ms: 9 layers, 94,410 parameters/);
      const acc = /accuracy on the first \d+ test images .*: ([\d.]+)%/.exec(pred);
      expect(acc).not.toBeNull();
      expect(Number(acc![1])).toBeCloseTo(Number(m![2]), 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
