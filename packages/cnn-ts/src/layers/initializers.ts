/** Weight initialisers with Keras' defaults and names (`glorotUniform` / `glorot_uniform`). */
import { fill } from '../ops/creation.js';
import { fromValues } from '../ops/creation.js';
import { generator, normalValues, uniformValues } from '../random.js';
import type { Tensor } from '../tensor.js';
import { sizeFromShape } from '../util.js';

export interface Initializer {
  /** Keras class name, for configs and errors. */
  readonly className: string;
  apply(shape: number[]): Tensor;
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
type Distribution = 'uniform' | 'truncatedNormal' | 'normal';

/** Keras VarianceScaling: the family behind glorot / he / lecun. */
export class VarianceScaling implements Initializer {
  readonly className: string;
  constructor(private readonly scale: number, private readonly mode: Mode, private readonly distribution: Distribution, private readonly seed?: number, name = 'VarianceScaling') {
    this.className = name;
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
}

class Constant implements Initializer {
  constructor(readonly className: string, private readonly value: number) {}
  apply(shape: number[]): Tensor {
    return fill(shape, this.value);
  }
}

class RandomNormal implements Initializer {
  readonly className = 'RandomNormal';
  constructor(private readonly mean = 0, private readonly stddev = 0.05, private readonly seed?: number, private readonly truncated = false) {}
  apply(shape: number[]): Tensor {
    return fromValues(normalValues(sizeFromShape(shape), this.mean, this.stddev, generator(this.seed), this.truncated), [...shape], 'float32');
  }
}

class RandomUniform implements Initializer {
  readonly className = 'RandomUniform';
  constructor(private readonly minval = -0.05, private readonly maxval = 0.05, private readonly seed?: number) {}
  apply(shape: number[]): Tensor {
    return fromValues(uniformValues(sizeFromShape(shape), this.minval, this.maxval, generator(this.seed)), [...shape], 'float32');
  }
}

/** Initialiser factories (TF.js `tf.initializers`). */
export const initializers = {
  glorotUniform: (a: { seed?: number } = {}) => new VarianceScaling(1, 'fanAvg', 'uniform', a.seed, 'GlorotUniform'),
  glorotNormal: (a: { seed?: number } = {}) => new VarianceScaling(1, 'fanAvg', 'truncatedNormal', a.seed, 'GlorotNormal'),
  heUniform: (a: { seed?: number } = {}) => new VarianceScaling(2, 'fanIn', 'uniform', a.seed, 'HeUniform'),
  heNormal: (a: { seed?: number } = {}) => new VarianceScaling(2, 'fanIn', 'truncatedNormal', a.seed, 'HeNormal'),
  leCunUniform: (a: { seed?: number } = {}) => new VarianceScaling(1, 'fanIn', 'uniform', a.seed, 'LeCunUniform'),
  leCunNormal: (a: { seed?: number } = {}) => new VarianceScaling(1, 'fanIn', 'truncatedNormal', a.seed, 'LeCunNormal'),
  zeros: () => new Constant('Zeros', 0),
  ones: () => new Constant('Ones', 1),
  constant: (a: { value: number }) => new Constant('Constant', a.value),
  randomNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => new RandomNormal(a.mean, a.stddev, a.seed),
  truncatedNormal: (a: { mean?: number; stddev?: number; seed?: number } = {}) => new RandomNormal(a.mean, a.stddev, a.seed, true),
  randomUniform: (a: { minval?: number; maxval?: number; seed?: number } = {}) => new RandomUniform(a.minval, a.maxval, a.seed),
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

/** An initialiser from a name (camelCase or Keras' snake_case) or an instance. */
export function getInitializer(init: InitializerName | Initializer | undefined, fallback: InitializerName, where: string): Initializer {
  if (init !== undefined && typeof init === 'object') return init;
  const name = init ?? fallback;
  const key = (SNAKE[name] ?? name) as keyof typeof initializers;
  const make = initializers[key];
  if (!make || key === 'constant') {
    throw new Error(`${where}: unknown initializer '${name}'; expected one of ${Object.keys(initializers).filter((k) => k !== 'constant').join(', ')}`);
  }
  return (make as () => Initializer)();
}
