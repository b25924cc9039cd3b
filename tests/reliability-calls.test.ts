// A failed call changes nothing and leaks nothing; bad arguments are
// errors at the call that name the op and show the values as given.
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { readBytes } from 'cnn-ts/node';

beforeAll(async () => {
  await tf.ready({ mode: 'inline', threads: 1 });
});

/** Runs `f` (expected to throw `re`) and checks that it left no tensor behind. */
async function noLeak(f: () => unknown, re: RegExp): Promise<void> {
  await tf.flush();
  const before = tf.memory().numTensors;
  const core = await tf.coreStats();
  let threw = false;
  try {
    await f();
  } catch (e) {
    threw = true;
    expect((e as Error).message).toMatch(re);
  }
  expect(threw, `expected a throw matching ${re}`).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
  expect((await tf.coreStats()).buffers).toBe(core.buffers);
}

class BuildsThenFails extends tf.layers.Layer {
  readonly className = 'BuildsThenFails';
  override build(inputShape: (number | null)[]): void {
    (this as unknown as { addWeight(n: string, s: number[], i: string): unknown }).addWeight('kernel', [2, 51], 'zeros');
    super.build(inputShape);
  }
  call(): tf.Tensor {
    throw new Error('BuildsThenFails: refuses every input');
  }
}

function smallModel(): tf.Sequential {
  tf.random.setSeed(3);
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: 'glorotUniform' }));
  m.add(tf.layers.dense({ units: 3 }));
  return m;
}

describe('a failed call changes nothing', () => {
  it('a failed Sequential.add keeps no layer and no weights', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 2, inputShape: [9] }));
    expect([m.layers.length, m.countParams()]).toEqual([1, 20]);
    const tensors = tf.memory().numTensors;
    expect(() => m.add(new BuildsThenFails())).toThrow(/refuses every input/);
    expect(tf.memory().numTensors).toBe(tensors);
    const ws = m.getWeights();
    expect([m.layers.length, m.countParams(), ws.length]).toEqual([1, 20, 2]);
    tf.dispose(ws);
    // The model still takes layers and runs.
    m.add(tf.layers.dense({ units: 1 }));
    expect((m.predict(tf.ones([1, 9])) as tf.Tensor).shape).toEqual([1, 1]);
    m.dispose();
  });

  it('a fit rejected for a bad label does not advance Adam; later training matches a clean run', async () => {
    const x = tf.tensor([[1, 2, 3], [0, 1, 0], [2, 0, 1], [1, 1, 1]]);
    const good = tf.tensor([0, 1, 2, 1], [4], 'int32');
    const bad = tf.tensor([0, 1, 7, 1], [4], 'int32');
    const run = async (withBadBatch: boolean) => {
      const m = smallModel();
      const opt = tf.train.adam(0.05);
      m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
      if (withBadBatch) {
        const w = await m.getWeights()[0].data();
        await expect(m.fit(x, bad, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false })).rejects.toThrow(/y has label 7 at sample 2, expected an integer in \[0, 3\).*nothing was trained/);
        expect(opt.iterations).toBe(0);
        expect(Array.from(await m.getWeights()[0].data())).toEqual(Array.from(w));
      }
      await m.fit(x, good, { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
      const out = Array.from(await m.getWeights()[0].data());
      const it = opt.iterations;
      m.dispose();
      opt.dispose();
      return { out, it };
    };
    const clean = await run(false);
    const after = await run(true);
    expect(after.it).toBe(clean.it);
    expect(after.out).toEqual(clean.out);
    tf.dispose([x, good, bad]);
  });

  it('trainOnBatch and fitDataset rejected for a bad label do not advance Adam or change a weight', async () => {
    const x = tf.tensor([[1, 2, 3], [0, 1, 0], [2, 0, 1], [1, 1, 1]]);
    const bad = tf.tensor([0, 1, 7, 1], [4], 'int32');
    const half = tf.tensor([0, 1.5, 2, 1], [4]);
    for (const [caller, y, re] of [
      ['trainOnBatch', bad, /trainOnBatch: y has label 7 at sample 2, expected an integer in \[0, 3\).*nothing was trained/],
      ['fitDataset', bad, /fitDataset: y has label 7 at sample 2, expected an integer in \[0, 3\).*batch 0 of this epoch was not trained/],
      ['trainOnBatch', half, /trainOnBatch: y has label 1.5 at sample 1/],
    ] as const) {
      const m = smallModel();
      const opt = tf.train.adam(0.05);
      m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy' });
      const w = await m.getWeights()[0].data();
      const call = caller === 'trainOnBatch' ? () => m.trainOnBatch(x, y) : () => m.fitDataset(tf.data.array([{ xs: x, ys: y }]), { epochs: 1, verbose: 0 });
      await noLeak(call, re);
      expect(opt.iterations, caller).toBe(0);
      expect(Array.from(await m.getWeights()[0].data()), caller).toEqual(Array.from(w));
      m.dispose();
      opt.dispose();
    }
    tf.dispose([x, bad, half]);
  });

  it("model.dispose() after compile('adam') frees the optimizer's slots", async () => {
    const before = tf.memory().numTensors;
    const m = smallModel();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.ones([4, 3]);
    const y = tf.tensor([0, 1, 2, 1], [4], 'int32');
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    // Recompiling frees the previous optimizer's state too.
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    m.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    // An optimizer given as an object belongs to the caller (as in TF.js).
    const opt = tf.train.adam();
    const m2 = smallModel();
    m2.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const x2 = tf.ones([2, 3]);
    const y2 = tf.zeros([2, 3]);
    await m2.fit(x2, y2, { epochs: 1, verbose: 0 });
    m2.dispose();
    tf.dispose([x2, y2]);
    expect(tf.memory().numTensors).toBe(before + 8);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('no tensor leaks on error paths', () => {
  it('rank-3 conv2d and pooling inputs that fail their checks', async () => {
    const x = tf.ones([4, 4, 2]);
    const f = tf.ones([2, 2, 3, 1]);
    await noLeak(() => tf.conv2d(x, f, 1, 'valid'), /conv2d: input depth 2 does not match filter in-depth 3/);
    await noLeak(() => tf.maxPool(x, 5, 1, 'valid'), /maxPool: height: input size 4 is smaller than the filter size 5/);
    await noLeak(() => tf.avgPool(x, 2, 0, 'valid'), /avgPool: strides must be a positive integer/);
    // ...and that succeed: only the result remains.
    const before = tf.memory().numTensors;
    const y = tf.maxPool(x, 2, 2, 'valid');
    expect(y.shape).toEqual([2, 2, 2]);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, f, y]);
  });

  it('tensor2d/3d/4d with the wrong rank', async () => {
    await noLeak(() => tf.tensor2d([1, 2, 3]), /tensor2d: values must be 2-D, got shape \[3\]/);
    await noLeak(() => tf.tensor3d([[1, 2]]), /tensor3d: values must be 3-D/);
    await noLeak(() => tf.tensor4d([1, 2, 3, 4], [2, 2]), /tensor4d: values must be 4-D/);
  });

  it('fit rejected for NaN with validationSplit', async () => {
    const m = smallModel();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor([[1, 2, 3], [NaN, 0, 0], [1, 1, 1], [2, 2, 2]]);
    const y = tf.zeros([4, 3]);
    await noLeak(() => m.fit(x, y, { validationSplit: 0.5, verbose: 0 }), /fit: x contains NaN or Infinity/);
    m.dispose();
    tf.dispose([x, y]);
  });
});

describe('validation at the call', () => {
  it('Object.prototype names are not activation or loss names', () => {
    for (const n of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(() => tf.layers.dense({ units: 1, activation: n as 'relu' })).toThrow(new RegExp(`unknown activation '${n}'`));
      const m = smallModel();
      expect(() => m.compile({ optimizer: 'sgd', loss: n })).toThrow(new RegExp(`compile: unknown loss '${n}'`));
      m.dispose();
    }
  });

  it('optimizer 42, an undefined loss, a missing compile argument', () => {
    const m = smallModel();
    expect(() => m.compile({ optimizer: 42 as unknown as 'adam', loss: 'mse' })).toThrow(/compile: optimizer must be 'adam', 'sgd', 'rmsprop' or an Optimizer .*got 42/);
    expect(() => m.compile({ optimizer: 'adam', loss: undefined as unknown as string })).toThrow(/compile: loss must be a loss name.*got undefined/);
    expect(() => m.compile(undefined as unknown as { optimizer: string; loss: string })).toThrow(/compile: expects \{optimizer, loss, metrics\}/);
    m.dispose();
  });

  it('unknown dtypes', async () => {
    for (const d of ['float16', 'complex64', 'string']) {
      await noLeak(() => tf.zeros([2], d as 'float32'), new RegExp(`zeros: unknown dtype "${d}"`));
      await noLeak(() => tf.tensor([1, 2], [2], d as 'float32'), new RegExp(`tensor: unknown dtype "${d}"`));
      await noLeak(() => tf.randomNormal([2], 0, 1, d as 'float32'), /randomNormal: unknown dtype/);
    }
    const x = tf.ones([2]);
    await noLeak(() => tf.cast(x, 'complex64' as 'float32'), /cast: unknown dtype "complex64"/);
    x.dispose();
  });

  it('variable(disposedTensor) and cast(disposedTensor) fail at the call', async () => {
    const t = tf.ones([2]);
    t.dispose();
    await noLeak(() => tf.variable(t), /variable: a tensor of shape \[2\] was already disposed/);
    await noLeak(() => tf.cast(t, 'int32'), /cast: a tensor of shape \[2\] was already disposed/);
  });

  it('a [0,0,1,1] filter', async () => {
    const x = tf.ones([1, 3, 3, 1]);
    const f = tf.zeros([0, 0, 1, 1]);
    await noLeak(() => tf.conv2d(x, f, 1, 'same'), /conv2d: filter dimensions must be at least 1, got filter \[0,0,1,1\]/);
    tf.dispose([x, f]);
  });

  it('NaN arguments are shown as NaN, not null', () => {
    const x = tf.ones([1, 3, 3, 1]);
    expect(() => tf.maxPool(x, [NaN, 2], 1, 'valid')).toThrow(/filterSize must be a positive integer or a pair of them, got \[NaN,2\]/);
    expect(() => tf.conv2d(x, tf.ones([1, 1, 1, 1]), NaN, 'valid')).toThrow(/strides must be .* got NaN/);
    expect(() => tf.conv2d(x, tf.ones([1, 1, 1, 1]), 1, [[0, 0], [Infinity, 0], [0, 0], [0, 0]])).toThrow(/got \[\[0,0\],\[Infinity,0\]/);
    x.dispose();
  });

  it('file errors name the file (a directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-rel-dir-'));
    await expect(readBytes(dir)).rejects.toThrow(new RegExp(`cannot read ${dir}: EISDIR`));
    await expect(readBytes(join(dir, 'missing.idx'))).rejects.toThrow(/missing\.idx/);
  });

  it('file errors name the file (larger than 2 GiB)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-rel-big-'));
    const big = join(dir, 'huge.idx');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 31 + 1); // sparse: takes no disk
    await expect(readBytes(big)).rejects.toThrow(new RegExp(`^cannot read ${big}: .*2 GiB.*ERR_FS_FILE_TOO_LARGE`));
  });
});

describe('training never skips a weight silently', () => {
  it('fit rejects a model whose loss does not reach a trainable weight, naming it, and changes nothing', async () => {
    class Unused extends tf.layers.Layer {
      readonly className = 'Unused';
      override build(inputShape: Parameters<InstanceType<typeof tf.layers.Layer>['build']>[0]): void {
        this.addWeight('ignored', [3], 'zeros');
        super.build(inputShape);
      }
      call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.relu(Array.isArray(inputs) ? inputs[0] : inputs);
      }
    }
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 2, inputShape: [3] }));
    m.add(new Unused({ name: 'unused' }));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = await Promise.all(m.getWeights().map((w) => w.data()));
    const x = tf.ones([4, 3]);
    const y = tf.zeros([4, 2]);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).rejects.toThrow(/^fit: the loss does not depend on the trainable weight\(s\) unused\/ignored \[3\] \(model .*\); freeze them/);
    const after = await Promise.all(m.getWeights().map((w) => w.data()));
    expect(after).toEqual(before);
    m.dispose();
    tf.dispose([x, y]);
  });
});
