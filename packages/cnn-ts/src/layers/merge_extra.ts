/**
 * Element-wise merge layers (tfjs-layers `merge`): Multiply, Average,
 * Maximum, Minimum, Subtract, with TF.js's broadcasting of the inputs'
 * shapes (as `computeElementwiseOpOutputShape`), and Dot.
 */
import { add, maximum, minimum, mul, sub, div } from '../ops/binary.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduction.js';
import { expandDims, squeeze } from '../ops/transform.js';
import { l2Normalize } from './util_extra.js';
import type { Tensor } from '../tensor.js';
import { Layer, fmtShapeN, type LayerArgs, type Shape } from './layer.js';

/** Broadcast of two shapes with unknown (null) dimensions, or an error naming the layer. */
export function broadcastNull(a: Shape, b: Shape, name: string): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (x === null || y === null) out.push(x === 1 ? y : y === 1 ? x : null);
    else if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else throw new Error(`Operands could not be broadcast together with shapes ${fmtShapeN(a)} ${fmtShapeN(b)} (layer ${name})`);
  }
  return out;
}

abstract class ElementwiseMerge extends Layer {
  protected abstract combine(xs: Tensor[]): Tensor;
  protected readonly minInputs: number = 2;
  protected readonly maxInputs: number = Infinity;
  private list(s: Shape | Shape[]): Shape[] {
    if (!(s.length > 0 && Array.isArray(s[0]))) throw new Error(`A merge layer should be called on an Array of inputs. Received: ${JSON.stringify(s)} (layer ${this.name})`);
    const l = s as Shape[];
    if (l.length < this.minInputs || l.length > this.maxInputs) {
      throw new Error(`${this.name}: expects ${this.minInputs === this.maxInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`} inputs, got ${l.length}`);
    }
    return l;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const l = this.list(inputShape);
    return l.slice(1).reduce((acc, s) => broadcastNull(acc, s, this.name), l[0]);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(xs.map((t) => [...t.shape]));
    return this.combine(xs);
  }
}

export class Multiply extends ElementwiseMerge {
  static readonly className = 'Multiply';
  readonly className = 'Multiply';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, x) => mul(a, x), xs[0]);
  }
}

export class Average extends ElementwiseMerge {
  static readonly className = 'Average';
  readonly className = 'Average';
  protected combine(xs: Tensor[]): Tensor {
    return div(xs.slice(1).reduce((a, x) => add(a, x), xs[0]), xs.length);
  }
}

export class Maximum extends ElementwiseMerge {
  static readonly className = 'Maximum';
  readonly className = 'Maximum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, x) => maximum(a, x), xs[0]);
  }
}

export class Minimum extends ElementwiseMerge {
  static readonly className = 'Minimum';
  readonly className = 'Minimum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((a, x) => minimum(a, x), xs[0]);
  }
}

export class Subtract extends ElementwiseMerge {
  static readonly className = 'Subtract';
  readonly className = 'Subtract';
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;
  protected combine(xs: Tensor[]): Tensor {
    return sub(xs[0], xs[1]);
  }
}

export interface DotLayerArgs extends LayerArgs {
  /** Axis (or one per input) to contract; negative counts from the end. */
  axes: number | [number, number];
  /** L2-normalise both inputs along the axes first (cosine similarity). */
  normalize?: boolean;
}

/**
 * Dot product of two batched inputs along `axes` (TF.js `tf.layers.dot`),
 * for rank-2 and rank-3 inputs: `[b, n] . [b, n] -> [b, 1]`,
 * `[b, m, n] . [b, n, k]` contracted on the given axes.
 */
export class Dot extends Layer {
  static readonly className = 'Dot';
  readonly className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: DotLayerArgs) {
    super(args);
    if (args.axes === undefined) throw new Error(`${this.name}: axes is required`);
    this.axes = args.axes;
    this.normalize = args.normalize ?? false;
  }
  private resolved(ranks: [number, number]): [number, number] {
    const ax = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    return ax.map((a, i) => (a < 0 ? a + ranks[i] : a)) as [number, number];
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShape as Shape[];
    if (!Array.isArray(a) || !Array.isArray(b)) throw new Error(`${this.name}: expects a list of 2 inputs`);
    const [x, y] = this.resolved([a.length, b.length]);
    if (a[x] !== null && b[y] !== null && a[x] !== b[y]) throw new Error(`Dimension incompatibility: ${a[x]} !== ${b[y]} (layer ${this.name}, shapes ${fmtShapeN(a)} and ${fmtShapeN(b)})`);
    const out = [...a.filter((_, i) => i !== x), ...b.filter((_, i) => i !== y && i !== 0)];
    return out.length === 1 ? [...out, 1] : out;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name}: expects a list of 2 tensors`);
    let [a, b] = inputs;
    this.computeOutputShape([[...a.shape], [...b.shape]]);
    const [x, y] = this.resolved([a.rank, b.rank]);
    if (this.normalize) {
      a = l2Normalize(a, x);
      b = l2Normalize(b, y);
    }
    if (a.rank === 2 && b.rank === 2) return sum(mul(a, b), 1, true);
    if (a.rank === 3 && b.rank === 3) {
      // [b, m, n] with n contracted: move the contracted axes to where matMul wants them.
      const out = matMul(a, b, x === 1, y === 2);
      return out;
    }
    if (a.rank === 2 && b.rank === 3) return squeeze(matMul(expandDims(a, 1), b, false, y === 2), [1]);
    if (a.rank === 3 && b.rank === 2) return squeeze(matMul(a, expandDims(b, 2), x === 1, false), [2]);
    throw new Error(`${this.name}: supports inputs of rank 2 and 3, got ${a.rank} and ${b.rank}`);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}
