/**
 * Every Node built-in this package uses, behind the `#node` subpath import
 * (package.json `imports`): Node and bundlers targeting Node get this file,
 * browser bundlers get `node-only.web.ts`, so no `node:` specifier and no
 * Node-only worker ever reaches a browser build (webpack 5 refuses `node:`
 * imports for the web; Vite would try to bundle node-pool-worker.js).
 */
export { Worker, parentPort } from 'node:worker_threads';
export { default as nodeEndpoint } from 'comlink/dist/esm/node-adapter.mjs';
export { readFileSync } from 'node:fs';
export { availableParallelism } from 'node:os';
export { setFlagsFromString } from 'node:v8';
export { startNodePool } from './node-pool.js';
