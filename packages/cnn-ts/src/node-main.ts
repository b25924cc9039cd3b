/**
 * The `import` entry on Node: everything of `cnn-ts`, with the core started
 * before the importing module runs, so TF.js programs that read data
 * synchronously (`dataSync()`, `arraySync()`) from their first line run
 * unchanged, as with tfjs-node. `require('cnn-ts')` gets dist/index.js
 * (no top-level await); there the core starts in the background.
 */
import { ENGINE } from './engine.js';

export * from './index.js';

// A core that cannot start is reported by the first op that needs it, not here.
await ENGINE.ready().catch(() => undefined);
