/**
 * The `import` entry on Node: everything of `cnn-ts`, with the core started
 * before the importing module runs, so TF.js programs that read data
 * synchronously (`dataSync()`, `arraySync()`) from their first line run
 * unchanged, as with tfjs-node. The package is ESM-only: from CommonJS,
 * `await import('cnn-ts')` (a `require` would meet the top-level await).
 */
import { ENGINE } from './engine.js';

export * from './index.js';

// A core that cannot start is reported by the first op that needs it, not here.
// Not its thread pool's threads: ops run on one thread until they are up.
await ENGINE.started().catch(() => undefined);
