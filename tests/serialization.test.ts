// The class registry and layer configs: every `tf.layers.*` factory (also
// the ones added later: the loop reads the object) round-trips through its
// config and the JSON text, and the rebuilt layer computes the same thing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from 'cnn-ts';
import { rng } from './support/random.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
beforeAll(async () => {
  await tf.ready({ threads: 2 });
});

/** Non-default arguments per factory; a factory missing here tries the generic candidates. */
const ARGS: Record<string, any> = {
  inputLayer: { shape: [6, 6, 4], name: 'in_rt' },
  conv2d: { filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', dilationRate: 1, activation: 'tanh', useBias: false, kernelInitializer: 'heNormal' },
  conv2dTranspose: { filters: 3, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.3, seed: 3 }), biasInitializer: 'ones' },
  dense: { units: 5, activation: 'sigmoid', useBias: true, kernelInitializer: 'leCunUniform', biasInitializer: tf.initializers.constant({ value: 0.25 }) },
  flatten: {},
  activation: { activation: 'elu' },
  dropout: { rate: 0.25, seed: 7 },
  reshape: { targetShape: [-1, 4] },
  maxPooling2d: { poolSize: 3, strides: 1, padding: 'same' },
  averagePooling2d: { poolSize: [2, 3], padding: 'valid' },
  globalAveragePooling2d: { keepDims: true },
  globalMaxPooling2d: {},
  add: {},
  concatenate: { axis: 1 },
  batchNormalization: { momentum: 0.8, epsilon: 0.01, gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.1, seed: 2 }), movingVarianceInitializer: 'ones' },
  zeroPadding2d: { padding: [[1, 0], [2, 3]] },
  depthwiseConv2d: { kernelSize: 3, depthMultiplier: 2, padding: 'same', dilationRate: 2, activation: 'relu', depthwiseInitializer: 'heNormal' },
  separableConv2d: { filters: 3, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', pointwiseInitializer: 'ones', useBias: false },
  upSampling2d: { size: [2, 3], interpolation: 'bilinear' },
  cropping2D: { cropping: [[1, 0], [0, 2]] },
  cropping2d: { cropping: [[1, 0], [0, 2]] },
  reLU: { maxValue: 6 },
};
/** Layers over sequences take [batch, steps, features] inputs. */
const SEQ = new Set(['conv1d', 'maxPooling1d', 'maxPool1d', 'averagePooling1d', 'avgPool1d', 'globalAveragePooling1d', 'globalAvgPool1d', 'globalMaxPooling1d', 'globalMaxPool1d', 'spatialDropout1d', 'permute', 'dot', 'repeatVector', 'embedding', 'gaussianNoise']);
Object.assign(ARGS, {
  conv1d: { filters: 3, kernelSize: 2, strides: 1, padding: 'same', dilationRate: 1, activation: 'relu', kernelInitializer: 'heNormal' },
  maxPooling1d: { poolSize: 2, strides: 1, padding: 'valid' },
  maxPool1d: { poolSize: 2 },
  averagePooling1d: { poolSize: 3, padding: 'same' },
  avgPool1d: { poolSize: 2 },
  globalAveragePooling1d: {},
  globalAvgPool1d: {},
  globalMaxPooling1d: {},
  globalMaxPool1d: {},
  spatialDropout1d: { rate: 0.2, seed: 3 },
  permute: { dims: [2, 1] },
  dot: { axes: -1, normalize: true },
  repeatVector: { n: 3 },
  embedding: { inputDim: 10, outputDim: 3, embeddingsInitializer: 'randomUniform' },
  gaussianNoise: { stddev: 0.2 },
});
const GENERIC = [{}, { units: 3 }, { filters: 2, kernelSize: 3 }, { kernelSize: 3 }, { rate: 0.3 }, { size: 2 }, { cropping: 1 }, { targetShape: [-1] }, { activation: 'relu' }, { poolSize: 2 }];
const MERGE = new Set(['add', 'concatenate', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'dot']);
// Layer is the base class; input makes a SymbolicTensor (tfjs-layers' namespace has it too), not a layer.
const SKIP = new Set(['Layer', 'input']);

function sameJSON(a: unknown, b: unknown): void {
  expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
}

async function outputOf(l: any, xs: tf.Tensor[], merge: boolean): Promise<Float32Array> {
  const y = l.apply(merge ? xs : xs[0], { training: false }) as tf.Tensor;
  const v = (await y.data()) as Float32Array;
  if (!xs.includes(y)) y.dispose();
  return v;
}

describe('every tf.layers factory round-trips through its config', () => {
  const names = Object.keys(tf.layers).filter((k) => !SKIP.has(k));
  it('covers the factories', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });
  for (const key of names) {
    it(key, async () => {
      const make = (tf.layers as any)[key] as (a: any) => any;
      const merge = MERGE.has(key);
      const next = rng(key.length * 97 + 1);
      const shape = key === 'repeatVector' ? [2, 4] : key === 'embedding' ? [2, 5] : SEQ.has(key) ? [2, 6, 4] : [2, 6, 6, 4];
      const size = shape.reduce((a, b) => a * b, 1);
      const value = () => (key === 'embedding' ? Math.floor(next() * 10) : next() * 2 - 1);
      const xs = [0, 1].map(() => tf.tensor(Float32Array.from({ length: size }, value), shape));
      let layer: any;
      let args: any;
      for (const a of key in ARGS ? [ARGS[key]] : GENERIC) {
        try {
          const l = make({ ...a });
          if (l.className !== 'InputLayer') await outputOf(l, xs, merge);
          layer = l;
          args = a;
          break;
        } catch {
          // next candidate
        }
      }
      expect(layer, `tf.layers.${key}: no argument set works; add its arguments to ARGS in this test`).toBeDefined();
      const cfg = layer.getConfig();
      // Complete: every argument given is in the config.
      for (const k of Object.keys(args)) if (k !== 'shape') expect(Object.keys(cfg), `${key}: getConfig lacks '${k}'`).toContain(k);
      // Registered under its class name, and the instance name comes from the static one.
      const cls = tf.serialization.SerializationMap.getMap().classNameMap[layer.className]?.[0] as any;
      expect(cls, `${layer.className} is not registered (tf.serialization.registerClass)`).toBe(layer.constructor);
      expect(cls.className).toBe(layer.className);
      // Through the JSON text as a model.json carries it, and back.
      const text = JSON.stringify({ class_name: layer.className, config: cfg });
      const m = tf.models.modelFromJSON;
      expect(typeof m).toBe('function');
      const back = JSON.parse(text).config;
      const again = cls.fromConfig(cls, back);
      sameJSON(again.getConfig(), cfg);
      if (layer.className === 'InputLayer') return;
      // Same computation with the same weights.
      const y1 = await outputOf(layer, xs, merge);
      await outputOf(again, xs, merge);
      if (layer.weights.length > 0) again.setWeights(layer.getWeights());
      const y2 = await outputOf(again, xs, merge);
      expect(Array.from(y2)).toEqual(Array.from(y1));
      layer.dispose();
      again.dispose();
      tf.dispose(xs);
    });
  }
});

describe('initializers', () => {
  it('serialise as {className, config} with TF.js names and rebuild the same values', async () => {
    const cases: [any, string, Record<string, unknown>][] = [
      [tf.initializers.glorotUniform({ seed: 1 }), 'GlorotUniform', { seed: 1 }],
      [tf.initializers.heNormal({}), 'HeNormal', { seed: null }],
      [tf.initializers.zeros(), 'Zeros', {}],
      [tf.initializers.constant({ value: 3 }), 'Constant', { value: 3 }],
      [tf.initializers.truncatedNormal({ stddev: 2, seed: 4 }), 'TruncatedNormal', { mean: 0, stddev: 2, seed: 4 }],
      [tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 5 }), 'VarianceScaling', { scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 5 }],
    ];
    for (const [init, name, config] of cases) {
      expect(init.className).toBe(name);
      expect(init.getConfig()).toEqual(config);
      const cls = tf.serialization.SerializationMap.getMap().classNameMap[name][0] as any;
      const again = cls.fromConfig(cls, init.getConfig());
      const a = init.apply([3, 4]);
      const b = again.apply([3, 4]);
      if (config.seed !== null) expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([a, b]);
    }
  });

  it('reads Keras / tfjs-layers spellings (fan_avg, normal = truncated)', () => {
    const d = tf.layers.dense({ units: 2, kernelInitializer: { className: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } } as any });
    expect((d.getConfig() as any).kernelInitializer).toEqual({ className: 'VarianceScaling', config: { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: null } });
  });
});

describe('registerClass', () => {
  class Scale extends tf.layers.Layer {
    static readonly className = 'ScaleByTwo';
    readonly className = 'ScaleByTwo';
    call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.mul(Array.isArray(x) ? x[0] : x, 2);
    }
  }

  it('an unknown layer class is an error that names it and says how to register', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), new Scale({})] });
    const json = m.toJSON(null, false);
    await expect(tf.models.modelFromJSON(json as any)).rejects.toThrow(/unknown layer class ScaleByTwo.*registerClass\(ScaleByTwo\)/);
    tf.serialization.registerClass(Scale as any);
    const again = await tf.models.modelFromJSON(json as any);
    expect(again.layers.map((l) => l.className)).toEqual(['Dense', 'ScaleByTwo']);
    m.dispose();
    again.dispose();
  });

  it('a class with only a static className (TF.js style) gets its instance className from it', () => {
    const Base = tf.layers.Layer as any;
    class Identity extends Base {
      static className = 'IdentityOnlyStatic';
      call(x: any) {
        return x;
      }
    }
    const l = new (Identity as any)({});
    expect(l.className).toBe('IdentityOnlyStatic');
    expect(l.name).toBe('identity_only_static');
  });

  it('refuses a class without its own static className', () => {
    class NoName extends tf.layers.Layer {
      readonly className = 'NoName';
      call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return Array.isArray(x) ? x[0] : x;
      }
    }
    expect(() => tf.serialization.registerClass(NoName as any)).toThrow(/static className/);
  });
});

describe('toJSON / modelFromJSON', () => {
  it('a functional graph keeps its topology, shared layers and node indices', async () => {
    const inp = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4, activation: 'relu' });
    const a = shared.apply(inp) as any;
    const b = shared.apply(a) as any;
    const out = tf.layers.add({}).apply([a, b]) as any;
    const m = tf.model({ inputs: inp, outputs: out });
    const j = JSON.parse(m.toJSON() as string);
    expect(j.class_name).toBe('Model');
    const entry = j.config.layers.find((l: any) => l.name === shared.name);
    expect(entry.inbound_nodes).toEqual([[[inp.sourceLayer.name, 0, 0, {}]], [[shared.name, 0, 0, {}]]]);
    const add = j.config.layers.find((l: any) => l.class_name === 'Add');
    expect(add.inbound_nodes).toEqual([[[shared.name, 0, 0, {}], [shared.name, 1, 0, {}]]]);
    const again = await tf.models.modelFromJSON(j);
    again.setWeights(m.getWeights());
    const x = tf.tensor([[1, -2, 3, 0.5]]);
    expect(Array.from(await again.predict(x).data())).toEqual(Array.from(await m.predict(x).data()));
    m.dispose();
    again.dispose();
  });
});
