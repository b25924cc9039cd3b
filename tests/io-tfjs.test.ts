// Models move both ways between cnn-ts and @tensorflow/tfjs-layers 4.22 in
// the TF.js layers format: what tfjs-layers saves loads here with the same
// predictions and the same getWeights() order, and what we save loads in
// tfjs-layers with the same predictions. One builder serves both libraries
// (the layer API is the same).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from 'cnn-ts';
import { rng } from './support/random.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Lib = any;
const OURS: Lib = tf;
const REF: Lib = { ...tfl, tensor: tfc.tensor };

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  await tfc.setBackend('cpu');
});

interface Case {
  name: string;
  inputShape: number[];
  build: (L: Lib) => any;
}

const CASES: Case[] = [
  {
    name: 'Sequential CNN',
    inputShape: [12, 12, 2],
    build: (L) =>
      L.sequential({
        layers: [
          L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 2] }),
          L.layers.maxPooling2d({ poolSize: 2 }),
          L.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: 2, activation: 'tanh' }),
          L.layers.flatten({}),
          L.layers.dense({ units: 8, activation: 'relu' }),
          L.layers.dropout({ rate: 0.3 }),
          L.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'functional, BatchNormalization and residual Add',
    inputShape: [8, 8, 3],
    build: (L) => {
      const inp = L.input({ shape: [8, 8, 3] });
      const a = L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(inp);
      let x = L.layers.batchNormalization({}).apply(a);
      x = L.layers.activation({ activation: 'relu' }).apply(x);
      x = L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
      x = L.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }).apply(x);
      x = L.layers.add({}).apply([x, a]);
      x = L.layers.globalAveragePooling2d({}).apply(x);
      const out = L.layers.dense({ units: 5, activation: 'softmax' }).apply(x);
      return L.model({ inputs: inp, outputs: out });
    },
  },
  {
    name: 'small U-Net: Conv2DTranspose and Concatenate',
    inputShape: [8, 8, 2],
    build: (L) => {
      const inp = L.input({ shape: [8, 8, 2] });
      const c1 = L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(inp);
      let x = L.layers.maxPooling2d({ poolSize: 2 }).apply(c1);
      x = L.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
      x = L.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }).apply(x);
      x = L.layers.concatenate({}).apply([x, c1]);
      const out = L.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(x);
      return L.model({ inputs: inp, outputs: out });
    },
  },
  {
    name: 'ZeroPadding2D, dilation, average pooling, Dropout, Reshape',
    inputShape: [9, 9, 2],
    build: (L) =>
      L.sequential({
        layers: [
          L.layers.zeroPadding2d({ padding: [[1, 2], [2, 1]], inputShape: [9, 9, 2] }),
          L.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'relu' }),
          L.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
          L.layers.dropout({ rate: 0.5 }),
          L.layers.reshape({ targetShape: [8, 24] }),
          L.layers.flatten({}),
          L.layers.dense({ units: 4 }),
        ],
      }),
  },
];

/** Deterministic random values for every weight (BN variances positive). */
function randomize(L: Lib, m: any, seed: number): void {
  const next = rng(seed);
  const values = m.weights.map((w: any) => {
    const n = w.shape.reduce((a: number, b: number) => a * b, 1);
    const positive = /moving_variance/.test(w.name);
    const v = Float32Array.from({ length: n }, () => (positive ? 0.5 + next() : next() - 0.5));
    return L.tensor(v, w.shape);
  });
  m.setWeights(values);
}

function input(L: Lib, shape: number[], seed: number): any {
  const next = rng(seed);
  const full = [3, ...shape];
  const n = full.reduce((a, b) => a * b, 1);
  return L.tensor(Float32Array.from({ length: n }, () => next() * 2 - 1), full);
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return m;
}

/** Captures the artifacts a library's `save` produces. */
async function artifactsOf(lib: 'ours' | 'ref', m: any, config?: object): Promise<any> {
  let got: any;
  const handler = (lib === 'ours' ? tf.io : tfc.io).withSaveHandler(async (a: any) => {
    got = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
  await m.save(handler, config);
  return got;
}

async function flatWeights(ws: any[]): Promise<number[][]> {
  return Promise.all(ws.map(async (w) => Array.from(await w.data())));
}

describe('tfjs-layers -> cnn-ts', () => {
  for (const c of CASES) {
    it(`${c.name}: loads with the same predictions and getWeights() order`, async () => {
      const ref = c.build(REF);
      randomize(REF, ref, 11);
      const art = await artifactsOf('ref', ref);
      expect(art.format).toBe('layers-model');
      const ours = await tf.loadLayersModel(tf.io.fromMemory(art));
      expect(ours.countParams()).toBe(ref.countParams());
      // Same weights in the same order: trainable first, then BN statistics.
      expect(await flatWeights(ours.getWeights())).toEqual(await flatWeights(ref.getWeights()));
      const yr = ref.predict(input(REF, c.inputShape, 5));
      const yo = ours.predict(input(OURS, c.inputShape, 5));
      expect(yo.shape).toEqual(yr.shape);
      expect(maxRelErr(await yo.data(), await yr.data())).toBeLessThan(1e-4);
      ours.dispose();
    });
  }
});

describe('cnn-ts -> tfjs-layers', () => {
  for (const c of CASES) {
    it(`${c.name}: loads in tfjs-layers with the same predictions`, async () => {
      const ours = c.build(OURS);
      randomize(OURS, ours, 12);
      const art = await artifactsOf('ours', ours);
      // Through JSON text, as a file would carry it.
      const text = JSON.parse(JSON.stringify({ ...art, weightData: undefined }));
      const ref = await tfl.loadLayersModel(tfc.io.fromMemory({ ...text, weightData: art.weightData }));
      expect(ref.countParams()).toBe(ours.countParams());
      expect(await flatWeights(ref.getWeights())).toEqual(await flatWeights(ours.getWeights()));
      const yo = ours.predict(input(OURS, c.inputShape, 6));
      const yr = ref.predict(input(REF, c.inputShape, 6)) as tfc.Tensor;
      expect(yr.shape).toEqual(yo.shape);
      expect(maxRelErr(await yo.data(), await yr.data())).toBeLessThan(1e-4);
      ours.dispose();
    });
  }
});

describe('optimizer state across the libraries', () => {
  it('tfjs-layers reads our Adam state and training config, and we read its', async () => {
    const ours = CASES[0].build(OURS);
    ours.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = input(OURS, CASES[0].inputShape, 7);
    const y = tf.oneHot(tf.tensor([0, 1, 2], [3], 'int32'), 3);
    await ours.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0 });
    const art = await artifactsOf('ours', ours, { includeOptimizer: true });
    expect(art.trainingConfig.optimizer_config.class_name).toBe('Adam');
    expect(art.weightSpecs.filter((s: any) => s.group === 'optimizer').map((s: any) => s.name).slice(0, 2)).toEqual(['iter', `${ours.layers[0].name}/kernel/m`]);
    const ref = await tfl.loadLayersModel(tfc.io.fromMemory(art));
    const w = await ref.optimizer.getWeights();
    expect(w[0].name).toBe('iter');
    expect((await w[0].tensor.data())[0]).toBe(2);
    expect(await w[1].tensor.data()).toEqual(await (ours.optimizer as tf.AdamOptimizer).stateOf(ours.weights[0])[0].data());
    // And back: tfjs-layers' save with its optimizer loads here, compiled.
    const back = await artifactsOf('ref', ref, { includeOptimizer: true });
    const again = await tf.loadLayersModel(tf.io.fromMemory(back));
    expect(again.optimizer?.className).toBe('Adam');
    expect(again.optimizer?.iterations).toBe(2);
    ours.dispose();
    again.dispose();
  });
});
