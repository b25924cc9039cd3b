/** Gradients of the shape and data-movement ops (ops/transform.ts). */
import { makeTensor } from '../tensor.js';
import { call } from '../ops/kernel.js';
import { sum } from '../ops/reduction.js';
import { gather, pad, reshape, reverse, slice, transpose } from '../ops/transform.js';
import { registerGradient } from './registry.js';

registerGradient('reshape', ([dy], { inputs: [x] }) => [reshape(dy, x.shape)]);
registerGradient<{ perm: number[] }>('transpose', ([dy], { attrs: { perm } }) => [transpose(dy, perm.map((_, i) => perm.indexOf(i)))]);
registerGradient<{ begin: number[]; size: number[] }>('slice', ([dy], { inputs: [x], attrs: { begin: b, size: sz } }) => [pad(dy, x.shape.map((d, i) => [b[i], d - b[i] - sz[i]] as [number, number]))]);
registerGradient<{ paddings: Array<[number, number]> }>('pad', ([dy], { inputs: [x], attrs: { paddings } }) => [slice(dy, paddings.map(([a]) => a), x.shape)]);
registerGradient<{ axis: number }>('concat', ([dy], { inputs, outputs: [y], attrs: { axis: a } }) => {
  let o = 0;
  return inputs.map((t) => {
    const begin = y.shape.map((_, i) => (i === a ? o : 0));
    o += t.shape[a];
    return slice(dy, begin, t.shape);
  });
});
registerGradient('broadcastTo', ([dy], { inputs: [x], outputs: [y] }) => {
  const lead = y.rank - x.rank;
  const axes = y.shape.flatMap((d, i) => (i < lead || (x.shape[i - lead] === 1 && d !== 1) ? [i] : []));
  return [reshape(axes.length ? sum(dy, axes) : dy, x.shape)];
});
registerGradient<{ axes: number[] }>('reverse', ([dy], { attrs: { axes } }) => [reverse(dy, axes)]);
// dx[o, j, :] = sum of dy[o, k, :] over indices[k] == j (TF.js: unsortedSegmentSum).
registerGradient<{ outer: number; axisLen: number; inner: number }>('gather', ([dy], { inputs: [x], saved: [indices], attrs: { outer, axisLen, inner } }) => {
  const dx = makeTensor([...x.shape], 'float32', 'gather (gradient)');
  call('scatterAdd', [dy, indices], [dx], [outer, axisLen, inner]);
  return [dx];
});
// TF.js: the gradient gathers the output gradient back by segment id.
registerGradient('unsortedSegmentSum', ([dy], { saved: [ids] }) => [gather(dy, ids, 0)]);
