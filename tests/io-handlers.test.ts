// The other IOHandlers: http(s) load from a real local server (model.json
// then the shards, with requestInit and onProgress) and save as TF.js
// posts it; localstorage:// with TF.js's keys and the model-store
// functions; fromMemory / withSaveHandler; and the browser bundle of the
// main entry does not import node:fs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as tf from 'cnn-ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
let dir: string;
let server: Server;
let base: string;
const seen: { url: string; auth?: string }[] = [];
let posted: { type?: string; body: Buffer } | undefined;

beforeAll(async () => {
  await tf.ready({ threads: 2 });
  dir = mkdtempSync(join(tmpdir(), 'cnn-ts-http-'));
  server = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        posted = { type: req.headers['content-type'], body: Buffer.concat(chunks) };
        res.end('ok');
      });
      return;
    }
    try {
      res.end(readFileSync(join(dir, decodeURIComponent(req.url!.replace(/\?.*/, '')))));
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as any).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function model(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ units: 600, inputShape: [1800], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
}

describe('http(s)://', () => {
  it('loads model.json and its shards with requestInit, reporting progress', async () => {
    const m = model();
    await m.save(`file://${join(dir, 'm')}`);
    const progress: number[] = [];
    const back = await tf.loadLayersModel(`${base}/m/model.json`, { requestInit: { headers: { authorization: 'Bearer t' } }, onProgress: (f) => progress.push(f) });
    expect(seen.filter((s) => s.url.startsWith('/m/')).map((s) => s.url)).toEqual(['/m/model.json', '/m/group1-shard1of2.bin', '/m/group1-shard2of2.bin']);
    expect(seen.every((s) => s.auth === 'Bearer t')).toBe(true);
    expect(progress).toEqual([0.5, 1]);
    const x = tf.ones([1, 1800]);
    expect(Array.from(await back.predict(x).data())).toEqual(Array.from(await m.predict(x).data()));
    // weightPathPrefix: the shards live elsewhere.
    await expect(tf.loadLayersModel(`${base}/m/model.json`, { weightPathPrefix: `${base}/elsewhere/` })).rejects.toThrow(/elsewhere\/group1-shard1of2\.bin: 404/);
    tf.dispose([m, back, x] as any);
  });

  it('a missing model.json is an error naming the URL', async () => {
    await expect(tf.loadLayersModel(`${base}/nothing/model.json`)).rejects.toThrow(`${base}/nothing/model.json: 404`);
  });

  it('saves as TF.js does: a multipart POST of model.json and model.weights.bin', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const r = await m.save(tf.io.http(`${base}/upload`));
    expect(r.responses?.[0].ok).toBe(true);
    expect(posted?.type).toMatch(/^multipart\/form-data; boundary=/);
    const body = posted!.body.toString('latin1');
    expect(body).toContain('filename="model.json"');
    expect(body).toContain('filename="model.weights.bin"');
    expect(body).toContain('"paths":["./model.weights.bin"]');
    m.dispose();
  });
});

describe('localstorage:// and the model store', () => {
  it('saves with TF.js keys, lists, copies, loads and removes', async () => {
    const store = new Map<string, string>();
    (globalThis as any).localStorage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, String(v)),
      removeItem: (k: string) => void store.delete(k),
      key: (i: number) => [...store.keys()][i] ?? null,
      get length() {
        return store.size;
      },
    };
    try {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      await m.save('localstorage://demo');
      expect([...store.keys()].sort()).toEqual(['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((k) => `tensorflowjs_models/demo/${k}`));
      expect(Object.keys(await tf.io.listModels())).toEqual(['localstorage://demo']);
      await tf.io.copyModel('localstorage://demo', 'localstorage://copy');
      const back = await tf.loadLayersModel('localstorage://copy');
      expect(Array.from(await back.getWeights()[0].data())).toEqual(Array.from(await m.getWeights()[0].data()));
      await tf.io.removeModel('localstorage://demo');
      expect(Object.keys(await tf.io.listModels())).toEqual(['localstorage://copy']);
      await expect(tf.loadLayersModel('localstorage://demo')).rejects.toThrow('localstorage://demo: no model is stored under this path');
      await expect(tf.io.removeModel('file:///tmp/x')).rejects.toThrow(/indexeddb:\/\/ and localstorage:\/\/ only/);
      tf.dispose([m, back] as any);
    } finally {
      delete (globalThis as any).localStorage;
    }
  });

  it('in Node the browser-only schemes say so', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(m.save('indexeddb://x')).rejects.toThrow(/IndexedDB is not available here/);
    await expect(m.save('downloads://x')).rejects.toThrow(/needs a browser/);
    await expect(tf.loadLayersModel('downloads://x')).rejects.toThrow(/can only save; .* tf.io.browserFiles/);
    m.dispose();
  });
});

describe('fromMemory / withSaveHandler', () => {
  it('round-trips the artifacts; a graph model is refused by name', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    let art: tf.io.ModelArtifacts | undefined;
    const r = await m.save(tf.io.withSaveHandler(async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(r.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    const back = await tf.loadLayersModel(tf.io.fromMemory(art!));
    expect(back.countParams()).toBe(8);
    await expect(tf.loadLayersModel(tf.io.fromMemory({ ...art!, format: 'graph-model' }))).rejects.toThrow(/format is 'graph-model'; expected 'layers-model'/);
    tf.dispose([m, back] as any);
  });
});

describe('the browser bundle', () => {
  it('of the main entry imports no node: module statically', async () => {
    const entry = fileURLToPath(new URL('../packages/cnn-ts/dist/index.js', import.meta.url));
    const r = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, external: ['node:*'], logLevel: 'silent' });
    const nodeImports = Object.entries(r.metafile!.inputs).flatMap(([file, i]) => i.imports.filter((im) => im.path.startsWith('node:')).map((im) => ({ file, path: im.path, kind: im.kind })));
    // None static; none at all from cnn-ts itself (file:// loads node:fs through a computed specifier).
    expect(nodeImports.filter((i) => i.kind !== 'dynamic-import')).toEqual([]);
    expect(nodeImports.filter((i) => i.file.includes('packages/cnn-ts/'))).toEqual([]);
    expect(Object.keys(r.metafile!.inputs).some((f) => f.endsWith('io/file.js'))).toBe(true);
  });
});
