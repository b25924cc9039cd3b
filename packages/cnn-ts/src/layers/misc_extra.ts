/**
 * More tfjs-layers layers: Permute, RepeatVector, Embedding,
 * GlobalAveragePooling1D / GlobalMaxPooling1D, GaussianNoise,
 * GaussianDropout, LayerNormalization. Names, defaults and configs as
 * tfjs-layers 4.22.
 */
import { add, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { fromValues } from '../ops/creation.js';
import { max, mean } from '../ops/reduction.js';
import { gather, reshape, tile, expandDims, transpose } from '../ops/transform.js';
import { rsqrt, square } from '../ops/unary.js';
import { generator, normalValues, uniformValues } from '../random.js';
import { dropout } from '../ops/nn.js';
import type { Tensor, Variable } from '../tensor.js';
import { sizeFromShape } from '../util.js';
import { serializeInitializer } from './initializers.js';
import type { InitializerIdentifier } from './initializers.js';
import { one, oneShape } from './core.js';
import { Layer, fmtShapeN, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import type { ConstraintIdentifier } from './constraints.js';
import type { RegularizerIdentifier } from './regularizers.js';


export interface PermuteLayerArgs extends LayerArgs {
  /** Permutation of the non-batch axes, 1-based (`[2, 1]` swaps the two). */
  dims: number[];
}

export class Permute extends Layer {
  static readonly className = 'Permute';
  readonly className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteLayerArgs) {
    super(args);
    if (!Array.isArray(args.dims)) throw new Error('Permute constructor requires dims to be an Array.');
    const sorted = [...args.dims].sort((a, b) => a - b);
    if (!sorted.every((d, i) => d === i + 1)) throw new Error(`Invalid permutation \`dims\`: ${JSON.stringify(args.dims)} \`dims\` must contain consecutive integers starting from 1.`);
    this.dims = [...args.dims];
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const x = oneShape(s, this.name);
    if (x.length !== this.dims.length + 1) throw new Error(`${this.name}: dims ${JSON.stringify(this.dims)} need inputs of rank ${this.dims.length + 1}, got ${fmtShapeN(x)}`);
    return [x[0], ...this.dims.map((d) => x[d])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(one(inputs, this.name), [0, ...this.dims]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

export interface RepeatVectorLayerArgs extends LayerArgs {
  n: number;
}

/** `[batch, features]` to `[batch, n, features]`. */
export class RepeatVector extends Layer {
  static readonly className = 'RepeatVector';
  readonly className = 'RepeatVector';
  readonly n: number;
  constructor(args: RepeatVectorLayerArgs) {
    super(args);
    if (!Number.isInteger(args.n) || args.n < 1) throw new Error(`${this.name}: n must be a positive integer, got ${args.n}`);
    this.n = args.n;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const x = oneShape(s, this.name);
    if (x.length !== 2) throw new Error(`${this.name}: expects inputs of rank 2 ([batch, features]), got ${fmtShapeN(x)}`);
    return [x[0], this.n, x[1]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    this.computeOutputShape([...x.shape]);
    return tile(expandDims(x, 1), [1, this.n, 1]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

export interface EmbeddingLayerArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  /** Default 'randomUniform' (tfjs-layers). */
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  /** Projection of the table after each training step. */
  embeddingsConstraint?: ConstraintIdentifier | null;
  /** Index 0 is padding (masking is accepted for config compatibility). */
  maskZero?: boolean;
  inputLength?: number | number[];
}

/** Integer ids `[batch, ...]` to vectors `[batch, ..., outputDim]` (trainable lookup table). */
export class Embedding extends Layer {
  static readonly className = 'Embedding';
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerIdentifier;
  readonly maskZero: boolean;
  readonly inputLength: number | number[] | undefined;
  embeddings: Variable | undefined;
  constructor(args: EmbeddingLayerArgs) {
    // An inputLength gives the layer its input shape, as tfjs-layers.
    const withShape = args.inputShape === undefined && args.batchInputShape === undefined && args.inputLength !== undefined ? { ...args, inputShape: ([] as number[]).concat(args.inputLength) } : args;
    super(withShape);
    for (const k of ['inputDim', 'outputDim'] as const) if (!Number.isInteger(args[k]) || args[k] < 1) throw new Error(`${this.name}: ${k} must be a positive integer, got ${args[k]}`);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.embeddingsInitializer = args.embeddingsInitializer ?? 'randomUniform';
    this.maskZero = args.maskZero ?? false;
    this.inputLength = args.inputLength;
  }
  override build(inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer);
    super.build(inputShape);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return [...oneShape(s, this.name), this.outputDim];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const ids = cast(x, 'int32');
    return reshape(gather(this.embeddings!, reshape(ids, [ids.size])), [...x.shape, this.outputDim]);
  }
  override getConfig(): Record<string, unknown> {
    return {
      // tfjs-layers writes null for the ones not set.
      embeddingsRegularizer: null,
      activityRegularizer: null,
      embeddingsConstraint: null,
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer, this.name),
      maskZero: this.maskZero,
      inputLength: this.inputLength ?? null,
    };
  }
}

class GlobalPooling1D extends Layer {
  readonly className: string = 'GlobalPooling1D';
  protected reduce(x: Tensor): Tensor {
    return x;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const x = oneShape(s, this.name);
    if (x.length !== 3) throw new Error(`${this.name}: expects inputs of rank 3 ([batch, steps, features]), got ${fmtShapeN(x)}`);
    return [x[0], x[2]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    this.computeOutputShape([...x.shape]);
    return this.reduce(x);
  }
}

/** Mean over the steps of `[batch, steps, features]`. */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalAveragePooling1D';
  override readonly className = 'GlobalAveragePooling1D';
  protected override reduce(x: Tensor): Tensor {
    return mean(x, 1);
  }
}

/** Maximum over the steps of `[batch, steps, features]`. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static readonly className = 'GlobalMaxPooling1D';
  override readonly className = 'GlobalMaxPooling1D';
  protected override reduce(x: Tensor): Tensor {
    return max(x, 1);
  }
}

function noise(shape: number[], mean: number, std: number): Tensor {
  return fromValues(normalValues(sizeFromShape(shape), mean, std, generator()), shape, 'float32');
}

export interface GaussianNoiseArgs extends LayerArgs {
  stddev: number;
}

/** Adds N(0, stddev) noise while training; identity at inference. */
export class GaussianNoise extends Layer {
  static readonly className = 'GaussianNoise';
  readonly className = 'GaussianNoise';
  readonly stddev: number;
  constructor(args: GaussianNoiseArgs) {
    super(args);
    if (!(args.stddev >= 0)) throw new Error(`${this.name}: stddev must be >= 0, got ${args.stddev}`);
    this.stddev = args.stddev;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    return kwargs.training ? add(x, noise([...x.shape], 0, this.stddev)) : x;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

export interface GaussianDropoutArgs extends LayerArgs {
  rate: number;
}

/** Multiplies by N(1, rate / (1 - rate)) noise while training; identity at inference. */
export class GaussianDropout extends Layer {
  static readonly className = 'GaussianDropout';
  readonly className = 'GaussianDropout';
  readonly rate: number;
  constructor(args: GaussianDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    if (!kwargs.training || this.rate === 0) return x;
    return mul(x, noise([...x.shape], 1, Math.sqrt(this.rate / (1 - this.rate))));
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  /** Axis or axes to normalise over (default -1). */
  axis?: number | number[];
  /** Default 1e-3 (tfjs-layers). */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

/** `(x - mean) / sqrt(var + eps) * gamma + beta` over `axis`, per sample (TF.js `tf.layers.layerNormalization`). */
export class LayerNormalization extends Layer {
  static readonly className = 'LayerNormalization';
  readonly className = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerIdentifier;
  readonly gammaInitializer: InitializerIdentifier;
  gamma: Variable | undefined;
  beta: Variable | undefined;
  private axes: number[] = [];
  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    this.axes = list.map((a) => (a < 0 ? a + s.length : a));
    for (const a of this.axes) if (!(a >= 1 && a < s.length) || s[a] === null) throw new Error(`${this.name}: invalid axis ${a} for input shape ${fmtShapeN(s)}`);
    const paramShape = this.axes.map((a) => s[a] as number);
    if (this.scale) this.gamma = this.addWeight('gamma', paramShape, this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', paramShape, this.betaInitializer);
    super.build(inputShape);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const m = mean(x, this.axes, true);
    const v = mean(square(sub(x, m)), this.axes, true);
    let y = mul(sub(x, m), rsqrt(add(v, this.epsilon)));
    // Parameters broadcast along the normalised axes (which must be the trailing ones or be reshaped).
    const bshape = x.shape.map((d, i) => (this.axes.includes(i) ? d : 1));
    if (this.gamma) y = mul(y, reshape(this.gamma, bshape));
    if (this.beta) y = add(y, reshape(this.beta, bshape));
    return y;
  }
  override getConfig(): Record<string, unknown> {
    return {
      betaRegularizer: null,
      gammaRegularizer: null,
      ...super.getConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer, this.name),
      gammaInitializer: serializeInitializer(this.gammaInitializer, this.name),
    };
  }
}


export interface SpatialDropout1DArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

/** Drops whole channels of `[batch, steps, channels]` while training (noise shape `[batch, 1, channels]`). */
export class SpatialDropout1D extends Layer {
  static readonly className = 'SpatialDropout1D';
  readonly className = 'SpatialDropout1D';
  readonly rate: number;
  readonly seed: number | undefined;
  constructor(args: SpatialDropout1DArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 3) throw new Error(`${this.name}: expects [batch, steps, channels], got [${x.shape.join(',')}]`);
    return kwargs.training && this.rate > 0 ? dropout(x, this.rate, [x.shape[0], 1, x.shape[2]], this.seed) : x;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, ...(this.seed !== undefined ? { seed: this.seed } : {}) };
  }
}

export interface AlphaDropoutArgs extends LayerArgs {
  rate: number;
  noiseShape?: number[];
}

/**
 * Dropout that keeps SELU's self-normalisation (Keras `AlphaDropout`):
 * dropped values become `-alpha * scale`, then an affine map restores the
 * mean and variance. Identity at inference.
 */
export class AlphaDropout extends Layer {
  static readonly className = 'AlphaDropout';
  readonly className = 'AlphaDropout';
  readonly rate: number;
  readonly noiseShape: number[] | undefined;
  constructor(args: AlphaDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.noiseShape = args.noiseShape;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    if (!kwargs.training || this.rate === 0) return x;
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const shape = this.noiseShape ?? [...x.shape];
    const u = uniformValues(sizeFromShape(shape), 0, 1, generator());
    for (let i = 0; i < u.length; i++) u[i] = u[i] >= this.rate ? 1 : 0;
    const kept = fromValues(u, shape, 'float32');
    const a = ((1 - this.rate) * (1 + this.rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * this.rate;
    return add(mul(add(mul(x, kept), mul(sub(1, kept), alphaP)), a), b);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, ...(this.noiseShape ? { noiseShape: this.noiseShape } : {}) };
  }
}
