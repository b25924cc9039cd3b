/**
 * What browser builds get for `#node` (see node-only.ts): the same names,
 * each throwing if it is ever reached (only code behind `isNode` uses them).
 */
function nodeOnly(name: string): never {
  throw new Error(`cnn-worker: ${name} is Node-only, but this is a browser build`);
}
export const workerThreads = (): never => nodeOnly('workerThreads');
export const nodeEndpoint = (): never => nodeOnly('nodeEndpoint');
export const readFileSync = (): never => nodeOnly('readFileSync');
export const availableParallelism = (): never => nodeOnly('availableParallelism');
export const cpuQuota = (): never => nodeOnly('cpuQuota');
export const setFlagsFromString = (): never => nodeOnly('setFlagsFromString');
export const startNodePool = (): never => nodeOnly('startNodePool');
