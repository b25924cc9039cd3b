/** Weight initialisers with Keras' defaults and names (`glorotUniform` / `glorot_uniform`). */
import { fill } from '../ops/creation.js';
import { fromValues } from '../ops/creation.js';
import { generator, normalValues, uniformValues } from '../random.js';
import type { Tensor } from '../tensor.js';
import { sizeFromShape } from '../util.js';
import { deserializeObject, registerClass, Serializable, type ConfigDict, type SerializableConstructor } from '../serialization.js';

export interface Initializer {
  /** Keras class name, for configs and errors. */
  readonly className: string;
  apply(shape: number[]): Tensor;
  /** The constructor arguments (serialisable initialisers). */
  getConfig?(): ConfigDict;
}

/** What an `...Initializer` argument accepts: a name, an instance or a serialised `{className, config}`. */
export type InitializerIdentifier = InitializerName | Initializer | InitializerConfig;

/** A serialised initialiser, as in a model's JSON: `{className: 'GlorotUniform', config: {seed: null}}`. */
export interface InitializerConfig {
  className: string;
  config?: ConfigDict;
}

/** Keras' fan computation: receptive field times in/out channels (HWIO). */
export function fans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeFromShape(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

type Mode = 'fanIn' | 'fanOut' | 'fanAvg';
/** 'truncatedNormal' ('normal' in TF.js and Keras 1 configs) or 'untruncatedNormal' or 'uniform'. */
type Distribution = 'uniform' | 'truncatedNormal' | 'untruncatedNormal';

/** Base of the initialisers: a registered, serialisable class (TF.js `Initializer`). */
export abstract class InitializerBase extends Serializable implements Initializer {
  get className(): string {
    return this.getClassName();
  }
  abstract apply(shape: number[]): Tensor;
  abstract override getConfig(): ConfigDict;
}

function seedOf(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Keras VarianceScaling: the family behind glorot / he / lecun. */
export class VarianceScaling extends InitializerBase {
  static readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: Mode;
  readonly distribution: Distribution;
  readonly seed: number | undefined;
  constructor(args: { scale?: number; mode?: string; distribution?: string; seed?: number | null } = {}) {
    super();
    this.scale = args.scale ?? 1;
    if (!(this.scale > 0)) throw new Error(`VarianceScaling: scale must be positive, got ${args.scale}`);
    const mode = (args.mode ?? 'fanIn').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (mode !== 'fanIn' && mode !== 'fanOut' && mode !== 'fanAvg') throw new Error(`VarianceScaling: unknown mode '${args.mode}'; expected fanIn, fanOut or fanAvg`);
    this.mode = mode;
    const dist = (args.distribution ?? 'truncatedNormal').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (dist === 'normal' || dist === 'truncatedNormal') this.distribution = 'truncatedNormal';
    else if (dist === 'untruncatedNormal' || dist === 'uniform') this.distribution = dist;
    else throw new Error(`VarianceScaling: unknown distribution '${args.distribution}'; expected uniform, truncatedNormal or untruncatedNormal`);
    this.seed = seedOf(args.seed);
  }
  apply(shape: number[]): Tensor {
    const [fanIn, fanOut] = fans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.scale / Math.max(1, n);
    const rng = generator(this.seed);
    const size = sizeFromShape(shape);
    let v: Float32Array;
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      v = uniformValues(size, -limit, limit, rng);
    } else if (this.distribution === 'truncatedNormal') {
      // Keras: stddev of the truncated normal corrected by .87962566103423978.
      v = normalValues(size, 0, Math.sqrt(s) / 0.8796256610342398, rng, true);
    } else {
      v = normalValues(size, 0, Math.sqrt(s), rng);
    }
    return fromValues(v, [...shape], 'float32');
  }
  getConfig(): ConfigDict {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

/** The named members of the VarianceScaling family; their config is the seed alone (Keras). */
function preset(name: string, scale: number, mode: Mode, distribution: Distribution) {
  return class extends VarianceScaling {
    static override readonly className: string = name;
    constructor(args: { seed?: number | null } = {}) {
      super({ scale, mode, distribution, seed: args.seed });
    }
    override getConfig(): ConfigDict {
      return { seed: this.seed ?? null };
    }
  };
}
export const GlorotUniform = preset('GlorotUniform', 1, 'fanAvg', 'uniform');
export const GlorotNormal = preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal');
export const HeUniform = preset('HeUniform', 2, 'fanIn', 'uniform');
export const HeNormal = preset('HeNormal', 2, 'fanIn', 'truncatedNormal');
export const LeCunUniform = preset('LeCunUniform', 1, 'fanIn', 'uniform');
export const LeCunNormal = preset('LeCunNormal', 1, 'fanIn', 'truncatedNormal');

export class Constant extends InitializerBase {
  static readonly className: string = 'Constant';
  readonly value: number;
  constructor(args: { value: number }) {
    super();
    if (typeof args?.value !== 'number') throw new Error(`Constant: value must be a number, got ${args?.value}`);
    this.value = args.value;
  }
  apply(shape: number[]): Tensor {
    return fill(shape, this.value);
  }
  getConfig(): ConfigDict {
    return { value: this.value };
  }
}

export class Zeros extends InitializerBase {
  static readonly className = 'Zeros';
  apply(shape: number[]): Tensor {
    return fill(shape, 0);
  }
  getConfig(): ConfigDict {
    return {};
  }
}

export class Ones extends InitializerBase {
  static readonly className = 'Ones';
  apply(shape: number[]): Tensor {
    return fill(shape, 1);
  }
  getConfig(): ConfigDict {
    return {};
  }
}

export class RandomNormal extends InitializerBase {
  static readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  protected readonly truncated: boolean = false;
  constructor(args: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super();
    this.mean = args.mean ?? 0;
    this.stddev = args.stddev ?? 0.05;
    this.seed = seedOf(args.seed);
  }
  apply(shape: number[]): Tensor {
    return fromValues(normalValues(sizeFromShape(shape), this.mean, this.stddev, generator(this.seed), this.truncated), [...shape], 'float32');
  }
  getConfig(): ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

export class TruncatedNormal extends RandomNormal {
  static override readonly className = 'TruncatedNormal';
  protected override readonly truncated = true;
}

export class RandomUniform extends InitializerBase {
  static readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;
  constructor(args: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    super();
    this.minval = args.minval ?? -0.05;
    this.maxval = args.maxval ?? 0.05;
    this.seed = seedOf(args.seed);
  }
  apply(shape: number[]): Tensor {
    return fromValues(uniformValues(sizeFromShape(shape), this.minval, this.maxval, generator(this.seed)), [...shape], 'float32');
  }
  getConfig(): ConfigDict {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

for (const cls of [VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunUniform, LeCunNormal, Constant, Zeros, Ones, RandomNormal, TruncatedNormal, RandomUniform]) {
  registerClass(cls as unknown as SerializableConstructor<InitializerBase>);
}

/** Initialiser factories (TF.js `tf.initializers`). */
export const initializers = {
  glorotUniform: (a: { seed?: number } = {}) => new GlorotUniform(a),
  glorotNormal: (a: { seed?: number } = {}) => new GlorotNormal(a),
  heUniform: (a: { seed?: number } = {}) => new HeUniform(a),
  heNormal: (a: { seed?: number } = {}) => new HeNormal(a),
  leCunUniform: (a: { seed?: number } = {}) => new LeCunUniform(a),
  leCunNormal: (a: { seed?: number } = {}) => new LeCunNormal(a),
  varianceScaling: (a: { scale?: number; mode?: Mode; distribution?: Distribution; seed?: number } = {}) => new VarianceScaling(a),
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: (a: { value: number }) => new Constant(a),
  randomNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => new RandomNormal(a),
  truncatedNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => new TruncatedNormal(a),
  randomUniform: (a: { minval?: number; maxval?: number; seed?: number } = {}) => new RandomUniform(a),
};

export type InitializerName = keyof typeof initializers | 'glorot_uniform' | 'glorot_normal' | 'he_uniform' | 'he_normal' | 'lecun_uniform' | 'lecun_normal' | 'random_normal' | 'truncated_normal' | 'random_uniform';

const SNAKE: Record<string, keyof typeof initializers> = {
  glorot_uniform: 'glorotUniform',
  glorot_normal: 'glorotNormal',
  he_uniform: 'heUniform',
  he_normal: 'heNormal',
  lecun_uniform: 'leCunUniform',
  lecun_normal: 'leCunNormal',
  random_normal: 'randomNormal',
  truncated_normal: 'truncatedNormal',
  random_uniform: 'randomUniform',
};

const NEEDS_ARGS = new Set(['constant', 'varianceScaling']);

/** Resolves an initialiser given as a name (camelCase or Keras' snake_case), a `{className, config}` object or an instance. */
export function getInitializer(init: InitializerIdentifier | undefined, fallback: InitializerName, where: string): Initializer {
  if (init !== undefined && init !== null && typeof init === 'object') {
    if (typeof (init as Initializer).apply === 'function') return init as Initializer;
    const c = init as InitializerConfig;
    if (typeof c.className !== 'string') throw new Error(`${where}: an initializer config needs a className, got ${JSON.stringify(init)}`);
    return deserializeObject<InitializerBase>({ className: c.className, config: c.config ?? {} }, 'initializer');
  }
  const name = init ?? fallback;
  const n = name as string;
  const key = (SNAKE[n] ?? (n === 'lecunUniform' ? 'leCunUniform' : n === 'lecunNormal' ? 'leCunNormal' : n)) as keyof typeof initializers;
  const make = initializers[key];
  if (!make || NEEDS_ARGS.has(key)) {
    throw new Error(`${where}: unknown initializer '${name}'; expected one of ${Object.keys(initializers).filter((k) => !NEEDS_ARGS.has(k)).join(', ')}`);
  }
  return (make as () => Initializer)();
}

/** `{className, config}` for an initialiser (TF.js `serializeInitializer`); a name is resolved first. */
export function serializeInitializer(init: InitializerIdentifier, where: string): InitializerConfig {
  const i = getInitializer(init, 'glorotUniform', where);
  if (typeof i.getConfig !== 'function') throw new Error(`${where}: initializer ${i.className} cannot be serialised (it has no getConfig)`);
  return { className: i.className, config: i.getConfig() };
}
