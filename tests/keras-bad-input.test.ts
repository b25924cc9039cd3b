// Bad Keras files: every failure is a KerasImportError that names the file
// and what is wrong, within a second, never a hang.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { KerasImportError, kerasArtifacts, kerasBrowserFiles, kerasFileHandler, kerasHttpHandler, kerasRouter } from '../packages/cnn-ts/src/io/keras/index.js';
import { FIXTURES, fixtureBytes } from './keras-fixtures.js';
import { rng } from './support/random.js';

const anyLayer = { isSupported: () => true };

/** Runs a load that must fail: returns the error after checking its type, its file name and the time it took. */
async function failure(load: () => Promise<unknown>, source: string, pattern: RegExp): Promise<KerasImportError> {
  const t0 = performance.now();
  const e = await load().then(() => undefined, (x: unknown) => x);
  const ms = performance.now() - t0;
  expect(e, `expected ${source} to fail with ${pattern}`).toBeInstanceOf(KerasImportError);
  const err = e as KerasImportError;
  expect(err.message.startsWith(`${source}`), err.message).toBe(true);
  expect(err.message).toMatch(pattern);
  expect(ms).toBeLessThan(1000);
  return err;
}

const load = (bytes: Uint8Array, source: string) => () => kerasArtifacts(bytes, { ...anyLayer, source });

/** A .keras file with its entries replaced (stored, like Keras writes them). */
function rezip(entries: Record<string, Uint8Array>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 0 }]])));
}

describe('corrupt and truncated .keras files', () => {
  const good = fixtureBytes('seq_cnn.keras');

  it('a destroyed central directory', async () => {
    const b = good.slice();
    b.fill(0, b.length - 22); // the end-of-central-directory record
    await failure(load(b, 'seq_cnn.keras'), 'seq_cnn.keras', /not a readable zip archive/);
  });

  it('a damaged byte inside the stored weights (caught by the CRC-32)', async () => {
    const b = good.slice();
    b[Math.floor(b.length * 0.6)] ^= 0xff;
    await failure(load(b, 'seq_cnn.keras'), 'seq_cnn.keras', /CRC-32|not a readable zip|corrupt/);
  });

  for (const keep of [10, 0.5, -1]) {
    it(`truncated to ${keep < 0 ? 'all but the last byte' : keep < 1 ? 'half' : `${keep} bytes`}`, async () => {
      const n = keep < 0 ? good.length - 1 : keep < 1 ? Math.floor(good.length * keep) : keep;
      await failure(load(good.subarray(0, n), 'seq_cnn.keras'), 'seq_cnn.keras', /zip|truncated|cut short/);
    });
  }

  it('config.json that is not JSON names the entry', async () => {
    const entries = unzipSync(good);
    entries['config.json'] = strToU8('{"class_name": "Sequential", "config": {');
    await failure(load(rezip(entries), 'm.keras'), 'm.keras', /^m\.keras\/config\.json: invalid JSON/);
  });

  it('a zip that is not a Keras file lists what it holds', async () => {
    await failure(load(rezip({ 'notes.txt': strToU8('hello') }), 'other.zip'), 'other.zip', /has no config\.json; its entries are notes\.txt/);
  });

  it('no model.weights.h5', async () => {
    const entries = unzipSync(good);
    delete entries['model.weights.h5'];
    await failure(load(rezip(entries), 'm.keras'), 'm.keras', /has no model\.weights\.h5; its entries are metadata\.json, config\.json/);
  });

  it('model.weights.h5 that is not HDF5', async () => {
    const entries = unzipSync(good);
    entries['model.weights.h5'] = strToU8('not hdf5 at all');
    await failure(load(rezip(entries), 'm.keras'), 'm.keras/model.weights.h5', /HDF5/);
  });

  it('a config that disagrees with the weights names the layer and both counts', async () => {
    const entries = unzipSync(good);
    const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
    config.config.layers[1].config.use_bias = false; // conv_a
    entries['config.json'] = strToU8(JSON.stringify(config));
    await failure(load(rezip(entries), 'm.keras'), 'm.keras/model.weights.h5', /layer 'conv_a' \(Conv2D\): 2 variables in \/layers\/conv2d\/vars, expected 1 \(kernel\)/);
  });
});

describe('corrupt and truncated .h5 files', () => {
  for (const file of ['seq_cnn.h5', 'resnet_bn.k2.h5']) {
    const good = fixtureBytes(file);
    for (const keep of [100, 0.5, -1]) {
      it(`${file} truncated to ${keep < 0 ? 'all but the last byte' : keep < 1 ? 'half' : `${keep} bytes`}`, async () => {
        const n = keep < 0 ? good.length - 1 : keep < 1 ? Math.floor(good.length * keep) : keep;
        await failure(load(good.subarray(0, n), file), file, /truncated/);
      });
    }
    it(`${file} with its root object header overwritten`, async () => {
      const b = good.slice();
      b.fill(0xa5, 96, 800);
      await failure(load(b, file), file, /HDF5|model_config|corrupt/);
    });
  }
});

describe('an HDF5 file without an architecture', () => {
  it('a weights-only file (model.save_weights) says so', async () => {
    await failure(load(fixtureBytes('seq_cnn.weights.h5'), 'seq_cnn.weights.h5'), 'seq_cnn.weights.h5', /has no model_config attribute: a weights-only file \(model\.save_weights\) has no architecture/);
  });
});

describe('random damage never hangs and never throws anything but a KerasImportError', () => {
  it('300 random truncations and byte changes of .keras and .h5 files, each under a second', async () => {
    // Fixed seed; KERAS_FUZZ_SEED=n tries another set of damages.
    const next = rng(Number(process.env.KERAS_FUZZ_SEED ?? 2026));
    const files = ['seq_cnn.keras', 'nested.keras', 'seq_cnn.h5', 'resnet_bn.h5', 'misc.k2.h5'];
    let loaded = 0;
    for (let trial = 0; trial < 300; trial++) {
      const file = files[trial % files.length]!;
      const b = fixtureBytes(file);
      let bytes: Uint8Array;
      if (trial % 4 === 0) {
        bytes = b.subarray(0, Math.floor(next() * b.length));
      } else {
        for (let k = 1 + Math.floor(next() * 8); k > 0; k--) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
        bytes = b;
      }
      const t0 = performance.now();
      const e = await kerasArtifacts(bytes, { ...anyLayer, source: file }).then(() => undefined, (x: unknown) => x);
      expect(performance.now() - t0, `${file} trial ${trial}`).toBeLessThan(1000);
      if (e === undefined) {
        loaded++;
        expect(trial % 4, `${file} trial ${trial}: a truncated file loaded`).not.toBe(0);
        if (file.endsWith('.keras')) {
          // Every byte that matters is under a CRC-32: what loads is what the undamaged file holds
          // (the change hit a header field such as a timestamp). HDF5 records no checksums.
          const got = await kerasArtifacts(bytes, anyLayer);
          const want = await kerasArtifacts(fixtureBytes(file), anyLayer);
          expect(got.modelTopology).toEqual(want.modelTopology);
          expect(new Uint8Array(got.weightData)).toEqual(new Uint8Array(want.weightData));
        }
      } else {
        expect(e, `${file} trial ${trial}: ${String(e)}`).toBeInstanceOf(KerasImportError);
        expect((e as Error).message.startsWith(file)).toBe(true);
      }
    }
    expect(loaded).toBeLessThan(300);
  });
});

describe('not a Keras file at all', () => {
  it('empty (the file name may be given as the second argument)', async () => {
    await failure(() => kerasArtifacts(new Uint8Array(0), 'empty.keras'), 'empty.keras', /is empty/);
  });

  it('a TF.js model.json gets a pointer to the right loader', async () => {
    await failure(load(fixtureBytes('seq_cnn.tfjs/model.json'), 'model.json'), 'model.json', /neither a Keras 3 \.keras file \(zip\) nor an HDF5 \.h5 file \(it starts with 7b 22.*model\.json/);
  });

  it('not bytes', async () => {
    await failure(() => kerasArtifacts('model.keras' as never, { source: 'x' }), 'x', /expected the bytes/);
  });
});

describe('handlers', () => {
  it('file://: a directory, a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keras-'));
    try {
      await failure(() => kerasFileHandler(`file://${dir}`).load(), dir, /is a directory, expected a \.keras or \.h5 file/);
      const missing = join(dir, 'nope.keras');
      await failure(() => kerasFileHandler(`file://${missing}`).load(), missing, /no such file/);
      const junk = join(dir, 'junk.h5');
      writeFileSync(junk, 'junk');
      await failure(() => kerasFileHandler(junk).load(), junk, /neither/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('http: a failed status and a failed request name the URL', async () => {
    const notFound = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    await failure(() => kerasHttpHandler('https://example.test/m.keras', { fetchFunc: notFound }).load(), 'https://example.test/m.keras', /HTTP 404 Not Found/);
    const down = (async () => { throw new TypeError('fetch failed'); }) as typeof fetch;
    await failure(() => kerasHttpHandler('https://example.test/m.h5', { fetchFunc: down }).load(), 'https://example.test/m.h5', /request failed \(fetch failed\)/);
  });

  it('http and browser files: the bytes of a good file load', async () => {
    const bytes = fixtureBytes('misc.keras');
    const ok = (async () => new Response(bytes)) as typeof fetch;
    const viaHttp = await kerasHttpHandler('/models/misc.keras', { ...anyLayer, fetchFunc: ok }).load();
    const viaFile = await kerasBrowserFiles([new File([bytes], 'misc.keras')], anyLayer).load();
    const viaBytes = await kerasFileHandler({ bytes, name: 'misc.keras' }, anyLayer).load();
    expect(viaHttp.weightSpecs).toEqual(viaFile.weightSpecs);
    expect(new Uint8Array(viaHttp.weightData)).toEqual(new Uint8Array(viaFile.weightData));
    expect(new Uint8Array(viaBytes.weightData)).toEqual(new Uint8Array(viaFile.weightData));
  });

  it('browser files: exactly one file', async () => {
    await failure(() => kerasBrowserFiles([]).load(), '(no files)', /one \.keras or \.h5 file; got 0/);
    const f = new File([fixtureBytes('misc.keras')], 'a.keras');
    await failure(() => kerasBrowserFiles([f, f]).load(), 'a.keras, a.keras', /got 2 files/);
    const bad = new File([new Uint8Array([1, 2, 3])], 'picked.h5');
    await failure(() => kerasBrowserFiles([bad]).load(), 'picked.h5', /neither/);
  });

  it('the router takes Keras file URLs only', () => {
    expect(kerasRouter(`file://${join(FIXTURES, 'misc.keras')}`)).not.toBeNull();
    expect(kerasRouter('https://x.test/m.h5?v=2')).not.toBeNull();
    expect(kerasRouter('models/m.HDF5')).not.toBeNull();
    expect(kerasRouter('https://x.test/model.json')).toBeNull();
    expect(kerasRouter('indexeddb://m.keras')).toBeNull();
    expect(kerasRouter(['a.keras'])).toBeNull();
  });
});
