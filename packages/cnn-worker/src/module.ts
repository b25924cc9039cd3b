/**
 * The exports of the wasm-bindgen glue (`wasm/<flavor>/cnn_core.js`) that
 * this package uses. Written out by hand so that the boundary is explicit
 * and the TypeScript build does not depend on the generated files.
 */
/**
 * A compiled `WebAssembly.Module`. Declared here, not through the global
 * `WebAssembly` namespace, so that this package's .d.ts files also check
 * under a Node-only tsconfig (no DOM lib, `skipLibCheck: false`).
 */
export type WasmModule = object;

/** The part of a `WebAssembly.Memory` this package uses (see {@link WasmModule}). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

export interface CoreModule {
  /** Async instantiation (browsers); resolves to the raw exports. */
  default(init: { module_or_path: WasmModule | URL | string; memory?: WasmMemory }): Promise<unknown>;
  /** Synchronous instantiation from a compiled module (Node, workers). */
  initSync(init: { module: WasmModule; memory?: WasmMemory }): unknown;
  buildInfo(): string;
  wasmMemory(): WasmMemory;
  bufferAlloc(len: number): number;
  bufferAllocDirty(len: number): number;
  bufferFree(handle: number): void;
  bufferPtr(handle: number): number;
  storeStats(): Uint32Array;
  numThreads(): number;
  threadTaskCounts(): Uint32Array;
  resetThreadTaskCounts(): void;
  matMul(a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  matMulScalar(a: number, b: number, c: number, m: number, n: number, k: number): void;
  conv2d(x: number, w: number, bias: number | undefined, y: number, relu: boolean, spec: Uint32Array): void;
  conv2dBackpropInput(dy: number, w: number, dx: number, spec: Uint32Array): void;
  conv2dBackpropFilter(x: number, dy: number, dw: number, spec: Uint32Array): void;
  biasGrad(dy: number, db: number, channels: number): void;
  // Depthwise convolution (spec: the 16-word conv spec with cout = c * multiplier) and resize (spec: 9 words, crates/cnn-core/src/wasm/api_arch.rs).
  depthwiseConv2d(x: number, w: number, bias: number | undefined, y: number, spec: Uint32Array): void;
  depthwiseConv2dBackpropInput(dy: number, w: number, dx: number, spec: Uint32Array): void;
  depthwiseConv2dBackpropFilter(x: number, dy: number, dw: number, spec: Uint32Array): void;
  resize2d(x: number, y: number, spec: Uint32Array): void;
  resize2dBackward(dy: number, dx: number, spec: Uint32Array): void;
  // Pooling (spec: 13 words, see crates/cnn-core/src/wasm/api_ops.rs).
  maxPool2d(x: number, y: number, spec: Uint32Array): void;
  maxPool2dBackward(x: number, dy: number, dx: number, spec: Uint32Array): void;
  avgPool2d(x: number, y: number, spec: Uint32Array): void;
  avgPool2dBackward(dy: number, dx: number, spec: Uint32Array): void;
  globalAvgPool(x: number, y: number, n: number, h: number, w: number, c: number): void;
  globalAvgPoolBackward(dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  globalMaxPool(x: number, y: number, n: number, h: number, w: number, c: number): void;
  globalMaxPoolBackward(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  // Element-wise.
  relu(x: number, y: number): void;
  reluBackward(x: number, dy: number, dx: number): void;
  add(a: number, b: number, y: number): void;
  biasAdd(x: number, bias: number, y: number, rows: number, c: number): void;
  scale(x: number, y: number, alpha: number): void;
  axpy(x: number, y: number, alpha: number): void;
  // Softmax and losses (losses return the batch mean).
  softmax(x: number, y: number, rows: number, classes: number): void;
  softmaxBackward(y: number, dy: number, dx: number, rows: number, classes: number): void;
  sparseSoftmaxCrossEntropy(logits: number, labels: number, probs: number, rows: number, classes: number): number;
  sparseSoftmaxCrossEntropyBackward(probs: number, labels: number, dlogits: number, rows: number, classes: number): void;
  categoricalCrossEntropy(probs: number, targets: number, rows: number, classes: number): number;
  categoricalCrossEntropyBackward(probs: number, targets: number, dprobs: number, rows: number, classes: number): void;
  sparseCategoricalCrossEntropy(probs: number, labels: number, rows: number, classes: number): number;
  sparseCategoricalCrossEntropyBackward(probs: number, labels: number, dprobs: number, rows: number, classes: number): void;
  // Batch normalisation (rows = n*h*w).
  batchNormTrain(x: number, gamma: number, beta: number, movingMean: number, movingVariance: number, y: number, mean: number, variance: number, rows: number, channels: number, momentum: number, epsilon: number): void;
  batchNormInference(x: number, gamma: number, beta: number, movingMean: number, movingVariance: number, y: number, rows: number, channels: number, epsilon: number): void;
  batchNormBackward(x: number, dy: number, gamma: number, mean: number, variance: number, dx: number, dgamma: number, dbeta: number, rows: number, channels: number, epsilon: number): void;
  // Optimizers (state updated in place).
  sgdUpdate(grad: number, param: number, velocity: number | undefined, lr: number, momentum: number, nesterov: boolean): void;
  adamUpdate(grad: number, param: number, m: number, v: number, step: number, lr: number, beta1: number, beta2: number, epsilon: number): void;
  rmspropUpdate(grad: number, param: number, ms: number, mom: number | undefined, lr: number, rho: number, momentum: number, epsilon: number): void;
  // Generic tensor kernels (crates/cnn-core/src/tensor).
  unary(x: number, y: number, op: number, alpha: number, beta: number): void;
  binary(a: number, b: number, y: number, op: number, shapes: Uint32Array): void;
  reduce(x: number, y: number, op: number, shape: Uint32Array, axes: Uint32Array): void;
  copyStrided(src: number, dst: number, spec: Int32Array): void;
  fill(y: number, value: number): void;
  oneHot(indices: number, y: number, depth: number, on: number, off: number): void;
  gather(x: number, indices: number, y: number, outer: number, axisLen: number, inner: number): void;
  scatterAdd(dy: number, indices: number, dx: number, outer: number, axisLen: number, inner: number): void;
  /** Threaded build only: wasm-bindgen-rayon's Web Worker pool (browsers). */
  initThreadPool?(threads: number): Promise<void>;
  /** Threaded build only: our worker_threads pool protocol (Node). */
  nodePoolWorkerStart?(): void;
  nodePoolBuild?(threads: number): void;
}

/** Which of the two wasm builds is loaded. */
export type Flavor = 'threaded' | 'single';

/**
 * Which SIMD instruction set the kernels use. `'strict'`: SIMD128 only,
 * results bit-identical on every machine. `'relaxed'`: the multiply-adds are
 * `f32x4.relaxed_madd` (fused on hardware with FMA: faster, results within
 * 1e-5 relative of the strict build, and may differ between machines).
 * `'auto'` (default): relaxed where the engine has it, else strict.
 */
export type SimdChoice = 'auto' | 'relaxed' | 'strict';

/** What `buildInfo()` reports, plus how the module was started. */
export interface CoreInfo {
  simd128: boolean;
  /** The relaxed-SIMD build (fused multiply-adds) is loaded. */
  relaxedSimd: boolean;
  threads: boolean;
  version: string;
  flavor: Flavor;
  /** Threads that run kernels (1: the calling thread only). */
  poolThreads: number;
}
