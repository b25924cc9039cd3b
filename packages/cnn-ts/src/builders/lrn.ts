/**
 * Local response normalisation across channels (Krizhevsky et al. 2012,
 * TF's `tf.nn.local_response_normalization`), as a layer for AlexNet:
 * `y = x / (bias + alpha * sum_{|j - c| <= depthRadius} x_j^2)^beta`.
 * The windowed sum of squares is a 1x1 convolution with a banded 0/1
 * matrix, so forward and gradient reuse the conv kernels.
 */
import { conv2d } from '../ops/conv.js';
import { fromValues } from '../ops/creation.js';
import { div, pow } from '../ops/binary.js';
import { affine, square } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs, type Shape } from '../layers/layer.js';
import { one, oneShape } from '../layers/core.js';
import { registerClass } from '../serialization.js';

export interface LocalResponseNormalizationArgs extends LayerArgs {
  /** Half-width of the channel window (default 2: 5 channels, as AlexNet). */
  depthRadius?: number;
  /** Default 2 (AlexNet's k). */
  bias?: number;
  /** Default 1e-4. */
  alpha?: number;
  /** Default 0.75. */
  beta?: number;
}

export class LocalResponseNormalization extends Layer {
  static readonly className = 'LocalResponseNormalization';
  readonly className = 'LocalResponseNormalization';
  readonly depthRadius: number;
  readonly bias: number;
  readonly alpha: number;
  readonly beta: number;
  constructor(args: LocalResponseNormalizationArgs = {}) {
    super(args);
    this.depthRadius = args.depthRadius ?? 2;
    if (!Number.isInteger(this.depthRadius) || this.depthRadius < 0) throw new Error(`${this.name}: depthRadius must be a non-negative integer, got ${this.depthRadius}`);
    this.bias = args.bias ?? 2;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape, this.name);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs, this.name);
    const c = x.shape[3];
    const band = new Float32Array(c * c);
    for (let i = 0; i < c; i++) for (let j = Math.max(0, i - this.depthRadius); j <= Math.min(c - 1, i + this.depthRadius); j++) band[i * c + j] = 1;
    const sums = conv2d(square(x), fromValues(band, [1, 1, c, c], 'float32'), 1, 'valid');
    return div(x, pow(affine(sums, this.alpha, this.bias), this.beta));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), depthRadius: this.depthRadius, bias: this.bias, alpha: this.alpha, beta: this.beta };
  }
}

// Saved AlexNets with LRN load back by this class name.
registerClass(LocalResponseNormalization);
