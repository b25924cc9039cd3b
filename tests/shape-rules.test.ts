// The output-size rule of a convolution / pooling axis in TypeScript
// (ops/conv.ts `outSize`, what the ops check synchronously) against the
// table crates/cnn-core/tests/shape_cases.json, which the Rust rule
// (crates/cnn-core/src/shape.rs) is tested against too: one table, so the
// two agree on every size and say the same words for the same failure.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { outSize } from '../packages/cnn-ts/dist/ops/conv.js';

interface Case {
  input: number;
  kernel: number;
  stride: number;
  dilation: number;
  padding: 'valid' | 'same' | [number, number];
  out?: number;
  pad?: [number, number];
  error?: string;
}

const table = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../crates/cnn-core/tests/shape_cases.json'), 'utf8')) as { cases: Case[] };

describe('shape rules: the table shared with the Rust core', () => {
  it('has cases of every padding kind, sizes and errors', () => {
    const kinds = new Set(table.cases.map((c) => (typeof c.padding === 'string' ? c.padding : 'explicit')));
    expect([...kinds].sort()).toEqual(['explicit', 'same', 'valid']);
    expect(table.cases.some((c) => c.error)).toBe(true);
  });

  for (const c of table.cases) {
    const name = `in ${c.input} k ${c.kernel} s ${c.stride} d ${c.dilation} ${JSON.stringify(c.padding)}`;
    it(name, () => {
      const pad = typeof c.padding === 'string' ? c.padding : { top: c.padding[0], bottom: c.padding[1], left: 0, right: 0 };
      const [before, after] = typeof c.padding === 'string' ? [0, 0] : c.padding;
      const run = () => outSize(c.input, c.kernel, c.stride, c.dilation, pad, before, after, 'conv2d', 'height');
      if (c.error) expect(run).toThrow(`Error in conv2d: ${c.error}`);
      else expect(run()).toBe(c.out);
    });
  }

  it('a real op reports the table\'s words (conv2d, VALID, filter larger than the input)', async () => {
    await tf.ready({ threads: 1 });
    const x = tf.zeros([1, 2, 4, 1]);
    const w = tf.zeros([3, 3, 1, 1]);
    expect(() => tf.conv2d(x, w, 1, 'valid')).toThrow('Error in conv2d: height: input size 2 is smaller than the filter size 3');
    x.dispose();
    w.dispose();
  });
});
