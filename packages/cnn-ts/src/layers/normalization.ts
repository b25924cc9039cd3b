/** BatchNormalization (Keras semantics: momentum 0.99, epsilon 1e-3, biased batch variance). */
import { batchNormInference, batchNormTrain } from '../ops/nn.js';
import { fill, variable } from '../ops/creation.js';
import type { Tensor, Variable } from '../tensor.js';
import { serializeInitializer, type InitializerIdentifier } from './initializers.js';
import { Layer, classNameOf, fmtShapeN, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';
import type { ConstraintIdentifier } from './constraints.js';
import type { RegularizerIdentifier } from './regularizers.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The channel axis: -1 / the last (NHWC, default), or 1 (channels first: NCHW). */
  axis?: number | number[];
  /** Moving-average momentum (default 0.99). */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
  /** Projections of beta / gamma after each training step. */
  betaConstraint?: ConstraintIdentifier | null;
  gammaConstraint?: ConstraintIdentifier | null;
}

export class BatchNormalization extends Layer {
  static readonly className = 'BatchNormalization';
  readonly className: string = classNameOf(this);
  readonly momentum: number;
  readonly epsilon: number;
  /** -1, or the last axis' index (Keras configs write 3 for NHWC). */
  private readonly axisArg: number;
  /** Learn an offset `beta` / a scale `gamma` (default true; without, the fused kernel gets constant zeros / ones, no weight). */
  readonly center: boolean;
  readonly scale: boolean;
  private constants: Variable[] = [];
  gamma: Variable | undefined;
  beta: Variable | undefined;
  movingMean: Variable | undefined;
  movingVariance: Variable | undefined;
  constructor(private readonly args: BatchNormalizationArgs = {}) {
    super(args);
    const axis: unknown = Array.isArray(args.axis) && args.axis.length === 1 ? args.axis[0] : args.axis;
    if (axis !== undefined && (!Number.isInteger(axis) || (axis !== -1 && (axis as number) < 1))) throw new Error(`${this.name}: only the last axis (-1, channels last) is supported, got ${JSON.stringify(args.axis)}`);
    this.axisArg = (axis as number | undefined) ?? -1;
    // Axis 1 is the channels of channels-first data: normalised channels-last between transposes (see Layer.channelsFirst).
    this.channelsFirst = this.axisArg === 1;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
    if (this.axisArg !== -1 && !this.channelsFirst && this.axisArg !== s.length - 1) throw new Error(`${this.name}: only the last axis (-1 or ${s.length - 1} here) is supported, got axis ${this.axisArg}`);
    const c = s[s.length - 1];
    if (c === null) throw new Error(`${this.name}: the channel dimension must be known, got ${fmtShapeN(s)}`);
    const constant = (value: number, name: string) => {
      const t = fill([c], value);
      const v = variable(t, false, `${this.name}/${name}_constant`);
      t.dispose();
      this.constants.push(v);
      return v;
    };
    this.gamma = this.scale ? this.addWeight('gamma', [c], this.args.gammaInitializer ?? 'ones') : constant(1, 'gamma');
    this.beta = this.center ? this.addWeight('beta', [c], this.args.betaInitializer ?? 'zeros') : constant(0, 'beta');
    this.movingMean = this.addWeight('moving_mean', [c], this.args.movingMeanInitializer ?? 'zeros', false);
    this.movingVariance = this.addWeight('moving_variance', [c], this.args.movingVarianceInitializer ?? 'ones', false);
    super.build(inputShape);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape, this.name);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = one(inputs, this.name);
    if (kwargs.training) {
      return batchNormTrain({ x, gamma: this.gamma!, beta: this.beta!, movingMean: this.movingMean!, movingVariance: this.movingVariance!, momentum: this.momentum, epsilon: this.epsilon });
    }
    return batchNormInference(x, this.gamma!, this.beta!, this.movingMean!, this.movingVariance!, this.epsilon);
  }
  override getConfig(): Record<string, unknown> {
    const a = this.args;
    return {
      ...super.getConfig(),
      axis: this.axisArg,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(a.betaInitializer ?? 'zeros', this.name),
      gammaInitializer: serializeInitializer(a.gammaInitializer ?? 'ones', this.name),
      movingMeanInitializer: serializeInitializer(a.movingMeanInitializer ?? 'zeros', this.name),
      movingVarianceInitializer: serializeInitializer(a.movingVarianceInitializer ?? 'ones', this.name),
    };
  }
  override dispose(): void {
    super.dispose();
    for (const v of this.constants) v.dispose();
  }
}
