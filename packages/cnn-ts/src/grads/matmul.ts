/** Gradients of matMul and cast (ops/matmul.ts, ops/cast.ts). */
import { matMul2d } from '../ops/matmul.js';
import { registerGradient } from './registry.js';

// C = op(A) op(B): dA and dB in each transpose combination (as TF.js).
registerGradient<{ transposeA: boolean; transposeB: boolean }>('matMul', ([dy], { inputs: [a, b], attrs: { transposeA, transposeB }, needed }) => {
  const da = !needed[0] ? null : transposeA ? matMul2d(b, dy, transposeB, true) : matMul2d(dy, b, false, !transposeB);
  const db = !needed[1] ? null : transposeB ? matMul2d(dy, a, true, transposeA) : matMul2d(a, dy, !transposeA, false);
  return [da, db];
});

// A cast passes the gradient through unchanged (as TF.js).
registerGradient('cast', ([dy]) => [dy]);
