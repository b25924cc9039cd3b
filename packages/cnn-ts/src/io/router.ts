/**
 * URL schemes -> IOHandlers (TF.js `io.getSaveHandlers` / `getLoadHandlers`),
 * and the model-store functions `copyModel`, `moveModel`, `listModels`,
 * `removeModel` for the schemes that keep a list (indexeddb://, localstorage://).
 */
import { browserDownloads, browserIndexedDB, browserLocalStorage, http, indexedDBManager, localStorageManager } from './handlers.js';
import { fileSystem } from './file.js';
import { isNode } from 'cnn-worker';
import type { IOHandler, LoadOptions, ModelArtifactsInfo } from './types.js';

const SCHEMES = 'file:// (Node), http(s)://, indexeddb://, localstorage://, downloads://';

function scheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  return m ? m[1].toLowerCase() : '';
}

function route(url: string, options: LoadOptions & { shardSizeBytes?: number }, forSave: boolean): IOHandler {
  if (typeof url !== 'string' || url.length === 0) throw new Error(`${forSave ? 'save' : 'loadLayersModel'}: expected a URL or an IOHandler, got ${JSON.stringify(url)}`);
  const s = scheme(url);
  const rest = url.slice(s.length + 3);
  switch (s) {
    case 'file':
      return fileSystem(url, options);
    case 'http':
    case 'https':
      return http(url, options);
    case 'localstorage':
      return browserLocalStorage(rest);
    case 'indexeddb':
      return browserIndexedDB(rest);
    case 'downloads':
      if (!forSave) throw new Error(`${url}: downloads:// can only save; to load files the user picked, use tf.io.browserFiles(files)`);
      return browserDownloads(rest || 'model');
    default:
      // As tfjs-layers: in a browser, a relative or absolute path is fetched over http.
      if (s === '' && !forSave && !isNode) return http(url, options);
      throw new Error(`${forSave ? 'save' : 'loadLayersModel'}: no handler for '${url}'; the URL must start with ${SCHEMES}${s === '' ? ` (a path on disk: 'file://${url}')` : ''}`);
  }
}

export function getSaveHandler(url: string, config: { shardSizeBytes?: number } = {}): IOHandler {
  return route(url, config, true);
}

export function getLoadHandler(url: string, options: LoadOptions = {}): IOHandler {
  return route(url, options, false);
}

/** TF.js `io.getSaveHandlers(url)`: the handlers for `url` (one here). */
export function getSaveHandlers(url: string): IOHandler[] {
  return [getSaveHandler(url)];
}

/** TF.js `io.getLoadHandlers(url, options)`. */
export function getLoadHandlers(url: string, options?: LoadOptions): IOHandler[] {
  return [getLoadHandler(url, options)];
}

function manager(url: string) {
  const s = scheme(url);
  if (s === 'localstorage') return { m: localStorageManager, path: url.slice(s.length + 3) };
  if (s === 'indexeddb') return { m: indexedDBManager, path: url.slice(s.length + 3) };
  throw new Error(`${url}: listing, copying and removing models works for indexeddb:// and localstorage:// only`);
}

/** `{url: info}` of the models in the browser's stores (TF.js `io.listModels`). */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  const out: Record<string, ModelArtifactsInfo> = {};
  for (const [s, m] of [['localstorage', localStorageManager], ['indexeddb', indexedDBManager]] as const) {
    let list: Record<string, ModelArtifactsInfo>;
    try {
      list = await m.listModels();
    } catch {
      continue; // store not available here
    }
    for (const [p, info] of Object.entries(list)) out[`${s}://${p}`] = info;
  }
  return out;
}

/** Removes a stored model (TF.js `io.removeModel`). */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const { m, path } = manager(url);
  return m.removeModel(path);
}

/** Copies a model between URLs of any schemes that load and save (TF.js `io.copyModel`). */
export async function copyModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo> {
  if (sourceURL === destURL) throw new Error(`copyModel: the source and destination are the same (${sourceURL})`);
  const src = getLoadHandler(sourceURL);
  const artifacts = await src.load!();
  const r = await getSaveHandler(destURL).save!(artifacts);
  return r.modelArtifactsInfo;
}

/** Moves a stored model (TF.js `io.moveModel`): copy, then remove the source. */
export async function moveModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo> {
  manager(sourceURL);
  const info = await copyModel(sourceURL, destURL);
  await removeModel(sourceURL);
  return info;
}
