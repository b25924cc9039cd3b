/** BatchNormalization (Keras semantics: momentum 0.99, epsilon 1e-3, biased batch variance). */
import { batchNormInference, batchNormTrain } from '../ops/nn.js';
import { fill, variable } from '../ops/creation.js';
import type { Tensor, Variable } from '../tensor.js';
import type { Initializer, InitializerName } from './initializers.js';
import { Layer, fmtShapeN, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import { one, oneShape } from './core.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** Only -1 (the channel axis of NHWC). */
  axis?: number;
  /** Moving-average momentum (default 0.99). */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName | Initializer;
  gammaInitializer?: InitializerName | Initializer;
  movingMeanInitializer?: InitializerName | Initializer;
  movingVarianceInitializer?: InitializerName | Initializer;
}

export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
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
    if (args.axis !== undefined && args.axis !== -1) throw new Error(`${this.name}: only axis -1 (channels last) is supported, got ${args.axis}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape, this.name);
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
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
  override dispose(): void {
    super.dispose();
    for (const v of this.constants) v.dispose();
  }
}
