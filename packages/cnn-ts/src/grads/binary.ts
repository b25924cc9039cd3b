/** Gradients of the broadcasting binary ops (ops/binary.ts). */
import type { Tensor } from '../tensor.js';
import { broadcastAxes, shapesEqual } from '../util.js';
import { add, div, divNoNan, greater, greaterEqual, less, lessEqual, mul, pow, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { sum } from '../ops/reduction.js';
import { reshape } from '../ops/transform.js';
import { floor, log, neg, square } from '../ops/unary.js';
import { registerGradient, registerNonDifferentiable, registerZeroGradient } from './registry.js';

/** Sums `dy` over the axes `shape` was broadcast along, and reshapes to `shape`. */
export function sumTo(dy: Tensor, shape: number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastAxes(shape, dy.shape);
  const s = axes.length > 0 ? sum(dy, axes) : dy;
  return shapesEqual(s.shape, shape) ? s : reshape(s, shape);
}

/** Registers `[da, db] = f(dy, a, b, y)` for a two-input op. */
function binary(op: string, f: (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null]): void {
  registerGradient(op, ([dy], { inputs: [a, b], outputs: [y] }) => f(dy, a, b, y));
}

const divGrad = (dy: Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] => [sumTo(div(dy, b), a.shape), sumTo(neg(div(mul(dy, a), square(b))), b.shape)];

binary('add', (dy, a, b) => [sumTo(dy, a.shape), sumTo(dy, b.shape)]);
binary('sub', (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)]);
binary('mul', (dy, a, b) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)]);
binary('div', divGrad);
// TF.js's FloorDiv gradient is that of real division.
binary('floorDiv', divGrad);
// TF.js: d/da = dy, d/db = -dy * floor(a / b).
binary('mod', (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(mul(dy, floor(div(a, b)))), b.shape)]);
binary('maximum', (dy, a, b) => [
  sumTo(mul(dy, cast(greaterEqual(a, b), 'float32')), a.shape),
  sumTo(mul(dy, cast(less(a, b), 'float32')), b.shape),
]);
binary('minimum', (dy, a, b) => [
  sumTo(mul(dy, cast(lessEqual(a, b), 'float32')), a.shape),
  sumTo(mul(dy, cast(greater(a, b), 'float32')), b.shape),
]);
binary('pow', (dy, a, b, y) => {
  const da = mul(dy, mul(b, pow(a, sub(b, 1))));
  // d/db a^b = a^b ln a, taken as 0 where a <= 0 (TF does the same).
  const positive = cast(greater(a, 0), 'float32');
  const safeA = add(mul(a, positive), sub(1, positive));
  const db = mul(dy, mul(mul(y, log(safeA)), positive));
  return [sumTo(da, a.shape), sumTo(db, b.shape)];
});
binary('squaredDifference', (dy, a, b) => {
  const d = mul(dy, mul(sub(a, b), 2));
  return [sumTo(d, a.shape), sumTo(neg(d), b.shape)];
});
binary('atan2', (dy, a, b) => {
  const d = add(square(a), square(b));
  return [sumTo(div(mul(dy, b), d), a.shape), sumTo(neg(div(mul(dy, a), d)), b.shape)];
});
// As TF.js's where(b == 0, 0, a / b): zero gradient where b == 0.
binary('divNoNan', (dy, a, b) => [sumTo(divNoNan(dy, b), a.shape), sumTo(neg(divNoNan(mul(dy, a), square(b))), b.shape)]);

// As TF.js: greaterEqual has a zero gradient, the other comparisons and logical ops none.
registerZeroGradient('greaterEqual');
registerNonDifferentiable('equal', 'notEqual', 'greater', 'less', 'lessEqual', 'logicalAnd', 'logicalOr');
