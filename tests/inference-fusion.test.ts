// Predict's graph rewrite (issue 13, models/inference.ts): batch norm folded
// into the preceding convolution and relu / relu6 fused into its store, and
// a residual block's add (+ relu) fused into the store of the convolution
// that feeds it.
// Fused predictions must match the unfused layers (the model applied in
// inference mode, which runs every layer) within 1e-5 relative, on
// ResNet-style and MobileNetV2-style blocks with non-trivial batch-norm
// statistics; the folded weights must follow every weight change.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

const L = tf.layers;

/** Gives every batch norm random gamma, beta, moving mean and a positive moving variance. */
function randomiseBatchNorms(m: tf.LayersModel, seed: number): void {
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = l.getWeights()[0].shape[0];
    const u = (lo: number, hi: number, s: number) => tf.randomUniform([c], lo, hi, 'float32', seed + s);
    const ws = [u(0.5, 1.5, 1), u(-0.5, 0.5, 2), u(-0.3, 0.3, 3), u(0.2, 2, 4)];
    l.setWeights(ws);
    tf.dispose(ws);
    seed += 10;
  }
}

/** ResNet-50's bottleneck (conv+BN+relu, conv+BN+relu, conv+BN, shortcut conv+BN, add, relu) with a stride-2 first conv. */
function resnetBlock(): tf.LayersModel {
  const x = tf.input({ shape: [13, 11, 8] });
  const bn = (t: tf.SymbolicTensor, name: string) => L.batchNormalization({ epsilon: 1.001e-5, name }).apply(t) as tf.SymbolicTensor;
  const relu = (t: tf.SymbolicTensor) => L.activation({ activation: 'relu' }).apply(t) as tf.SymbolicTensor;
  const short = bn(L.conv2d({ filters: 24, kernelSize: 1, strides: 2 }).apply(x) as tf.SymbolicTensor, 'bn0');
  let y = relu(bn(L.conv2d({ filters: 16, kernelSize: 1, strides: 2 }).apply(x) as tf.SymbolicTensor, 'bn1'));
  y = relu(bn(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }).apply(y) as tf.SymbolicTensor, 'bn2'));
  y = bn(L.conv2d({ filters: 24, kernelSize: 1 }).apply(y) as tf.SymbolicTensor, 'bn3');
  const out = relu(L.add().apply([short, y]) as tf.SymbolicTensor);
  const head = L.dense({ units: 5, activation: 'softmax' }).apply(L.globalAveragePooling2d({}).apply(out)) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [out, head] });
}

/** MobileNetV2's inverted residual: 1x1 expand + BN + relu6, 3x3 depthwise + BN + relu6, 1x1 project + BN, add. */
function mobilenetBlock(stride: number): tf.LayersModel {
  const x = tf.input({ shape: [15, 15, 8] });
  const bn = (t: tf.SymbolicTensor) => L.batchNormalization({ epsilon: 1e-3 }).apply(t) as tf.SymbolicTensor;
  const relu6 = (t: tf.SymbolicTensor) => L.reLU({ maxValue: 6 }).apply(t) as tf.SymbolicTensor;
  let y = relu6(bn(L.conv2d({ filters: 48, kernelSize: 1, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor));
  y = relu6(bn(L.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }).apply(y) as tf.SymbolicTensor));
  y = bn(L.conv2d({ filters: 8, kernelSize: 1, padding: 'same', useBias: false }).apply(y) as tf.SymbolicTensor);
  if (stride === 1) y = L.add().apply([x, y]) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

/** max |a - b| / max |b|: the relative difference of two outputs. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/** Fused predict vs the layers run one by one (apply in inference mode); returns the relative differences per output. */
async function compare(m: tf.LayersModel, x: tf.Tensor): Promise<number[]> {
  const fused = m.predict(x);
  const plain = m.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
  const fs = Array.isArray(fused) ? fused : [fused];
  const ps = Array.isArray(plain) ? plain : [plain];
  const out = [];
  for (let i = 0; i < fs.length; i++) out.push(relDiff(await fs[i].data(), await ps[i].data()));
  tf.dispose([...fs, ...ps]);
  return out;
}

/** What the plan fused: groups and the layer classes they absorbed. */
function fusedLayers(m: tf.LayersModel): string[] {
  const plan = m.inferencePlan();
  if (!plan) return [];
  return [...plan.groups].map(([head, g]) => [head.layer.getClassName(), ...g.skipped.map((n) => n.layer.getClassName())].join('+'));
}

describe('predict folds batch norm and fuses activations', () => {
  it('ResNet-style bottleneck: matches the unfused layers within 1e-5', async () => {
    tf.random.setSeed(1);
    const m = resnetBlock();
    randomiseBatchNorms(m, 100);
    // The shortcut's conv + BN (first in the graph) takes the add and its relu.
    expect(fusedLayers(m).sort()).toEqual(['Add+Conv2D+BatchNormalization+Activation', 'Conv2D+BatchNormalization', 'Conv2D+BatchNormalization+Activation', 'Conv2D+BatchNormalization+Activation'].sort());
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 13, 11, 8], 0, 2);
      for (const d of await compare(m, x)) expect(d).toBeLessThan(1e-5);
      x.dispose();
    }
    m.dispose();
  });

  it('MobileNetV2-style block (stride 1 and 2): relu6 and the depthwise fold match within 1e-5', async () => {
    for (const stride of [1, 2]) {
      tf.random.setSeed(2 + stride);
      const m = mobilenetBlock(stride);
      randomiseBatchNorms(m, 200);
      const project = stride === 1 ? 'Add+Conv2D+BatchNormalization' : 'Conv2D+BatchNormalization';
      expect(fusedLayers(m).sort()).toEqual([project, 'Conv2D+BatchNormalization+ReLU', 'DepthwiseConv2D+BatchNormalization+ReLU'].sort());
      // Large inputs so that relu6 clips: the test fails if 6 is not applied.
      const x = tf.randomNormal([2, 15, 15, 8], 0, 4);
      for (const d of await compare(m, x)) expect(d).toBeLessThan(1e-5);
      x.dispose();
      m.dispose();
    }
  });

  it('identity-shortcut blocks (3x3 Winograd and 1x1 convolutions, with and without batch norm): the add and relu in the store match within 1e-5', async () => {
    for (const [k, c, bnOn] of [[3, 32, true], [1, 16, true], [3, 8, false]] as const) {
      tf.random.setSeed(20 + k + c);
      const x = tf.input({ shape: [14, 14, c] });
      const conv = (t: tf.SymbolicTensor, relu: boolean) => {
        const y = L.conv2d({ filters: c, kernelSize: k, padding: 'same', activation: bnOn || !relu ? 'linear' : 'relu' }).apply(t) as tf.SymbolicTensor;
        if (!bnOn) return y;
        const b = L.batchNormalization({}).apply(y) as tf.SymbolicTensor;
        return relu ? (L.reLU({}).apply(b) as tf.SymbolicTensor) : b;
      };
      const y = conv(conv(x, true), false);
      const m = tf.model({ inputs: x, outputs: L.activation({ activation: 'relu' }).apply(L.add().apply([y, x])) as tf.SymbolicTensor });
      randomiseBatchNorms(m, 500);
      const tail = bnOn ? 'Add+Conv2D+BatchNormalization+Activation' : 'Add+Conv2D+Activation';
      expect(fusedLayers(m)).toContain(tail);
      for (const n of [1, 3]) {
        const xs = tf.randomNormal([n, 14, 14, c], 0, 2);
        for (const d of await compare(m, xs)) expect(d).toBeLessThan(1e-5);
        xs.dispose();
      }
      m.dispose();
    }
  });

  it('the folded weights follow setWeights, training steps and the moving statistics', async () => {
    tf.random.setSeed(5);
    const m = mobilenetBlock(1);
    randomiseBatchNorms(m, 300);
    const x = tf.randomNormal([2, 15, 15, 8], 0, 2);
    const before = (m.predict(x) as tf.Tensor).dataSync().slice();
    // New batch-norm statistics: predict must use them (a stale fold would not).
    randomiseBatchNorms(m, 400);
    const after = m.predict(x) as tf.Tensor;
    expect(relDiff(after.dataSync(), before)).toBeGreaterThan(1e-3);
    for (const d of await compare(m, x)) expect(d).toBeLessThan(1e-5);
    after.dispose();
    // A training step moves kernels (in place, by the optimizer) and the moving statistics.
    m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const y = tf.randomNormal([2, 15, 15, 8]);
    const p0 = (m.predict(x) as tf.Tensor).dataSync().slice();
    await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const p1 = m.predict(x) as tf.Tensor;
    expect(relDiff(p1.dataSync(), p0)).toBeGreaterThan(1e-4);
    for (const d of await compare(m, x)) expect(d).toBeLessThan(1e-5);
    tf.dispose([p1, x, y]);
    m.dispose();
  });

  it('leaves nothing behind: dispose frees the folded weights', () => {
    tf.random.setSeed(6);
    const start = tf.memory().numTensors;
    const m = resnetBlock();
    const x = tf.randomNormal([1, 13, 11, 8]);
    tf.dispose(m.predict(x));
    tf.dispose(m.predict(x));
    x.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('3x3 stride-1 convolutions run on filters transformed once (F(4x4) and F(2x2)), match the layers, follow weight changes and are freed', async () => {
    // 16x16x16 -> 24: 16 F(4x4) tiles (F(4x4)); 8x8x24 -> 40: 4 F(4x4) tiles, 16 F(2x2) tiles (F(2x2));
    // nothing for the stride-2 first layer (4 input channels) nor the 'valid' 6x6x40 -> 8 (9 F(2x2) tiles).
    const build = () => {
      const m = tf.sequential();
      m.add(L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [32, 32, 4] }));
      m.add(L.conv2d({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' }));
      m.add(L.maxPooling2d({ poolSize: 2 }));
      m.add(L.conv2d({ filters: 40, kernelSize: 3, padding: 'same', activation: 'relu' }));
      m.add(L.conv2d({ filters: 8, kernelSize: 3, padding: 'valid' }));
      return m;
    };
    /** New random weights: the transformed filters must follow (stale ones would give the old output). */
    const reweigh = (m: tf.Sequential, seed: number) => {
      const old = m.getWeights();
      const ws = old.map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', seed + i));
      m.setWeights(ws);
      tf.dispose([...ws, ...old]);
    };
    tf.random.setSeed(8);
    const m = build();
    // Only the two convolutions with transformed filters run as groups of their own.
    expect(fusedLayers(m)).toEqual(['Conv2D', 'Conv2D']);
    for (const n of [1, 3]) {
      const xs = tf.randomNormal([n, 32, 32, 4]);
      for (const d of await compare(m, xs)) expect(d).toBeLessThan(1e-5);
      xs.dispose();
    }
    const x = tf.randomNormal([1, 32, 32, 4]);
    const p0 = m.predict(x) as tf.Tensor;
    const before = p0.dataSync().slice();
    p0.dispose();
    reweigh(m, 40);
    const after = m.predict(x) as tf.Tensor;
    expect(relDiff(after.dataSync(), before)).toBeGreaterThan(1e-3);
    for (const d of await compare(m, x)) expect(d).toBeLessThan(1e-5);
    tf.dispose([after, x]);
    m.dispose();
    // The transformed filters are the plan's: a rebuild and dispose free them (apply, in compare, is not used here).
    const start = tf.memory().numTensors;
    const m2 = build();
    const x2 = tf.randomNormal([2, 32, 32, 4]);
    tf.dispose(m2.predict(x2));
    reweigh(m2, 60);
    tf.dispose(m2.predict(x2));
    x2.dispose();
    m2.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('does not fuse under a gradient tape, nor a batch norm whose input is used elsewhere', () => {
    tf.random.setSeed(7);
    const x = tf.input({ shape: [6, 6, 4] });
    const c = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    const b = L.batchNormalization({}).apply(c) as tf.SymbolicTensor;
    // The convolution's output also feeds the add: folding would lose it.
    const m = tf.model({ inputs: x, outputs: L.add().apply([c, b]) as tf.SymbolicTensor });
    expect(fusedLayers(m)).toEqual([]);
    m.dispose();
    // An add that broadcasts (a [1, 1, 4] second input) is not a residual store.
    const x1 = tf.input({ shape: [6, 6, 4] });
    const v = tf.input({ shape: [1, 1, 4] });
    const c1 = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x1) as tf.SymbolicTensor;
    const mb = tf.model({ inputs: [x1, v], outputs: L.activation({ activation: 'relu' }).apply(L.add().apply([c1, v])) as tf.SymbolicTensor });
    expect(fusedLayers(mb)).toEqual([]);
    const xb = [tf.randomNormal([2, 6, 6, 4]), tf.randomNormal([2, 1, 1, 4])];
    const pb = mb.predict(xb) as tf.Tensor;
    expect(pb.shape).toEqual([2, 6, 6, 4]);
    tf.dispose([pb, ...xb]);
    mb.dispose();
    const m2 = mobilenetBlock(1);
    const xs = tf.randomNormal([1, 15, 15, 8]);
    const g = tf.grad((v: tf.Tensor) => {
      expect(m2.inferencePlan()).toBeNull();
      return tf.sum(m2.predict(v) as tf.Tensor);
    })(xs);
    expect(g.shape).toEqual([1, 15, 15, 8]);
    tf.dispose([g, xs]);
    m2.dispose();
  });
});
