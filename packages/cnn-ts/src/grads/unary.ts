/** Gradients of the element-wise unary ops (ops/unary.ts). */
import { makeTensor, type Tensor } from '../tensor.js';
import { call } from '../ops/kernel.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { cos, erf, exp, greaterEq, greaterThan, lessEq, neg, SELU_ALPHA, SELU_SCALE, sin, square, step, type UnaryAttrs } from '../ops/unary.js';
import { registerGradient, registerNonDifferentiable, registerZeroGradient } from './registry.js';

/** Registers `dx = f(dy, x, y, attrs)` for a one-input, one-output op. */
function unary(op: string, f: (dy: Tensor, x: Tensor, y: Tensor, a: UnaryAttrs) => Tensor): void {
  registerGradient<UnaryAttrs>(op, ([dy], { inputs: [x], outputs: [y], attrs }) => [f(dy, x, y, attrs)]);
}

/** `1.0` where `cond` holds, else `0.0`, as float32 (for masking gradients). */
function mask(cond: Tensor): Tensor {
  return cast(cond, 'float32');
}

unary('neg', (dy) => neg(dy));
// TF.js's Abs gradient: dy * step(x, -1), i.e. -1 at x = 0 (what an L1 penalty on zero-initialised biases sees).
unary('abs', (dy, x) => mul(dy, step(x, -1)));
unary('square', (dy, x) => mul(dy, mul(x, 2)));
unary('sqrt', (dy, _x, y) => div(dy, mul(y, 2)));
unary('rsqrt', (dy, x, y) => mul(dy, div(mul(y, -0.5), x)));
unary('exp', (dy, _x, y) => mul(dy, y));
unary('expm1', (dy, _x, y) => mul(dy, add(y, 1)));
unary('log', (dy, x) => div(dy, x));
unary('log1p', (dy, x) => div(dy, add(x, 1)));
unary('sigmoid', (dy, _x, y) => mul(dy, mul(y, sub(1, y))));
unary('tanh', (dy, _x, y) => mul(dy, sub(1, square(y))));
// dy * sigmoid(x) in one kernel.
unary('softplus', (dy, x) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('softplusBackward', [x, dy], [dx]);
  return dx;
});
unary('relu', (dy, x) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('reluBackward', [x, dy], [dx]);
  return dx;
});
// TF's Relu6Grad: dy where 0 < x < 6, else 0, in one kernel.
unary('relu6', (dy, x) => {
  const dx = makeTensor([...x.shape], 'float32');
  call('relu6Backward', [x, dy], [dx]);
  return dx;
});
unary('elu', (dy, x, y, { alpha }) => {
  const pos = mask(greaterThan(x, 0));
  return mul(dy, add(pos, mul(sub(1, pos), add(y, alpha))));
});
unary('selu', (dy, x, y) => {
  const pos = mask(greaterThan(x, 0));
  return mul(dy, add(mul(pos, SELU_SCALE), mul(sub(1, pos), add(y, SELU_SCALE * SELU_ALPHA))));
});
unary('leakyRelu', (dy, x, _y, { alpha }) => {
  const pos = mask(greaterThan(x, 0));
  return mul(dy, add(pos, mul(sub(1, pos), alpha)));
});
// Exact GELU x Φ(x): d/dx = Φ(x) + x φ(x).
unary('gelu', (dy, x) => {
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return mul(dy, add(cdf, mul(x, pdf)));
});
unary('erf', (dy, x) => mul(dy, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
unary('reciprocal', (dy, x) => neg(div(dy, square(x))));
unary('sin', (dy, x) => mul(dy, cos(x)));
unary('cos', (dy, x) => neg(mul(dy, sin(x))));
// The clip range is recorded as the kernel's (alpha, beta) = (min, max); the gradient passes inside it.
unary('clipByValue', (dy, x, _y, { alpha: lo, beta: hi }) => mul(dy, mul(mask(greaterEq(x, lo)), mask(lessEq(x, hi)))));
unary('affine', (dy, _x, _y, { alpha }) => mul(dy, alpha));

registerZeroGradient('step', 'sign', 'floor', 'round', 'isNaN');
registerNonDifferentiable('logicalNot', 'greaterThanConst', 'lessThanConst', 'greaterEqualConst', 'lessEqualConst');
