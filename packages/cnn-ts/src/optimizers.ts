/**
 * Optimizers (TF.js `tf.train.*`, Keras defaults): each keeps per-variable
 * state and updates parameters in place with one fused kernel per variable.
 */
import { zeros } from './ops/creation.js';
import { variable } from './ops/creation.js';
import { call } from './ops/kernel.js';
import { variableGrads } from './gradients.js';
import { registeredVariables, type Tensor, type Variable } from './tensor.js';
import type { NamedTensor, NamedTensorMap } from './types.js';
import { fmtShape } from './util.js';

/** A gradient for a variable. */
export interface VariableGradient {
  variable: Variable;
  gradient: Tensor;
}

export abstract class Optimizer {
  /** Keras class name. */
  abstract readonly className: string;
  /** Updates applied so far. */
  iterations = 0;
  private readonly slots = new Map<Variable, Variable[]>();

  /** Applies one step given gradients per variable. */
  applyGradientsTo(pairs: VariableGradient[]): void {
    this.iterations += 1;
    for (const { variable: v, gradient: g } of pairs) {
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${this.className}: gradient of ${v.name} has shape ${fmtShape(g.shape)}, the variable has ${fmtShape(v.shape)}`);
      }
      this.update(v, g, this.state(v));
    }
  }

  /**
   * TF.js `applyGradients`: gradients keyed by variable name (as
   * `variableGrads` / `computeGradients` return them) or as a list of
   * `{name, tensor}`. Every name must be a live variable.
   */
  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const named: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const pairs: VariableGradient[] = named.map(({ name, tensor }) => {
      const v = registeredVariables.get(name);
      if (!v || v.isDisposed) throw new Error(`${this.className}.applyGradients: there is no variable named '${name}' (variables: ${[...registeredVariables.keys()].slice(0, 8).join(', ')}${registeredVariables.size > 8 ? ', ...' : ''})`);
      return { variable: v, gradient: tensor };
    });
    this.applyGradientsTo(pairs);
  }

  /**
   * TF.js `computeGradients`: `f()`'s value and its gradients for `varList`
   * (default: every trainable variable `f` uses), keyed by variable name.
   */
  computeGradients(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: NamedTensorMap } {
    return variableGrads(f, varList);
  }

  /**
   * TF.js `minimize`: computes `f()`'s gradients for `varList` (default:
   * every trainable variable `f` uses) and applies them; returns the cost
   * if `returnCost`, else null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    if (varList !== undefined && !Array.isArray(varList)) throw new Error(`${this.className}.minimize: varList must be an array of variables, got ${typeof varList}`);
    const { value, grads } = variableGrads(f, varList);
    try {
      this.applyGradients(grads);
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  private state(v: Variable): Variable[] {
    let s = this.slots.get(v);
    if (!s) {
      s = this.slotNames().map((n) => {
        const z = zeros(v.shape);
        const slot = variable(z, false, `${v.name}/${n}`);
        z.dispose();
        return slot;
      });
      this.slots.set(v, s);
    }
    return s;
  }

  /** Names of the per-variable state slots. */
  protected abstract slotNames(): string[];
  protected abstract update(v: Variable, g: Tensor, slots: Variable[]): void;

  /** Frees the optimizer's state. */
  dispose(): void {
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
  }

  /**
   * The state slots of `v`, in `stateNames` order, created (zeros) when
   * missing: model I/O saves and restores them (TF.js names them
   * `${variable}/${slot}` in the 'optimizer' weight group).
   */
  stateOf(v: Variable): Variable[] {
    return this.state(v);
  }

  /** Names of the per-variable state slots ('m', 'v' for Adam; 'momentum'; 'rms'). */
  get stateNames(): string[] {
    return this.slotNames();
  }

  /** State tensors, for saving (as Keras `optimizer.variables`). */
  getWeights(): Variable[] {
    return [...this.slots.values()].flat();
  }
}

export class SGDOptimizer extends Optimizer {
  readonly className: string = 'SGD';
  constructor(readonly learningRate: number) {
    super();
  }
  protected slotNames(): string[] {
    return [];
  }
  protected update(v: Variable, g: Tensor): void {
    call('sgdUpdate', [g], [], [this.learningRate, 0, false], { inplace: [v, null] });
  }
}

export class MomentumOptimizer extends Optimizer {
  readonly className = 'SGD';
  constructor(readonly learningRate: number, readonly momentum: number, readonly useNesterov = false) {
    super();
  }
  protected slotNames(): string[] {
    return ['momentum'];
  }
  protected update(v: Variable, g: Tensor, [vel]: Variable[]): void {
    call('sgdUpdate', [g], [], [this.learningRate, this.momentum, this.useNesterov], { inplace: [v, vel] });
  }
}

export class AdamOptimizer extends Optimizer {
  readonly className = 'Adam';
  constructor(readonly learningRate = 0.001, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-7) {
    super();
  }
  protected slotNames(): string[] {
    return ['m', 'v'];
  }
  protected update(v: Variable, g: Tensor, [m, s]: Variable[]): void {
    call('adamUpdate', [g], [], [this.iterations, this.learningRate, this.beta1, this.beta2, this.epsilon], { inplace: [v, m, s] });
  }
}

export class RMSPropOptimizer extends Optimizer {
  readonly className = 'RMSprop';
  constructor(readonly learningRate = 0.001, readonly decay = 0.9, readonly momentum = 0, readonly epsilon = 1e-7) {
    super();
  }
  protected slotNames(): string[] {
    return this.momentum > 0 ? ['rms', 'momentum'] : ['rms'];
  }
  protected update(v: Variable, g: Tensor, slots: Variable[]): void {
    call('rmspropUpdate', [g], [], [this.learningRate, this.decay, this.momentum, this.epsilon], { inplace: [v, slots[0], slots[1] ?? null] });
  }
}

/** `tf.train`: optimizer factories with TF.js names and Keras defaults. */
export const train = {
  sgd: (learningRate = 0.01) => new SGDOptimizer(learningRate),
  momentum: (learningRate: number, momentum: number, useNesterov = false) => new MomentumOptimizer(learningRate, momentum, useNesterov),
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) => new AdamOptimizer(learningRate, beta1, beta2, epsilon),
  rmsprop: (learningRate = 0.001, decay = 0.9, momentum = 0, epsilon = 1e-7) => new RMSPropOptimizer(learningRate, decay, momentum, epsilon),
};

/** An optimizer from a Keras / TF.js name, with defaults. */
export function getOptimizer(o: string | Optimizer): Optimizer {
  if (o instanceof Optimizer) return o;
  if (typeof o !== 'string') throw new Error(`compile: optimizer must be 'adam', 'sgd', 'rmsprop' or an Optimizer (tf.train.adam(...)), got ${typeof o === 'object' ? JSON.stringify(o) : String(o)}`);
  switch (o.toLowerCase()) {
    case 'adam':
      return train.adam();
    case 'sgd':
      return train.sgd();
    case 'rmsprop':
      return train.rmsprop();
    default:
      throw new Error(`compile: unknown optimizer '${o}'; expected 'adam', 'sgd', 'rmsprop' or an Optimizer (tf.train.adam(...))`);
  }
}
