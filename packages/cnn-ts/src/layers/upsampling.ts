/** UpSampling2D and Cropping2D (Keras / TF.js names, NHWC). */
import { resize2d } from '../ops/resize.js';
import { slice } from '../ops/transform.js';
import type { Tensor } from '../tensor.js';
import { Layer, fmtShapeN, isChannelsFirst, type DataFormat, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';

function nhwcShape(inputShape: Shape | Shape[], name: string): Shape {
  const s = oneShape(inputShape, name);
  if (s.length !== 4) throw new Error(`Input 0 of layer ${name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${s.length} (shape ${fmtShapeN(s)})`);
  return s;
}


export interface UpSampling2DLayerArgs extends LayerArgs {
  /** Factors for rows and columns (a number for both; default [2, 2]). */
  size?: number | [number, number];
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
  /** 'nearest' (default) or 'bilinear' (TF.js's `resizeBilinear` without half-pixel centres, as tfjs-layers). */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Repeats rows and columns `size` times (Keras `UpSampling2D`), nearest or
 * bilinear, with its gradient; runs the core's `resize2d` kernel.
 * @example tf.layers.upSampling2d({size: 2, interpolation: 'bilinear'})
 */
export class UpSampling2D extends Layer {
  static readonly className = 'UpSampling2D';
  readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: UpSampling2DLayerArgs = {}) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
    const s = args.size ?? [2, 2];
    const size: number[] = typeof s === 'number' ? [s, s] : s;
    if (size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`${this.name}: size must be a positive integer or a pair of them, got ${JSON.stringify(s)}`);
    this.size = [size[0], size[1]];
    const i = args.interpolation ?? 'nearest';
    if (i !== 'nearest' && i !== 'bilinear') throw new Error(`${this.name}: unknown interpolation '${String(i)}'; expected 'nearest' or 'bilinear'`);
    this.interpolation = i;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = nhwcShape(inputShape, this.name);
    return [n, h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    if (x.rank !== 4) throw new Error(`Input 0 of layer ${this.name} is incompatible with the layer: expected ndim=4 (NHWC), found ndim=${x.rank}`);
    return resize2d(x, [x.shape[1] * this.size[0], x.shape[2] * this.size[1]], this.interpolation);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, dataFormat: this.channelsFirst ? 'channelsFirst' : 'channelsLast', interpolation: this.interpolation };
  }
}

export interface Cropping2DLayerArgs extends LayerArgs {
  /** Symmetric amount, `[rows, cols]` (symmetric per axis), or `[[top, bottom], [left, right]]`. */
  cropping: number | [number, number] | [[number, number], [number, number]];
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
}

/** Crops rows and columns off the edges of NHWC images (Keras `Cropping2D`). */
export class Cropping2D extends Layer {
  static readonly className = 'Cropping2D';
  readonly className = 'Cropping2D';
  readonly cropping: [[number, number], [number, number]];

  constructor(args: Cropping2DLayerArgs) {
    super(args);
    this.channelsFirst = isChannelsFirst(args.dataFormat, this.name);
    const c = args.cropping;
    const crop: [[number, number], [number, number]] =
      typeof c === 'number' ? [[c, c], [c, c]] : typeof c[0] === 'number' ? [[c[0], c[0]], [c[1] as number, c[1] as number]] : (c as [[number, number], [number, number]]);
    const flat = crop.flat();
    if (crop.length !== 2 || flat.length !== 4 || !flat.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error(`${this.name}: cropping must be a non-negative integer, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(c)}`);
    }
    this.cropping = crop;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = nhwcShape(inputShape, this.name);
    const [[t, b], [l, r]] = this.cropping;
    const dim = (v: number | null, lo: number, hi: number, axis: string) => {
      if (v === null) return null;
      if (v - lo - hi < 1) throw new Error(`${this.name}: cropping ${lo}+${hi} leaves nothing of ${axis} ${v} (input ${fmtShapeN([n, h, w, c])})`);
      return v - lo - hi;
    };
    return [n, dim(h, t, b, 'height'), dim(w, l, r, 'width'), c];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const [, h, w] = this.computeOutputShape([...x.shape]) as number[];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [-1, h, w, -1]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.channelsFirst ? 'channelsFirst' : 'channelsLast' };
  }
}
