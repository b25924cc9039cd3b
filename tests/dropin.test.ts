// TF.js drop-in surface: each API is run on cnn-ts and on tfjs-core /
// tfjs-layers (cpu backend) with the same code, and the results compared;
// where a value is a TF.js fact (names, messages, key sets) it is read from
// the tfjs run, never from ours.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as refLayers from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await ref.setBackend('cpu');
});

const arr = async (t: { data(): Promise<ArrayLike<number>> }) => Array.from(await t.data());
function close(a: ArrayLike<number>, b: ArrayLike<number>, digits = 5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], digits);
}

describe('tf.util', () => {
  it('deterministic helpers return what tfjs-core util returns', () => {
    const u = ref.util;
    const calls: [keyof typeof tf.util, unknown[]][] = [
      ['sizeFromShape', [[2, 3, 4]]], ['sizeFromShape', [[]]], ['isScalarShape', [[]]], ['arraysEqual', [[1, 2], [1, 2]]], ['arraysEqual', [[1, 2], [1, 3]]],
      ['isInt', [3]], ['isInt', [3.5]], ['sizeToSquarishShape', [10]], ['clamp', [0, 5, 3]], ['nearestLargerEven', [5]], ['sum', [[1, 2, 3]]],
      ['distSquared', [[1, 2], [3, 5]]], ['rightPad', ['ab', 5]], ['inferFromImplicitShape', [[2, -1], 6]], ['parseAxisParam', [-1, [2, 3]]], ['parseAxisParam', [null, [2, 3]]],
      ['squeezeShape', [[1, 2, 1, 3]]], ['squeezeShape', [[1, 2, 1, 3], [2]]], ['isValidDtype', ['int32']], ['hasEncodingLoss', ['float32', 'int32']], ['bytesPerElement', ['bool']],
      ['isString', ['a']], ['isBoolean', [true]], ['isNumber', [3]], ['inferDtype', [[1, 2]]], ['inferDtype', [new Int32Array(2)]], ['inferDtype', [true]], ['nearestDivisor', [12, 5]],
      ['computeStrides', [[2, 3, 4]]], ['toNestedArray', [[2, 2], new Float32Array([1, 2, 3, 4])]], ['locToIndex', [[1, 2, 3], 3, [12, 4]]], ['indexToLoc', [23, 3, [12, 4]]],
      ['flatten', [[[1, [2, 3]], [4]]]], ['flatten', [[new Float32Array([1, 2]), [3]]]], ['isTypedArray', [new Float32Array(1)]], ['isPromise', [Promise.resolve()]],
      ['decodeString', [new Uint8Array([104, 195, 169])]], ['encodeString', ['hé']], ['makeOnesTypedArray', [3, 'int32']], ['getArrayFromDType', ['bool', 2]],
      ['arraysEqualWithNull', [[1, null], [1, 5]]], ['bytesFromStringArray', [[new Uint8Array(3), new Uint8Array(2)]]],
    ];
    for (const [name, args] of calls) {
      const ours = (tf.util[name] as (...a: unknown[]) => unknown)(...args);
      const theirs = (u[name as keyof typeof u] as (...a: unknown[]) => unknown)(...args);
      expect(ours, `util.${String(name)}(${JSON.stringify(args)})`).toEqual(theirs);
    }
  });

  it('assert throws the message (string or function) like tfjs-core', () => {
    for (const util of [tf.util, ref.util]) {
      expect(() => util.assert(false, () => 'lazy message')).toThrow('lazy message');
      expect(() => util.assert(true, () => 'never')).not.toThrow();
    }
    expect(() => tf.util.assert(false, 'plain')).toThrow('plain');
    let refMsg = '';
    try {
      ref.util.assertShapesMatch([1, 2], [2, 1], 'prefix');
    } catch (e) {
      refMsg = (e as Error).message;
    }
    expect(() => tf.util.assertShapesMatch([1, 2], [2, 1], 'prefix')).toThrow(refMsg);
  });

  it('shuffle, shuffleCombo and createShuffledIndices permute (same Math.random draws as tfjs-core)', () => {
    const seq = [0.12, 0.93, 0.5, 0.07, 0.61, 0.33, 0.8, 0.2, 0.44, 0.99];
    const withRandom = <R>(f: () => R): R => {
      const orig = Math.random;
      let i = 0;
      Math.random = () => seq[i++ % seq.length];
      try {
        return f();
      } finally {
        Math.random = orig;
      }
    };
    expect(withRandom(() => tf.util.createShuffledIndices(10))).toEqual(withRandom(() => ref.util.createShuffledIndices(10)));
    const a = withRandom(() => {
      const x = [1, 2, 3, 4, 5, 6];
      const y = ['a', 'b', 'c', 'd', 'e', 'f'];
      tf.util.shuffleCombo(x, y);
      return [x, y];
    });
    const b = withRandom(() => {
      const x = [1, 2, 3, 4, 5, 6];
      const y = ['a', 'b', 'c', 'd', 'e', 'f'];
      ref.util.shuffleCombo(x, y);
      return [x, y];
    });
    expect(a).toEqual(b);
    expect(typeof tf.util.now()).toBe('number');
  });
});

describe('Tensor methods TF.js chains', () => {
  it('asType, as1D..as5D, asScalar, toFloat/toInt/toBool, reshapeAs and chained ops match tfjs-core', async () => {
    const v = [[1.5, -2.25, 3], [0, 4.75, -1]];
    // tfjs-core's node bundle registers no chained methods (the @tensorflow/tfjs
    // package does, including the 1.x-3.x ones asType, as1D..as5D, toFloat), so
    // the reference side calls the op functions the methods stand for.
    type R = ref.Tensor;
    const cases: [string, (t: tf.Tensor) => tf.Tensor, (t: R) => R][] = [
      ['asType', (t) => t.asType('int32'), (t) => ref.cast(t, 'int32')],
      ['as1D', (t) => t.as1D(), (t) => ref.reshape(t, [-1])],
      ['as2D', (t) => t.as2D(3, 2), (t) => ref.reshape(t, [3, 2])],
      ['as3D', (t) => t.as3D(1, 2, 3), (t) => ref.reshape(t, [1, 2, 3])],
      ['as4D', (t) => t.as4D(-1, 1, 3, 2), (t) => ref.reshape(t, [-1, 1, 3, 2])],
      ['as5D', (t) => t.as5D(1, 1, 2, 3, 1), (t) => ref.reshape(t, [1, 1, 2, 3, 1])],
      ['toFloat', (t) => t.toInt().toFloat(), (t) => ref.cast(ref.cast(t, 'int32'), 'float32')],
      ['toBool', (t) => t.toBool(), (t) => ref.cast(t, 'bool')],
      ['reshapeAs', (t) => t.reshapeAs(t.as1D()), (t) => ref.reshape(t, [6])],
      ['floorDiv', (t) => t.floorDiv(2), (t) => ref.floorDiv(t, 2)],
      ['mod', (t) => t.abs().mod(2), (t) => ref.mod(ref.abs(t), 2)],
      ['gather', (t) => t.gather([1, 0, 1], 1), (t) => ref.gather(t, [1, 0, 1], 1)],
      ['concat', (t) => t.concat(t, 1), (t) => ref.concat([t, t], 1)],
      ['stack', (t) => t.stack(t), (t) => ref.stack([t, t])],
      ['tile', (t) => t.tile([1, 2]), (t) => ref.tile(t, [1, 2])],
      ['reverse', (t) => t.reverse(1), (t) => ref.reverse(t, 1)],
      ['broadcastTo', (t) => t.sum(0).broadcastTo([2, 3]), (t) => ref.broadcastTo(ref.sum(t, 0), [2, 3])],
      ['logSoftmax', (t) => t.logSoftmax(), (t) => ref.logSoftmax(t)],
      ['logSumExp', (t) => t.logSumExp(1), (t) => ref.logSumExp(t, 1)],
      ['prod', (t) => t.prod(0), (t) => ref.prod(t, 0)],
      ['oneHot', (t) => t.abs().toInt().oneHot(5), (t) => ref.oneHot(ref.cast(ref.abs(t), 'int32') as ref.Tensor1D, 5)],
      ['leakyRelu', (t) => t.leakyRelu(0.1), (t) => ref.leakyRelu(t, 0.1)],
      ['elu', (t) => t.elu(), (t) => ref.elu(t)],
      ['selu', (t) => t.selu(), (t) => ref.selu(t)],
      ['relu6', (t) => t.mul(2).relu6(), (t) => ref.relu6(ref.mul(t, 2))],
      ['step', (t) => t.step(0.5), (t) => ref.step(t, 0.5)],
      ['dot', (t) => t.dot(t.transpose()), (t) => ref.dot(t, ref.transpose(t))],
      ['onesLike', (t) => t.onesLike(), (t) => ref.onesLike(t)],
      ['zerosLike', (t) => t.zerosLike(), (t) => ref.zerosLike(t)],
      ['isNaN', (t) => t.div(0).isNaN(), (t) => ref.isNaN(ref.div(t, 0))],
      ['logicalNot', (t) => t.toBool().logicalNot(), (t) => ref.logicalNot(ref.cast(t, 'bool'))],
      ['rsqrt', (t) => t.abs().add(1).rsqrt(), (t) => ref.rsqrt(ref.add(ref.abs(t), 1))],
      ['erf', (t) => t.erf(), (t) => ref.erf(t)],
      ['topk', (t) => t.topk(2).values, (t) => ref.topk(t, 2).values],
    ];
    for (const [name, f, g] of cases) {
      const a = f(tf.tensor(v));
      const b = g(ref.tensor(v));
      expect(a.shape, name).toEqual(b.shape);
      expect(a.dtype, name).toBe(b.dtype);
      close(await a.data(), await b.data(), 4);
    }
    const s = tf.tensor([7]).asScalar();
    expect(s.shape).toEqual([]);
    expect(() => tf.tensor([1, 2]).asScalar()).toThrow(/size 1/);
  });

  it('topk (function and method) matches tfjs-core, ties to the lower index', async () => {
    const v = [[1, 5, 3, 5, 2], [4, 2, 6, 9, 1]];
    for (const k of [1, 3, 5]) {
      const a = tf.tensor(v).topk(k);
      const b = ref.topk(ref.tensor(v), k);
      expect(await a.values.array()).toEqual(await b.values.array());
      expect(await a.indices.array()).toEqual(await b.indices.array());
      expect(a.indices.dtype).toBe(b.indices.dtype);
    }
    expect(() => tf.topk(tf.tensor(v), 6)).toThrow(/k/);
  });

  it('tf.buffer / TensorBuffer and tensor.buffer() behave as tfjs-core', async () => {
    const ours = tf.buffer([2, 3], 'int32');
    const theirs = ref.buffer([2, 3], 'int32');
    for (const b of [ours, theirs]) {
      b.set(5, 1, 2);
      b.set(7, 0, 1);
    }
    expect(Array.from(ours.values)).toEqual(Array.from(theirs.values));
    expect(ours.get(1, 2)).toBe(theirs.get(1, 2));
    expect(ours.strides).toEqual(theirs.strides);
    expect(ours.indexToLoc(4)).toEqual(theirs.indexToLoc(4));
    expect(ours.locToIndex([1, 1])).toBe(theirs.locToIndex([1, 1]));
    const t = ours.toTensor();
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual(await theirs.toTensor().array());
    const back = await t.buffer();
    expect(back.get(1, 2)).toBe(5);
    expect(tf.tensor([[1, 2]]).bufferSync().get(0, 1)).toBe(2);
  });
});

describe('backend, nextFrame', () => {
  it('backend().epsilon() is the float32 backends\' epsilon; setBackend takes TF.js backend names', async () => {
    expect(tf.backend().epsilon()).toBe(ref.backend().epsilon());
    expect(tf.backend().floatPrecision()).toBe(32);
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(tf.getBackend()).toBe('cnn-ts');
    await expect(tf.setBackend('nope')).rejects.toThrow(/Backend name 'nope' not found/);
    await tf.nextFrame();
  });
});

describe('optimizer signatures', () => {
  it('minimize(f, returnCost, varList?), applyGradients(map | list), computeGradients give tfjs-core\'s values', async () => {
    const run = async (lib: typeof tf | typeof ref) => {
      const w = (lib as typeof ref).variable((lib as typeof ref).tensor([1, -2, 3]));
      const b = (lib as typeof ref).variable((lib as typeof ref).tensor([0.5]));
      const opt = (lib as typeof ref).train.sgd(0.1);
      const f = () => (lib as typeof ref).sum((lib as typeof ref).square((lib as typeof ref).add(w, b)));
      const cost = opt.minimize(f as never, true)!; // all trainable variables
      const c0 = (await cost.data())[0];
      opt.minimize(f as never, false, [w] as never); // only w
      const { value, grads } = opt.computeGradients(f as never);
      opt.applyGradients(grads);
      const list = Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
      opt.applyGradients(list as never);
      const out = [c0, (await value.data())[0], ...(await w.data()), ...(await b.data())];
      w.dispose();
      b.dispose();
      return out;
    };
    close(await run(tf), await run(ref), 4);
    // Without returnCost, minimize returns null (TF.js).
    const v = tf.variable(tf.tensor([1]));
    expect(tf.train.sgd(0.1).minimize(() => tf.sum(tf.square(v)))).toBeNull();
    v.dispose();
  });

  it('variableGrads ignores non-trainable variables; applyGradients names an unknown variable', () => {
    const w = tf.variable(tf.tensor([1, 2]), true, 'dropin_w');
    const frozen = tf.variable(tf.tensor([3, 4]), false, 'dropin_frozen');
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(w, frozen)));
    expect(Object.keys(grads)).toEqual(['dropin_w']);
    expect(() => tf.train.sgd(0.1).applyGradients({ no_such_var: tf.tensor([1]) })).toThrow(/no variable named 'no_such_var'/);
    w.dispose();
    frozen.dispose();
  });
});

describe('layers and models as TF.js sees them', () => {
  it('fit logs carry the keys tfjs-layers 4.22 gives for metrics ["accuracy"] (and Keras\' names as aliases)', async () => {
    const keys = async (lib: typeof tf | typeof refLayers, tensor: typeof tf.tensor | typeof ref.tensor) => {
      const m = (lib as typeof refLayers).sequential({ layers: [(lib as typeof refLayers).layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const seen: { batch: string[]; epoch: string[] } = { batch: [], epoch: [] };
      let epochLogs: Record<string, number> = {};
      const h = await m.fit(tensor(new Float32Array(40).map((_, i) => (i % 7) / 7), [10, 4]) as never, tensor(Array.from({ length: 10 }, (_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0])) as never, {
        epochs: 1,
        batchSize: 5,
        validationSplit: 0.2,
        verbose: 0,
        callbacks: {
          onBatchEnd: async (_b: number, logs?: Record<string, number>) => void (seen.batch = Object.keys(logs ?? {}).sort()),
          onEpochEnd: async (_e: number, logs?: Record<string, number>) => {
            seen.epoch = Object.keys(logs ?? {}).sort();
            epochLogs = logs ?? {};
          },
        },
      });
      return { ...seen, history: Object.keys(h.history), epochLogs };
    };
    const ours = await keys(tf, tf.tensor);
    const theirs = await keys(refLayers, ref.tensor);
    expect(ours.batch).toEqual(theirs.batch);
    expect(ours.epoch).toEqual(theirs.epoch);
    for (const k of theirs.history) expect(ours.history).toContain(k);
    expect(ours.epochLogs.accuracy).toBe(ours.epochLogs.acc);
    expect(ours.epochLogs.val_accuracy).toBe(ours.epochLogs.val_acc);
  });

  it('freezing: layer.trainable / model.trainable = false leaves the weights out of training and variableGrads', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.dense({ units: 2 })] });
    m.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    m.layers[0].trainable = false;
    expect(m.trainableWeights.length).toBe(2);
    expect(m.layers[0].weights.every((w) => !w.trainable)).toBe(true);
    const first = await m.layers[0].getWeights()[0].data();
    const second = await m.layers[1].getWeights()[0].data();
    await m.fit(tf.randomNormal([8, 3]), tf.randomNormal([8, 2]), { epochs: 2, batchSize: 4, verbose: 0 });
    expect(Array.from(await m.layers[0].getWeights()[0].data())).toEqual(Array.from(first));
    expect(Array.from(await m.layers[1].getWeights()[0].data())).not.toEqual(Array.from(second));
    m.trainable = false;
    expect(m.trainableWeights).toEqual([]);
    expect(() => tf.variableGrads(() => tf.sum(m.predict(tf.ones([1, 3])) as tf.Tensor))).toThrow();
    m.trainable = true;
    expect(m.trainableWeights.length).toBe(4);
    // tfjs-layers counts the same way.
    const r = refLayers.sequential({ layers: [refLayers.layers.dense({ units: 4, inputShape: [3] }), refLayers.layers.dense({ units: 2 })] });
    r.layers[0].trainable = false;
    expect(r.trainableWeights.length).toBe(2);
  });

  it('model.input(s)/output(s), layer.input/output/inboundNodes, getLayer(name | index) as tfjs-layers', () => {
    const build = (lib: typeof tf | typeof refLayers) => {
      const L = lib as typeof refLayers;
      const inp = L.input({ shape: [5] });
      const d1 = L.layers.dense({ units: 3, name: 'first' });
      const h = d1.apply(inp) as refLayers.SymbolicTensor;
      const out = L.layers.dense({ units: 2, name: 'second' }).apply(h) as refLayers.SymbolicTensor;
      const m = L.model({ inputs: inp, outputs: out });
      return {
        inputShape: (m.input as refLayers.SymbolicTensor).shape,
        outputShape: (m.output as refLayers.SymbolicTensor).shape,
        nIn: m.inputs.length,
        layerInIsModelIn: d1.input === m.input,
        layerOutIsH: d1.output === h,
        nodes: d1.inboundNodes.length,
        byName: m.getLayer('second').name,
        byIndex: m.getLayer(undefined, 1).name,
      };
    };
    expect(build(tf)).toEqual(build(refLayers));
    expect(() => tf.layers.dense({ units: 1 }).output).toThrow(/not connected/);
  });

  it('a TF.js custom layer calling this.invokeCallHook(inputs, kwargs) runs', async () => {
    class Twice extends tf.layers.Layer {
      readonly className = 'Twice';
      call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }) {
        this.invokeCallHook(inputs, kwargs);
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        return x.mul(2);
      }
    }
    const l = new Twice();
    let hooked = 0;
    l.setCallHook(() => void hooked++);
    expect(await arr(l.apply(tf.tensor([1, 2])) as tf.Tensor)).toEqual([2, 4]);
    expect(hooked).toBe(1);
  });
});

describe('tf.image', () => {
  const img = Array.from({ length: 2 * 5 * 4 * 3 }, (_, i) => ((i * 37) % 23) / 3);
  it('resizeBilinear / resizeNearestNeighbor match tfjs-core for every corner/center mode, values', async () => {
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]] as const) {
      for (const size of [[7, 3], [2, 9], [5, 4]] as [number, number][]) {
        for (const op of ['resizeBilinear', 'resizeNearestNeighbor'] as const) {
          const a = tf.image[op](tf.tensor(img, [2, 5, 4, 3]), size, alignCorners, halfPixelCenters);
          const b = ref.image[op](ref.tensor(img, [2, 5, 4, 3]) as ref.Tensor4D, size, alignCorners, halfPixelCenters);
          expect(a.shape).toEqual(b.shape);
          close(await a.data(), await b.data(), 4);
          // Gradients are not compared with tfjs-core: its 4.22 cpu ResizeBilinear gradient
          // fails with a shape error and its ResizeNearestNeighbor gradient differs (NaN for
          // [5,4] -> [2,9]) whenever the size changes. Ours are checked against finite
          // differences in op-gradients.test.ts.
        }
      }
    }
    expect(() => tf.image.resizeBilinear(tf.zeros([2, 2, 1]), [3, 3], true, true)).toThrow(/halfPixelCenters/);
  });

  it('cropAndResize (bilinear, nearest, extrapolation, boxes beyond the image), flipLeftRight, rgbToGrayscale match tfjs-core', async () => {
    const boxes = [[0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], [-0.2, 0.5, 0.6, 1.3], [0.5, 0.5, 0.5, 0.5]];
    const ind = [0, 1, 1, 0];
    for (const method of ['bilinear', 'nearest'] as const) {
      const a = tf.image.cropAndResize(tf.tensor(img, [2, 5, 4, 3]), tf.tensor(boxes), tf.tensor1d(ind, 'int32'), [3, 4], method, -1);
      const b = ref.image.cropAndResize(ref.tensor(img, [2, 5, 4, 3]) as ref.Tensor4D, ref.tensor(boxes) as ref.Tensor2D, ref.tensor1d(ind, 'int32'), [3, 4], method, -1);
      expect(a.shape).toEqual(b.shape);
      close(await a.data(), await b.data(), 4);
    }
    close(await tf.image.flipLeftRight(tf.tensor(img, [2, 5, 4, 3])).data(), await ref.image.flipLeftRight(ref.tensor(img, [2, 5, 4, 3]) as ref.Tensor4D).data());
    for (const dtype of ['float32', 'int32'] as const) {
      const a = tf.image.rgbToGrayscale(tf.tensor(img, [2, 5, 4, 3], dtype));
      const b = ref.image.rgbToGrayscale(ref.tensor(img, [2, 5, 4, 3], dtype));
      expect(a.dtype).toBe(b.dtype);
      expect(a.shape).toEqual(b.shape);
      close(await a.data(), await b.data(), 4);
    }
  });
});

describe('tf.browser pixels', () => {
  const w = 3;
  const h = 2;
  const data = Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * 29) % 256);
  it('fromPixels of ImageData-like data and of a canvas-like object (1, 3, 4 channels) as tfjs-core', async () => {
    const canvas = { width: w, height: h, getContext: () => ({ getImageData: () => ({ data }) }) };
    for (const c of [1, 3, 4]) {
      const a = tf.browser.fromPixels({ width: w, height: h, data }, c);
      const b = ref.browser.fromPixels({ width: w, height: h, data: new Uint8Array(data.buffer) }, c);
      expect(a.shape).toEqual(b.shape);
      expect(a.dtype).toBe(b.dtype);
      expect(await arr(a)).toEqual(await arr(b));
      expect(await arr(tf.browser.fromPixels(canvas, c))).toEqual(await arr(b));
    }
    expect(() => tf.browser.fromPixels(null as never)).toThrow(/can not be null/);
    expect(() => tf.browser.fromPixels({ width: w, height: h, data }, 5)).toThrow(/more than 4 channels/);
  });

  it('toPixels of float [0,1] and int32 images of depth 1, 3, 4 gives tfjs-core\'s RGBA bytes and errors', async () => {
    for (const depth of [1, 3, 4]) {
      const v = Array.from({ length: h * w * depth }, (_, i) => ((i * 13) % 11) / 10);
      expect(Array.from(await tf.browser.toPixels(tf.tensor(v, [h, w, depth])))).toEqual(Array.from(await ref.browser.toPixels(ref.tensor(v, [h, w, depth]) as ref.Tensor3D)));
      const iv = v.map((x) => Math.round(x * 200));
      expect(Array.from(await tf.browser.toPixels(tf.tensor(iv, [h, w, depth], 'int32')))).toEqual(Array.from(await ref.browser.toPixels(ref.tensor(iv, [h, w, depth], 'int32') as ref.Tensor3D)));
    }
    await expect(tf.browser.toPixels(tf.tensor([[1.5]]))).rejects.toThrow('Tensor values for a float32 Tensor must be in the range [0 - 1] but encountered 1.5.');
    const drawn: unknown[] = [];
    const canvas = { width: 0, height: 0, getContext: () => ({ putImageData: (d: unknown) => drawn.push(d), drawImage() {}, getImageData: () => ({ data }) }) };
    await tf.browser.toPixels(tf.zeros([h, w, 3]), canvas as never);
    expect([canvas.width, canvas.height, drawn.length]).toEqual([w, h, 1]);
  });
});

describe('without tf.ready() (Node)', () => {
  it('dataSync works on a fresh import: the core started at import', async () => {
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    // A file inside the repository, so that 'cnn-ts' resolves to the workspace package.
    const dir = mkdtempSync(join(process.cwd(), 'tests', '.tmp-dropin-'));
    const file = join(dir, 'sync.mjs');
    writeFileSync(file, "import * as tf from 'cnn-ts';\nconsole.log(tf.tensor([1, 2]).add(1).dataSync().join(','));\n");
    let out: string;
    try {
      out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    } finally {
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
    expect(out.trim()).toBe('2,3');
  });
});
