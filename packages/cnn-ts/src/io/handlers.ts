/**
 * IOHandlers with tfjs-core's names: `withSaveHandler`, `fromMemory`,
 * `http`, `browserFiles`, `browserDownloads`, and the browser stores
 * (`localstorage://`, `indexeddb://`, laid out as TF.js lays them out, so
 * models TF.js saved there load here and back).
 */
import { splitWeights } from './weights.js';
import { isKerasFile, readKerasFile } from './normalize.js';
import { shardNames, shardRanges } from './weights.js';
import type { IOHandler, LoadOptions, ModelArtifacts, ModelArtifactsInfo, ModelJSON, SaveHandler, SaveResult, TrainingConfig, WeightsManifestEntry } from './types.js';

/** Sizes of the artifacts (TF.js `getModelArtifactsInfoForJSON`). */
export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  const data = a.weightData;
  const bytes = data === undefined ? 0 : Array.isArray(data) ? data.reduce((s, b) => s + b.byteLength, 0) : data.byteLength;
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology === undefined ? 0 : utf8Length(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs === undefined ? 0 : utf8Length(JSON.stringify(a.weightSpecs)),
    weightDataBytes: bytes,
  };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}

/** model.json for artifacts whose weights are in `paths` (TF.js `getModelJSONForModelArtifacts`). */
export function modelJSONFor(a: ModelArtifacts, paths: string[]): ModelJSON {
  const j: ModelJSON = {
    modelTopology: a.modelTopology as Record<string, unknown>,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths, weights: a.weightSpecs ?? [] }],
  };
  if (a.trainingConfig) j.trainingConfig = a.trainingConfig;
  if (a.signature) j.signature = a.signature;
  if (a.userDefinedMetadata) j.userDefinedMetadata = a.userDefinedMetadata;
  if (a.modelInitializer) j.modelInitializer = a.modelInitializer;
  return j;
}

/** Parses model.json text, naming the file and what is wrong. */
export function parseModelJSON(text: string, where: string): ModelJSON {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${text.length === 0 ? 'the file is empty' : (e as Error).message}); a model.json written by model.save or tensorflowjs_converter was expected`);
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new Error(`${where}: expected a JSON object with modelTopology and weightsManifest, got ${Array.isArray(j) ? 'an array' : typeof j}`);
  const m = j as ModelJSON;
  if (m.modelTopology === undefined || m.modelTopology === null) throw new Error(`${where}: the JSON has no modelTopology (is this a model.json?)`);
  if (m.weightsManifest !== undefined && !Array.isArray(m.weightsManifest)) throw new Error(`${where}: weightsManifest must be a list of {paths, weights} groups`);
  for (const g of m.weightsManifest ?? []) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new Error(`${where}: every weightsManifest group needs paths and weights lists, got ${JSON.stringify(g).slice(0, 120)}`);
  }
  return m;
}

/** Artifacts from a model.json and a function that fetches each weight file (TF.js `getModelArtifactsForJSON`). */
export async function artifactsForJSON(j: ModelJSON, loadWeights: (paths: string[]) => Promise<ArrayBuffer[]>, where: string): Promise<ModelArtifacts> {
  const a: ModelArtifacts = {
    modelTopology: j.modelTopology,
    format: j.format,
    generatedBy: j.generatedBy,
    convertedBy: j.convertedBy,
    source: where,
  };
  if (j.trainingConfig) a.trainingConfig = j.trainingConfig as TrainingConfig;
  if (j.userDefinedMetadata) a.userDefinedMetadata = j.userDefinedMetadata;
  if (j.signature) a.signature = j.signature;
  if (j.weightsManifest) {
    const specs: WeightsManifestEntry[] = [];
    const paths: string[] = [];
    for (const g of j.weightsManifest) {
      specs.push(...g.weights);
      paths.push(...g.paths);
    }
    a.weightSpecs = specs;
    a.weightData = await loadWeights(paths);
  }
  return a;
}

/** A handler that passes the artifacts to `save` (TF.js `io.withSaveHandler`). */
export function withSaveHandler(save: SaveHandler): IOHandler {
  return { save };
}

/** A handler that loads artifacts held in memory (TF.js `io.fromMemory`). */
export function fromMemory(modelArtifacts: ModelArtifacts | Record<string, unknown>, weightSpecs?: WeightsManifestEntry[], weightData?: ArrayBuffer, trainingConfig?: TrainingConfig): IOHandler {
  const a = modelArtifacts as ModelArtifacts;
  const isArtifacts = weightSpecs === undefined && (a.modelTopology !== undefined || a.weightSpecs !== undefined);
  const artifacts: ModelArtifacts = isArtifacts ? { ...a } : { modelTopology: modelArtifacts as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { load: async () => ({ ...artifacts, source: artifacts.source ?? 'fromMemory' }) };
}

function fetchOf(o: LoadOptions | undefined): typeof fetch {
  const f = o?.fetchFunc ?? (globalThis.fetch as typeof fetch | undefined);
  if (!f) throw new Error('http: no fetch function (give options.fetchFunc)');
  return f;
}

async function fetchOk(f: typeof fetch, url: string, init: RequestInit | undefined): Promise<Response> {
  let r: Response;
  try {
    r = await f(url, init);
  } catch (e) {
    throw new Error(`${url}: request failed: ${(e as Error).message}`);
  }
  if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText || 'error'}`);
  return r;
}

/** Splits `http://host/dir/model.json?x` into its directory prefix and file. */
function urlPrefix(url: string): string {
  const q = url.search(/[?#]/);
  const base = q < 0 ? url : url.slice(0, q);
  return base.slice(0, base.lastIndexOf('/') + 1);
}

/**
 * Loads over http(s) (model.json, then each shard, streamed one at a
 * time), or saves by POSTing a multipart form with `model.json` and
 * `model.weights.bin` (TF.js `io.http`).
 */
export function http(path: string, options: LoadOptions & { method?: string } = {}): IOHandler {
  return {
    async load() {
      const f = fetchOf(options);
      const r = await fetchOk(f, path, options.requestInit);
      if (isKerasFile(path)) return { ...(await readKerasFile(new Uint8Array(await r.arrayBuffer()), path)), source: path };
      const j = parseModelJSON(await r.text(), path);
      const prefix = options.weightPathPrefix ?? urlPrefix(path);
      return artifactsForJSON(
        j,
        async (paths) => {
          const out: ArrayBuffer[] = [];
          for (let i = 0; i < paths.length; i++) {
            const url = options.weightUrlConverter ? await options.weightUrlConverter(paths[i]) : prefix + paths[i].replace(/^\.\//, '');
            out.push(await (await fetchOk(f, url, options.requestInit)).arrayBuffer());
            options.onProgress?.((i + 1) / paths.length);
          }
          return out;
        },
        path,
      );
    },
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const f = fetchOf(options);
      const form = new FormData();
      const weightsName = 'model.weights.bin';
      form.append('model.json', new Blob([JSON.stringify(modelJSONFor(a, [`./${weightsName}`]))], { type: 'application/json' }), 'model.json');
      if (a.weightData) form.append(weightsName, new Blob(Array.isArray(a.weightData) ? a.weightData : [a.weightData], { type: 'application/octet-stream' }), weightsName);
      const r = await fetchOk(f, path, { method: options.method ?? 'POST', body: form, ...options.requestInit });
      return { modelArtifactsInfo: artifactsInfo(a), responses: [r] };
    },
  };
}

/** Starts a browser download of each file (an anchor with a blob URL). */
function download(name: string, parts: BlobPart[], type: string): void {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) throw new Error(`downloads://: needs a browser (document is not defined); in Node use file://`);
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = doc.createElement('a');
  a.download = name;
  a.href = url;
  a.dispatchEvent(new MouseEvent('click'));
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Saves as browser downloads `name.json` and `name.weights.bin` (TF.js `io.browserDownloads`). */
export function browserDownloads(fileNamePrefix = 'model'): IOHandler {
  return {
    async save(a) {
      const weightsName = `${fileNamePrefix}.weights.bin`;
      download(`${fileNamePrefix}.json`, [JSON.stringify(modelJSONFor(a, [`./${weightsName}`]))], 'application/json');
      if (a.weightData) download(weightsName, Array.isArray(a.weightData) ? a.weightData : [a.weightData], 'application/octet-stream');
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
  };
}

/**
 * Loads from user-selected files (an `<input type=file multiple>`): the
 * model.json first, then its weight files in any order (TF.js
 * `io.browserFiles`). A single `.keras` or `.h5` file goes to the Keras reader.
 */
export function browserFiles(files: File[]): IOHandler {
  return {
    async load() {
      if (!Array.isArray(files) || files.length === 0) throw new Error('browserFiles: expected a list of files (model.json and its weight files)');
      const [jsonFile, ...rest] = files;
      if (isKerasFile(jsonFile.name)) return { ...(await readKerasFile(new Uint8Array(await jsonFile.arrayBuffer()), jsonFile.name)), source: jsonFile.name };
      const j = parseModelJSON(await jsonFile.text(), jsonFile.name);
      const byName = new Map(rest.map((f) => [f.name, f]));
      return artifactsForJSON(
        j,
        async (paths) => {
          const out: ArrayBuffer[] = [];
          for (const p of paths) {
            const base = p.slice(p.lastIndexOf('/') + 1);
            const f = byName.get(base);
            if (!f) throw new Error(`${jsonFile.name}: weight file ${base} is listed in the manifest but was not among the selected files (${rest.map((x) => x.name).join(', ') || 'none'})`);
            out.push(await f.arrayBuffer());
          }
          return out;
        },
        jsonFile.name,
      );
    },
  };
}

// ------------------------------------------------------------ browser stores

const PATH_SEP = '/';
const LS_PREFIX = 'tensorflowjs_models';

/** base64 of bytes, in chunks (localStorage holds strings). */
function toBase64(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): ArrayBuffer {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function storage(): Storage {
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (!ls) throw new Error('localstorage://: window.localStorage is not available here (browsers only)');
  return ls;
}

function lsKeys(path: string) {
  const root = [LS_PREFIX, path].join(PATH_SEP);
  return { info: `${root}/info`, topology: `${root}/model_topology`, weightSpecs: `${root}/weight_specs`, weightData: `${root}/weight_data`, metadata: `${root}/model_metadata` };
}

function joinData(d: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (d === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(d)) return d;
  const out = new Uint8Array(d.reduce((s, b) => s + b.byteLength, 0));
  let o = 0;
  for (const b of d) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
}

/** `localstorage://name` (TF.js `io.browserLocalStorage`, same keys). */
export function browserLocalStorage(path: string): IOHandler {
  if (!path) throw new Error('localstorage://: the model path must not be empty');
  const k = lsKeys(path);
  return {
    async save(a) {
      const ls = storage();
      const info = artifactsInfo(a);
      const data = joinData(a.weightData);
      const metadata = { format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, trainingConfig: a.trainingConfig, userDefinedMetadata: a.userDefinedMetadata };
      try {
        ls.setItem(k.info, JSON.stringify(info));
        ls.setItem(k.topology, JSON.stringify(a.modelTopology));
        ls.setItem(k.weightSpecs, JSON.stringify(a.weightSpecs ?? []));
        ls.setItem(k.weightData, toBase64(data));
        ls.setItem(k.metadata, JSON.stringify(metadata));
      } catch (e) {
        for (const key of Object.values(k)) ls.removeItem(key);
        throw new Error(`localstorage://${path}: saving failed (${(e as Error).message}); localStorage holds about 5 MB: use indexeddb:// for larger models`);
      }
      return { modelArtifactsInfo: info };
    },
    async load() {
      const ls = storage();
      const where = `localstorage://${path}`;
      const info = ls.getItem(k.info);
      if (info === null) throw new Error(`${where}: no model is stored under this path`);
      const topo = ls.getItem(k.topology);
      if (topo === null) throw new Error(`${where}: the stored model has no topology`);
      const parse = (s: string, what: string) => {
        try {
          return JSON.parse(s);
        } catch (e) {
          throw new Error(`${where}: the stored ${what} is not valid JSON (${(e as Error).message})`);
        }
      };
      const meta = (ls.getItem(k.metadata) ? parse(ls.getItem(k.metadata)!, 'metadata') : {}) as Record<string, unknown>;
      const specs = parse(ls.getItem(k.weightSpecs) ?? '[]', 'weight specs') as WeightsManifestEntry[];
      const data = fromBase64(ls.getItem(k.weightData) ?? '');
      splitWeights(data, specs, where);
      return { modelTopology: parse(topo, 'topology'), weightSpecs: specs, weightData: data, format: meta.format as string, generatedBy: meta.generatedBy as string, convertedBy: meta.convertedBy as string | null, trainingConfig: meta.trainingConfig as TrainingConfig | undefined, source: where };
    },
  };
}

/** The paths of the models in localStorage, with their info. */
export const localStorageManager = {
  async listModels(): Promise<Record<string, ModelArtifactsInfo>> {
    const ls = storage();
    const out: Record<string, ModelArtifactsInfo> = {};
    const head = `${LS_PREFIX}/`;
    for (let i = 0; i < ls.length; i++) {
      const key = ls.key(i)!;
      if (key.startsWith(head) && key.endsWith('/info')) out[key.slice(head.length, -'/info'.length)] = JSON.parse(ls.getItem(key)!);
    }
    return out;
  },
  async removeModel(path: string): Promise<ModelArtifactsInfo> {
    const ls = storage();
    const k = lsKeys(path);
    const info = ls.getItem(k.info);
    if (info === null) throw new Error(`localstorage://${path}: cannot remove, no model is stored under this path`);
    for (const key of Object.values(k)) ls.removeItem(key);
    return JSON.parse(info) as ModelArtifactsInfo;
  },
};

const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

function openDB(): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return Promise.reject(new Error('indexeddb://: IndexedDB is not available here (browsers only)'));
  return new Promise((resolve, reject) => {
    const req = idb.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODEL_STORE)) db.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`indexeddb://: cannot open the database: ${req.error?.message}`));
  });
}

function done<T>(req: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${what}: ${req.error?.message}`));
  });
}

/** `indexeddb://name` (TF.js `io.browserIndexedDB`, same database and stores). */
export function browserIndexedDB(path: string): IOHandler {
  if (!path) throw new Error('indexeddb://: the model path must not be empty');
  const where = `indexeddb://${path}`;
  return {
    async save(a) {
      const db = await openDB();
      try {
        const info = artifactsInfo(a);
        const stored: ModelArtifacts = { ...a, weightData: joinData(a.weightData) };
        const tx = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
        await done(tx.objectStore(INFO_STORE).put({ modelPath: path, modelArtifactsInfo: info }), where);
        await done(tx.objectStore(MODEL_STORE).put({ modelPath: path, modelArtifacts: stored }), where);
        return { modelArtifactsInfo: info };
      } finally {
        db.close();
      }
    },
    async load() {
      const db = await openDB();
      try {
        const r = (await done(db.transaction(MODEL_STORE, 'readonly').objectStore(MODEL_STORE).get(path), where)) as { modelArtifacts: ModelArtifacts } | undefined;
        if (!r) throw new Error(`${where}: no model is stored under this path`);
        return { ...r.modelArtifacts, source: where };
      } finally {
        db.close();
      }
    },
  };
}

export const indexedDBManager = {
  async listModels(): Promise<Record<string, ModelArtifactsInfo>> {
    const db = await openDB();
    try {
      const all = (await done(db.transaction(INFO_STORE, 'readonly').objectStore(INFO_STORE).getAll(), 'indexeddb://')) as { modelPath: string; modelArtifactsInfo: ModelArtifactsInfo }[];
      return Object.fromEntries(all.map((r) => [r.modelPath, r.modelArtifactsInfo]));
    } finally {
      db.close();
    }
  },
  async removeModel(path: string): Promise<ModelArtifactsInfo> {
    const db = await openDB();
    try {
      const tx = db.transaction([INFO_STORE, MODEL_STORE], 'readwrite');
      const r = (await done(tx.objectStore(INFO_STORE).get(path), `indexeddb://${path}`)) as { modelArtifactsInfo: ModelArtifactsInfo } | undefined;
      if (!r) throw new Error(`indexeddb://${path}: cannot remove, no model is stored under this path`);
      await done(tx.objectStore(INFO_STORE).delete(path), `indexeddb://${path}`);
      await done(tx.objectStore(MODEL_STORE).delete(path), `indexeddb://${path}`);
      return r.modelArtifactsInfo;
    } finally {
      db.close();
    }
  },
};

export { shardNames, shardRanges };
