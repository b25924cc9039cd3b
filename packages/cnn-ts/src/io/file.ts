/**
 * `file://` in Node (as tfjs-node's `io.fileSystem`): model.json plus 4 MiB
 * shards `group1-shard1ofN.bin`. The Node modules are imported when a
 * handler runs, through computed specifiers, so browser bundles of the main
 * entry never pull in node:fs.
 */
import { isKerasFile, readKerasFile } from './normalize.js';
import { artifactsForJSON, artifactsInfo, modelJSONFor, parseModelJSON } from './handlers.js';
import { shardNames, shardRanges, slicesOf } from './weights.js';
import type { IOHandler, LoadOptions, ModelArtifacts, SaveConfig, SaveResult } from './types.js';

type FS = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function nodeModules(): Promise<{ fs: FS; path: Path }> {
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  try {
    const [fs, path] = await Promise.all([import(/* webpackIgnore: true */ /* @vite-ignore */ fsName) as Promise<FS>, import(/* webpackIgnore: true */ /* @vite-ignore */ pathName) as Promise<Path>]);
    return { fs, path };
  } catch {
    throw new Error('file://: needs Node.js (in browsers use http(s)://, indexeddb://, localstorage:// or tf.io.browserFiles)');
  }
}

/** `file:///abs/dir` or `file://rel/dir` -> a filesystem path. */
export function filePath(url: string): string {
  const p = url.replace(/^file:\/\//, '');
  if (p.length === 0) throw new Error(`${url}: the path is empty`);
  return decodeURIComponent(p);
}

async function statOf(fs: FS, p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

const SHARD = /^group\d+-shard\d+of\d+\.bin$/;

/** The Node file handler for `file://` URLs; `.keras` and `.h5` files go to the Keras reader. */
export function fileSystem(url: string, options: LoadOptions & Pick<SaveConfig, 'shardSizeBytes'> = {}): IOHandler {
  const target = filePath(url);
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const { fs, path } = await nodeModules();
      const toFile = target.endsWith('.json');
      const dir = toFile ? path.dirname(target) : target;
      const jsonPath = toFile ? target : path.join(dir, 'model.json');
      const st = await statOf(fs, dir);
      if (st && !st.isDirectory()) throw new Error(`${url}: ${dir} is a file; save needs a directory (model.json and its shards are written into it)`);
      await fs.mkdir(dir, { recursive: true });
      const parts = a.weightData === undefined ? [] : Array.isArray(a.weightData) ? a.weightData : [a.weightData];
      const ranges = shardRanges(parts.reduce((s, p) => s + p.byteLength, 0), options.shardSizeBytes);
      const names = shardNames(ranges.length);
      for (let i = 0; i < ranges.length; i++) {
        const fh = await fs.open(path.join(dir, names[i]), 'w');
        try {
          await fh.writev(slicesOf(parts, ranges[i][0], ranges[i][1]));
        } finally {
          await fh.close();
        }
      }
      // model.json last, atomically: a reader never sees it before its shards.
      const tmp = `${jsonPath}.tmp-${process.pid}`;
      await fs.writeFile(tmp, JSON.stringify(modelJSONFor(a, names)));
      await fs.rename(tmp, jsonPath);
      // Shards of an earlier, larger save of the same directory.
      const keep = new Set(names);
      for (const f of await fs.readdir(dir)) if (SHARD.test(f) && !keep.has(f)) await fs.rm(path.join(dir, f));
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
    async load(): Promise<ModelArtifacts> {
      const { fs, path } = await nodeModules();
      const st = await statOf(fs, target);
      if (!st) throw new Error(`${url}: ${target} does not exist`);
      if (isKerasFile(target) && !st.isDirectory()) return { ...(await readKerasFile(await fs.readFile(target), target)), source: target };
      if (st.isDirectory()) {
        const hint = (await statOf(fs, path.join(target, 'model.json'))) ? ` (did you mean file://${path.join(target, 'model.json')}?)` : '';
        throw new Error(`${url}: ${target} is a directory; loadLayersModel needs the model.json file${hint}`);
      }
      const text = await fs.readFile(target, 'utf8');
      const j = parseModelJSON(text, target);
      const dir = options.weightPathPrefix ? filePath(options.weightPathPrefix) : path.dirname(target);
      return artifactsForJSON(
        j,
        async (paths) => {
          // All shards read into one buffer: every weight is then a view of it (no copy per weight).
          const files = paths.map((p) => path.resolve(dir, p));
          const sizes: number[] = [];
          for (const p of files) {
            const s = await statOf(fs, p);
            if (!s) throw new Error(`${target}: weight file ${p} (listed in its weightsManifest) does not exist`);
            if (s.isDirectory()) throw new Error(`${target}: weight file ${p} (listed in its weightsManifest) is a directory`);
            sizes.push(s.size);
          }
          const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
          let o = 0;
          for (let i = 0; i < files.length; i++) {
            const fh = await fs.open(files[i], 'r');
            try {
              let got = 0;
              while (got < sizes[i]) {
                const { bytesRead } = await fh.read(all, o + got, sizes[i] - got, got);
                if (bytesRead === 0) throw new Error(`${target}: weight file ${files[i]} ended after ${got} of ${sizes[i]} bytes while being read`);
                got += bytesRead;
              }
            } finally {
              await fh.close();
            }
            o += sizes[i];
            options.onProgress?.((i + 1) / files.length);
          }
          return [all.buffer];
        },
        target,
      );
    },
  };
}
