// The example programs that no other test runs, each on a small input from
// the command line: the architecture programs (summary counts and one
// forward pass), ResNet-18 training, the U-Net segmentation task, the Keras
// loader, and their rejection of bad options.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args: string[]): string => execFileSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });

describe('examples/models: summary and one forward pass', () => {
  for (const [file, total, output] of [
    ['lenet5', '61,706', '[1,10]'],
    ['resnet18', '11,699,112', '[1,1000]'],
    ['mobilenet-v2', '3,538,984', '[1,1000]'],
  ] as const) {
    it(file, () => {
      const log = run([`examples/models/${file}.ts`, '--threads', '2']);
      expect(log).toContain(`Total params: ${total}`);
      expect(log).toMatch(new RegExp(`forward pass of a random \\[1, [\\d, ]+\\] input: output ${output.replace(/[[\]]/g, '\\$&')} in \\d+ ms`));
    }, 120_000);
  }
});

describe('example training programs, small', () => {
  it('examples/resnet18-train.ts trains and scores a test accuracy', () => {
    const log = run(['examples/resnet18-train.ts', '--epochs', '1', '--train', '256', '--test', '128', '--threads', '2']);
    const m = /test loss (\d+\.\d+), test accuracy (\d\.\d+); (\d+) images\/s/.exec(log);
    expect(m, log).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(0);
    expect(Number(m![2])).toBeLessThanOrEqual(1);
  }, 240_000);

  it('examples/segmentation/unet-fashion.ts reports the IoU and writes a 3-row PNG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unet-'));
    try {
      const out = join(dir, 'seg.png');
      const log = run(['examples/segmentation/unet-fashion.ts', '--epochs', '1', '--train', '128', '--test', '64', '--threads', '2', '--out', out]);
      const iou = /test IoU of the garment masks: (\d\.\d+) \(64 images\)/.exec(log);
      expect(iou, log).not.toBeNull();
      expect(Number(iou![1])).toBeGreaterThan(0);
      const png = readFileSync(out);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // IHDR: width and height, big-endian, at bytes 16 and 20.
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      expect(log).toContain(`wrote ${out} (${w}x${h}): inputs, true masks, predicted masks`);
      expect(w).toBeGreaterThan(h);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("examples/load-keras.ts predicts a committed Keras model as Keras did", () => {
    const log = run(['examples/load-keras.ts', '--threads', '1']);
    const m = /Keras predicted the same to (\d\.\de[-+]\d+) relative; parameters (\d+) here, \2 in Keras/.exec(log);
    expect(m, log).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(1e-5);
  }, 120_000);

  it('a bad number option is an error naming the option and the value', () => {
    for (const args of [
      ['examples/resnet18-train.ts', '--epochs', 'two'],
      ['examples/segmentation/unet-fashion.ts', '--threshold', 'high'],
      ['examples/models/lenet5.ts', '--threads', '1.5'],
    ]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, args.join(' ')).not.toBe(0);
      const [flag, value] = args.slice(1);
      expect(r.stderr).toContain(`${flag} must be ${flag === '--threshold' ? 'a number' : 'a non-negative integer'}, got '${value}'`);
    }
  }, 240_000);
});
