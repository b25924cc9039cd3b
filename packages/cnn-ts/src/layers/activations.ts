/** Activation functions by Keras name. */
import { elu, relu, relu6, selu, sigmoid, softplus, tanh, gelu } from '../ops/unary.js';
import { softmax } from '../ops/nn.js';
import type { Tensor } from '../tensor.js';

export type ActivationName = 'linear' | 'relu' | 'relu6' | 'softmax' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'softplus' | 'gelu';

const TABLE: Record<ActivationName, ((x: Tensor) => Tensor) | null> = {
  linear: null,
  relu,
  relu6,
  softmax: (x) => softmax(x),
  sigmoid,
  tanh,
  elu: (x) => elu(x),
  selu,
  softplus,
  gelu,
};

/** Checks an activation name; `where` names the layer for the error. */
export function checkActivation(name: string | undefined, where: string): ActivationName {
  const n = name ?? 'linear';
  // Own keys only: 'toString' or 'constructor' are `in` every object.
  if (typeof n !== 'string' || !Object.hasOwn(TABLE, n)) throw new Error(`${where}: unknown activation '${n}'; expected one of ${Object.keys(TABLE).join(', ')}`);
  return n as ActivationName;
}

/** Applies a (checked) activation; 'linear' returns `x` itself. */
export function applyActivation(name: ActivationName, x: Tensor): Tensor {
  const f = TABLE[name];
  return f ? f(x) : x;
}
