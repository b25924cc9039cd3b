// Keras 3 config -> TF.js (Keras 2 style) topology: the pieces, on the
// committed Keras files and on small hand-written configs.
import { describe, expect, it } from 'vitest';
import {
  KerasImportError, convertModelConfig, isSupportedLayerClass, isKeras3Topology, kerasArtifacts, normalizeTopology,
} from '../packages/cnn-ts/src/io/keras/index.js';
import { openHdf5 } from '../packages/cnn-ts/src/io/keras/hdf5.js';
import { crc32, unzipEntries } from '../packages/cnn-ts/src/io/keras/zip.js';
import type { H5Group } from '../packages/cnn-ts/src/io/keras/hdf5.js';
import { kerasV3LayerKeys, kerasSnakeCase, legacyWeightName } from '../packages/cnn-ts/src/io/keras/weights.js';
import { MODELS, fixtureBytes, reference } from './keras-fixtures.js';

const tensor = (layer: string, node = 0, index = 0) => ({
  class_name: '__keras_tensor__',
  config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, node, index] },
});
const policy = (name = 'float32') => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });
const layer = (class_name: string, name: string, config: Record<string, unknown> = {}, inputs: unknown[] = []) => ({
  module: 'keras.layers', class_name, registered_name: null, name,
  config: { name, trainable: true, dtype: policy(), ...config },
  build_config: { input_shape: [null, 4] },
  inbound_nodes: inputs.length ? [{ args: inputs, kwargs: {} }] : [],
});
const functional = (layers: unknown[], output = 'out') => ({
  module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
  config: { name: 'm', trainable: true, layers, input_layers: ['x', 0, 0], output_layers: [output, 0, 0] },
  build_config: { input_shape: null }, compile_config: { loss: 'mse' },
});
const input = { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: 'x', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'x', optional: false }, inbound_nodes: [] };

function thrown(f: () => unknown): KerasImportError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KerasImportError);
    return e as KerasImportError;
  }
  throw new Error('expected a KerasImportError');
}

describe('Keras 3 config conversion', () => {
  it('InputLayer batch_shape, DTypePolicy, module/registered_name/build_config, __keras_tensor__ nodes, single input/output refs', () => {
    const out = convertModelConfig(functional([input, layer('Dense', 'out', { units: 2, kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null, input_axes: null, output_axes: null }, registered_name: null } }, [tensor('x')])]));
    expect(out.class_name).toBe('Functional');
    const cfg = out.config as Record<string, any>;
    expect(cfg.input_layers).toEqual([['x', 0, 0]]);
    expect(cfg.output_layers).toEqual([['out', 0, 0]]);
    expect(cfg.layers[0]).toEqual({ class_name: 'InputLayer', name: 'x', inbound_nodes: [], config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, name: 'x' } });
    expect(cfg.layers[1].inbound_nodes).toEqual([[['x', 0, 0, {}]]]);
    expect(cfg.layers[1].config.dtype).toBe('float32');
    expect(cfg.layers[1].config.kernel_initializer).toEqual({ class_name: 'GlorotUniform', config: { seed: null } });
    expect(JSON.stringify(out)).not.toMatch(/module|registered_name|build_config|compile_config|batch_shape|DTypePolicy|__keras_tensor__/);
  });

  it('a list of inputs (Add, Concatenate) becomes one node with an entry per tensor; null kwargs go, others stay', () => {
    const add = layer('Add', 'out', {}, [[tensor('a'), tensor('b', 1, 0)]]);
    (add.inbound_nodes[0] as { kwargs: unknown }).kwargs = { mask: null, training: false };
    const out = convertModelConfig(functional([input, layer('Dense', 'a', { units: 4 }, [tensor('x')]), layer('Dense', 'b', { units: 4 }, [tensor('x')]), add]));
    expect((out.config as any).layers[3].inbound_nodes).toEqual([[['a', 0, 0, { training: false }], ['b', 1, 0, { training: false }]]]);
  });

  it('a nested model\'s node index moves past the node TF.js gives the model itself', () => {
    const inner = { module: 'keras', class_name: 'Sequential', registered_name: null, name: 'block', config: { name: 'block', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'i' } }, { class_name: 'Dense', config: { name: 'd', units: 4 } }] }, inbound_nodes: [{ args: [tensor('x')], kwargs: {} }] };
    const out = convertModelConfig(functional([input, inner, layer('Dense', 'out', { units: 2 }, [tensor('block')])]));
    expect((out.config as any).layers[2].inbound_nodes).toEqual([[['block', 1, 0, {}]]]);
    const asOutput = convertModelConfig(functional([input, inner], 'block'));
    expect((asOutput.config as any).output_layers).toEqual([['block', 1, 0]]);
  });

  it('L1 and L2 regularizers become TF.js L1L2; mixed-precision policies keep float32 variables; BN axis [3] becomes 3', () => {
    const out = convertModelConfig(functional([input, layer('Dense', 'out', {
      units: 2, dtype: policy('mixed_float16'),
      kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.001 }, registered_name: null },
      bias_regularizer: { module: 'keras.regularizers', class_name: 'L1', config: { l1: 0.5 }, registered_name: null },
    }, [tensor('x')])]));
    const cfg = (out.config as any).layers[1].config;
    expect(cfg.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.001 } });
    expect(cfg.bias_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0.5, l2: 0 } });
    expect(cfg.dtype).toBe('float32');
    const bn = convertModelConfig({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'BatchNormalization', config: { name: 'bn', axis: [3], batch_input_shape: [null, 2, 2, 3] } }] } });
    expect((bn.config as any).layers[0].config.axis).toBe(3);
  });

  it('a Sequential without an InputLayer gets its first layer\'s batch_input_shape from build_input_shape', () => {
    const out = convertModelConfig({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 3 } }], build_input_shape: [null, 5] } });
    expect((out.config as any).layers[0].config.batch_input_shape).toEqual([null, 5]);
  });

  it('one error lists every layer class without an equivalent, with the layers using it, plus settings that cannot be reproduced', () => {
    const e = thrown(() => convertModelConfig(functional([
      input,
      layer('LSTM', 'lstm_a', { units: 4 }, [tensor('x')]),
      layer('LSTM', 'lstm_b', { units: 4 }, [tensor('lstm_a')]),
      { ...layer('MyBlock', 'mine', {}, [tensor('lstm_b')]), registered_name: 'my_pkg>MyBlock' },
      layer('Bidirectional', 'bi', {}, [tensor('mine')]),
      layer('Conv2D', 'grouped', { filters: 4, kernel_size: [3, 3], groups: 2 }, [tensor('bi')]),
      layer('BatchNormalization', 'out', { renorm: true }, [tensor('grouped')]),
    ]), { source: 'model.keras' }));
    expect(e.unsupportedClasses).toEqual(['LSTM', 'MyBlock', 'Bidirectional']);
    expect(e.message).toContain("model.keras: 3 Keras layer classes have no equivalent here: LSTM ('lstm_a', 'lstm_b'); MyBlock ('mine'); Bidirectional ('bi')");
    expect(e.message).toContain('registerClass');
    expect(e.message).toContain("layer 'grouped' (Conv2D): groups=2");
    expect(e.message).toContain("layer 'out' (BatchNormalization): renorm=true");
  });

  it('a custom layer is accepted under its Keras 3 registered name', () => {
    const cfg = functional([input, { ...layer('MyBlock', 'out', {}, [tensor('x')]), registered_name: 'my_pkg>MyBlock' }]);
    expect(() => convertModelConfig(cfg)).toThrow(/MyBlock/);
    expect(() => convertModelConfig(cfg, { isSupported: (c) => isSupportedLayerClass(c) || c === 'my_pkg>MyBlock' })).not.toThrow();
  });

  it('a tensor passed as a keyword argument cannot be expressed and is reported', () => {
    const l = layer('Dense', 'out', { units: 2 }, [tensor('x')]);
    (l.inbound_nodes[0] as { kwargs: unknown }).kwargs = { mask: tensor('x') };
    expect(() => convertModelConfig(functional([input, l]))).toThrow(/tensor keyword argument 'mask'/);
  });

  it('the top level must be a model', () => {
    expect(() => convertModelConfig({ class_name: 'Dense', config: {} }, { source: 'f.h5' })).toThrow(/f\.h5: the top-level class is Dense/);
    expect(() => convertModelConfig('nope')).toThrow(/not an object with a class_name/);
  });
});

describe('on the committed Keras files', () => {
  for (const name of MODELS) {
    it(`${name}: with this library's layer set, either it converts or the one error names exactly the missing classes`, async () => {
      const missing = [...new Set(reference(name).layers)].filter((c) => !isSupportedLayerClass(c) && !['Sequential', 'Functional'].includes(c));
      for (const suffix of ['.keras', '.h5', '.k2.h5']) {
        const p = kerasArtifacts(fixtureBytes(`${name}${suffix}`), { source: `${name}${suffix}` });
        if (missing.length === 0) {
          await expect(p).resolves.toBeTruthy();
        } else {
          const e = await p.then(() => undefined, (x: unknown) => x as KerasImportError);
          expect(e, `${name}${suffix} should fail on ${missing.join(', ')}`).toBeInstanceOf(KerasImportError);
          expect(e!.unsupportedClasses.sort()).toEqual(missing.sort());
          for (const c of missing) expect(e!.message).toContain(c);
        }
      }
    });

    it(`${name}.keras: no Keras 3 markers are left, and the Keras 2 .h5 topology is left as it is`, async () => {
      const a = await kerasArtifacts(fixtureBytes(`${name}.keras`), { isSupported: () => true });
      expect(JSON.stringify(a.modelTopology)).not.toMatch(/"(module|registered_name|build_config|compile_config|batch_shape|shared_object_id)"|DTypePolicy|__keras_tensor__/);
      expect(isKeras3Topology(a.modelTopology)).toBe(true); // keras_version 3.x
      expect(isKeras3Topology({ model_config: a.modelTopology.model_config })).toBe(false);
      const k2 = await openHdf5(fixtureBytes(`${name}.k2.h5`), `${name}.k2.h5`);
      const k2Topology = { keras_version: String(k2.attr('keras_version')), model_config: JSON.parse(String(k2.attr('model_config'))) };
      expect(k2Topology.keras_version).toMatch(/^2\./);
      expect(normalizeTopology(k2Topology)).toBe(k2Topology);
    });

    it(`${name}.keras: Keras's numbering of layer groups (the fallback when the vars group has no name) matches the file`, async () => {
      const { entries } = await unzipEntries(fixtureBytes(`${name}.keras`), ['model.weights.h5'], name);
      const root = await openHdf5(entries['model.weights.h5']!, name);
      const config = JSON.parse(new TextDecoder().decode((await unzipEntries(fixtureBytes(`${name}.keras`), ['config.json'], name)).entries['config.json']));
      const check = (group: typeof root, model: { class_name: string; config: { layers: { class_name: string; config: { name: string } }[] } }) => {
        const layers = model.class_name === 'Sequential' ? model.config.layers.filter((l) => l.class_name !== 'InputLayer') : model.config.layers;
        const keys = kerasV3LayerKeys(layers.map((l) => l.class_name));
        const layersGroup = group.group('layers');
        layers.forEach((l, i) => {
          const vars = layersGroup.group(`${keys[i]}/vars`);
          expect(vars.attr('name')).toBe(l.config.name);
          if (l.class_name === 'Sequential' || l.class_name === 'Functional') check(layersGroup.group(keys[i]!), l as never);
        });
      };
      check(root, config);
    });
  }

  it('the direct read of contiguous float32 datasets gives what jsfive\'s general path gives, for every dataset', async () => {
    let count = 0;
    const visit = (g: H5Group): void => {
      for (const k of g.keys) {
        const o = g.get(k)!;
        if (o.kind === 'group') visit(o);
        else if (o.shape.length > 0) {
          expect(o.read(), o.path).toEqual(o.read({ generic: true }));
          count++;
        }
      }
    };
    for (const name of MODELS) {
      visit(await openHdf5(fixtureBytes(`${name}.h5`), name));
      visit(await openHdf5(fixtureBytes(`${name}.k2.h5`), name));
      visit(await openHdf5((await unzipEntries(fixtureBytes(`${name}.keras`), ['model.weights.h5'], name)).entries['model.weights.h5']!, name));
    }
    expect(count).toBeGreaterThan(100);
  });

  it('CRC-32 (slicing by 8) against its check value and the bytewise definition', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytewise = (d: Uint8Array) => {
      let c = 0xffffffff;
      for (const x of d) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = fixtureBytes('misc.keras');
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 1003]) expect(crc32(data.subarray(5, 5 + n)), `n=${n}`).toBe(bytewise(data.subarray(5, 5 + n)));
  });

  it('Keras\'s snake case and the legacy weight names', () => {
    expect(['Conv2D', 'Conv2DTranspose', 'UpSampling2D', 'BatchNormalization', 'GlobalAveragePooling2D', 'ZeroPadding2D', 'Functional'].map(kerasSnakeCase))
      .toEqual(['conv2d', 'conv2d_transpose', 'up_sampling2d', 'batch_normalization', 'global_average_pooling2d', 'zero_padding2d', 'functional']);
    expect(kerasV3LayerKeys(['Conv2D', 'Dense', 'Conv2D', 'Conv2D'])).toEqual(['conv2d', 'dense', 'conv2d_1', 'conv2d_2']);
    expect(legacyWeightName('c', 'c/kernel:0')).toBe('c/kernel');
    expect(legacyWeightName('c', 'seq/c/kernel')).toBe('c/kernel');
    expect(legacyWeightName('c', 'bias')).toBe('c/bias');
  });

  it('weights come in TF.js order: every trainable weight first, then moving_mean/moving_variance', async () => {
    for (const suffix of ['.keras', '.h5', '.k2.h5']) {
      const a = await kerasArtifacts(fixtureBytes(`resnet_bn${suffix}`), { isSupported: () => true });
      const names = a.weightSpecs.map((w) => w.name);
      expect(names.slice(-4)).toEqual(['bn1/moving_mean', 'bn1/moving_variance', 'bn2/moving_mean', 'bn2/moving_variance']);
      expect(names.slice(0, 3)).toEqual(['c1/kernel', 'bn1/gamma', 'bn1/beta']);
      expect(names).not.toContain('bn2/beta'); // center=False
      expect(a.weightData.byteLength).toBe(a.weightSpecs.reduce((s, w) => s + 4 * w.shape.reduce((x, y) => x * y, 1), 0));
    }
  });
});
