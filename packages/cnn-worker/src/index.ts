/**
 * cnn-worker: the cnn-core WebAssembly module, its thread pool, and the
 * command executor, in the current thread (`loadCore`, `Executor`) or in a
 * worker (`spawnWorker`).
 */
export { Core, loadCore, type LoadOptions } from './core.js';
export { Executor } from './executor.js';
export { spawnWorker, type SpawnOptions, type WorkerClient } from './client.js';
export type { CoreInfo, Flavor } from './module.js';
export type { BatchError, BatchResult, CallCommand, Command, ExecutorStats, KernelArg, KernelName, OutputSpec, StatsOptions } from './protocol.js';
export { canUseThreads, hasRelaxedSimd, isNode } from './env.js';
export { setModuleImporter } from './glue.js';
export { encodeConv2d, type Conv2dSpec, type PadSpec } from './specs.js';
export { Binary, encodeParams, KERNEL_BUFFERS, OVERWRITES_OUTPUT, preparedFilterLength, Reduce, Unary, type KernelExports, type KernelParams, type ParamsOf } from './kernels.generated.js';
