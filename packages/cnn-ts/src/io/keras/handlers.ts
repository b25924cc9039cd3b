/**
 * `tf.io`-style load handlers for Keras files: `file://` paths in Node,
 * http(s) URLs (fetch, browsers and Node) and `File`s picked in a browser.
 * Each resolves to `ModelArtifacts` that `tf.loadLayersModel` takes.
 */
import { kerasArtifacts, type KerasArtifactsOptions } from './artifacts.js';
import { KerasImportError, describe } from './errors.js';
import type { LoadHandler } from './types.js';

/** True for a path or URL naming a Keras file (`.keras`, `.h5`, `.hdf5`; query and hash ignored). */
export function isKerasPath(url: string): boolean {
  return /\.(keras|h5|hdf5)$/i.test(url.replace(/[?#].*$/, ''));
}

const FILE_SCHEME = 'file://';

/** A Keras file by path (Node), or its bytes with a name for errors. */
export type KerasFileSource = string | { path: string } | { bytes: Uint8Array | ArrayBuffer; name: string };

/**
 * Loads a `.keras` or `.h5` file from the local file system (Node), or from
 * bytes already read. A path may be `file://path` as TF.js's Node handler
 * takes it (the prefix is stripped: `file:///abs/model.keras`,
 * `file://./rel/model.h5`) or a plain path.
 */
export function kerasFileHandler(source: KerasFileSource, opts: KerasArtifactsOptions = {}): LoadHandler {
  if (typeof source === 'object' && 'bytes' in source) {
    return { load: () => kerasArtifacts(source.bytes, { ...opts, source: opts.source ?? source.name }) };
  }
  const path = typeof source === 'string' ? source : source.path;
  const file = path.startsWith(FILE_SCHEME) ? path.slice(FILE_SCHEME.length) : path;
  return {
    async load() {
      const where = opts.source ?? file;
      // A computed specifier: browser bundlers must not pull node:fs into the main entry.
      const fsName = 'node:fs/promises';
      const fs = (await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
      let bytes: Uint8Array;
      try {
        const st = await fs.stat(file);
        if (st.isDirectory()) {
          throw new KerasImportError(where, 'is a directory, expected a .keras or .h5 file (a TF.js model directory loads from its model.json)');
        }
        bytes = await fs.readFile(file);
      } catch (e) {
        if (e instanceof KerasImportError) throw e;
        const code = (e as { code?: string }).code;
        throw new KerasImportError(where, code === 'ENOENT' ? 'no such file' : `cannot be read (${describe(e)})`, { cause: e });
      }
      return kerasArtifacts(bytes, { ...opts, source: where });
    },
  };
}

export interface KerasHttpOptions extends KerasArtifactsOptions {
  /** Passed to fetch (headers, credentials, an AbortSignal for a timeout). */
  requestInit?: RequestInit;
  /** A fetch to use instead of the global one. */
  fetchFunc?: typeof fetch;
}

/** Loads a `.keras` or `.h5` file from an http(s) URL with fetch. */
export function kerasHttpHandler(url: string, opts: KerasHttpOptions = {}): LoadHandler {
  return {
    async load() {
      const source = opts.source ?? url;
      const f = opts.fetchFunc ?? globalThis.fetch;
      if (typeof f !== 'function') throw new KerasImportError(source, 'no fetch in this environment; pass fetchFunc');
      let res: Response;
      try {
        res = await f(url, opts.requestInit);
      } catch (e) {
        throw new KerasImportError(source, `request failed (${describe(e)})`, { cause: e });
      }
      if (!res.ok) throw new KerasImportError(source, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
      return kerasArtifacts(await res.arrayBuffer(), { ...opts, source });
    },
  };
}

/**
 * Loads a `.keras` or `.h5` file a user picked (`<input type=file>`,
 * drag and drop): the Keras counterpart of `tf.io.browserFiles([file])`.
 */
export function kerasBrowserFiles(files: readonly Blob[], opts: KerasArtifactsOptions = {}): LoadHandler {
  return {
    async load() {
      const names = files.map((f) => (f as File).name ?? '(blob)');
      if (files.length !== 1) {
        throw new KerasImportError(names.join(', ') || '(no files)', `a Keras model is one .keras or .h5 file; got ${files.length} files`);
      }
      return kerasArtifacts(files[0]!, { ...opts, source: opts.source ?? names[0] });
    },
  };
}

/**
 * The handler for a Keras file URL, or null when the URL is not one (for a
 * `tf.io` router): `file://` (Node) and http(s)/relative URLs ending in
 * `.keras`, `.h5` or `.hdf5`.
 */
export function kerasRouter(url: string | string[], opts: KerasHttpOptions = {}): LoadHandler | null {
  if (Array.isArray(url) || typeof url !== 'string' || !isKerasPath(url)) return null;
  if (url.startsWith(FILE_SCHEME)) return kerasFileHandler(url, opts);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^https?:\/\//i.test(url)) return null; // indexeddb:// and the like
  return kerasHttpHandler(url, opts);
}
