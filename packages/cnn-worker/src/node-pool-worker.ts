/** Entry point of one rayon pool thread in Node (see node-pool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { importGlue } from './glue.js';
import type { NodePoolWorkerData } from './node-pool.js';

const { glueUrl, module, memory } = workerData as NodePoolWorkerData;
const glue = await importGlue(glueUrl);
glue.initSync({ module, memory });
parentPort!.postMessage('ready');
// Blocks this thread in rayon's worker loop for the life of the pool.
glue.nodePoolWorkerStart!();
