/**
 * Depthwise and separable convolutions (TF.js `tf.depthwiseConv2d`,
 * `tf.separableConv2d`), with both gradients on the tape: the core's
 * `depthwiseConv2d*` kernels (crates/cnn-core/src/depthwise.rs). The
 * geometry travels as the 16-word convolution spec with `cin = c` and
 * `cout = c * multiplier`.
 */
import { encodeConv2d } from 'cnn-worker';
import { makeTensor, Tensor } from '../tensor.js';
import type { TensorLike } from '../types.js';
import { assert, fmtShape } from '../util.js';
import { call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';
import { reshape } from './transform.js';
import { activationCode, conv2d, outSize, pair, parsePad, type Pad, type StoreActivation } from './conv.js';

type Arg = Tensor | TensorLike;

interface DwGeometry {
  spec: Uint32Array;
  out: [number, number, number, number];
}

/** Shape checks and output size of a depthwise convolution (TF.js's messages). */
export function depthwiseGeometry(op: string, xShape: number[], fShape: number[], strides: number | number[], pad: Pad, dilations: number | number[]): DwGeometry {
  assert(xShape.length === 4, op, () => `input must be rank 4 (NHWC), got ${fmtShape(xShape)}`);
  assert(fShape.length === 4, op, () => `filter must be rank 4 [h, w, inChannels, channelMultiplier], got ${fmtShape(fShape)}`);
  const [n, h, w, c] = xShape;
  const [kh, kw, fc, m] = fShape;
  assert(c === fc, op, () => `number of input channels (${c}) must match the inChannels dimension of the filter (${fc}) (input ${fmtShape(xShape)}, filter ${fmtShape(fShape)})`);
  assert(m >= 1, op, () => `channel multiplier must be at least 1, got ${m}`);
  const s = pair(strides, op, 'strides');
  const d = pair(dilations, op, 'dilations');
  assert((s[0] === 1 && s[1] === 1) || (d[0] === 1 && d[1] === 1), op, () => `strides ${JSON.stringify(s)} and dilations ${JSON.stringify(d)} cannot both be > 1 (as in TF)`);
  const p = parsePad(pad, op);
  const e = typeof p === 'object' ? p : { top: 0, bottom: 0, left: 0, right: 0 };
  const oh = outSize(h, kh, s[0], d[0], p, e.top, e.bottom, op, 'height');
  const ow = outSize(w, kw, s[1], d[1], p, e.left, e.right, op, 'width');
  return { spec: encodeConv2d({ n, h, w, cin: c, kh, kw, cout: c * m, strides: s, dilations: d, pad: p }), out: [n, oh, ow, c * m] };
}

/** `depthwiseConv2d(x, f) + bias` with its gradients recorded. */
export function depthwiseCore(op: string, x: Tensor, f: Tensor, bias: Tensor | null, g: DwGeometry): Tensor {
  const y = makeTensor(g.out, 'float32');
  call('depthwiseConv2d', [x, f, bias], [y], [activationCode('linear'), g.spec]);
  recordOp('depthwiseConv2d', bias ? [x, f, bias] : [x, f], [y], { spec: g.spec, out: g.out }, [], op);
  return y;
}

/** `activation(depthwiseConv2d(x, f) + bias)` for inference only (models/inference.ts): nothing recorded. */
export function depthwiseInference(x: Tensor, f: Tensor, bias: Tensor | null, activation: StoreActivation, g: DwGeometry): Tensor {
  const y = makeTensor(g.out, 'float32');
  call('depthwiseConv2d', [x, f, bias], [y], [activationCode(activation), g.spec]);
  return y;
}

function as4d(x: Tensor, op: string): [Tensor, boolean] {
  assert(x.rank === 4 || x.rank === 3, op, () => `input must be rank 4 (NHWC) or 3, got rank ${x.rank} ${fmtShape(x.shape)}`);
  return x.rank === 4 ? [x, false] : [reshape(x, [1, ...x.shape]), true];
}

/**
 * Depthwise 2-D convolution: every input channel convolved with its own
 * `channelMultiplier` filters. `filter` is `[h, w, inChannels, channelMultiplier]`;
 * output channel `c * channelMultiplier + q` (TF.js `tf.depthwiseConv2d`).
 * @example tf.depthwiseConv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 2, 1]), 1, 'valid') // [1,2,2,2] of 4
 */
export function depthwiseConv2d(x: Arg, filter: Arg, strides: number | number[], pad: Pad, dataFormat: 'NHWC' = 'NHWC', dilations: number | number[] = 1): Tensor {
  const op = 'depthwiseConv2d';
  assert(dataFormat === 'NHWC', op, () => `only NHWC data format is supported, got ${String(dataFormat)}`);
  const [x4, squeezed] = as4d(toTensor(x, op), op);
  const f = toTensor(filter, op);
  const y = depthwiseCore(op, x4, f, null, depthwiseGeometry(op, x4.shape, f.shape, strides, pad, dilations));
  return squeezed ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * Depthwise convolution followed by a 1x1 (pointwise) convolution (TF.js
 * `tf.separableConv2d`). `depthwiseFilter` is `[h, w, inChannels,
 * channelMultiplier]`, `pointwiseFilter` `[1, 1, inChannels * channelMultiplier, outChannels]`.
 */
export function separableConv2d(
  x: Arg,
  depthwiseFilter: Arg,
  pointwiseFilter: Arg,
  strides: number | number[],
  pad: 'valid' | 'same',
  dilation: number | number[] = [1, 1],
  dataFormat: 'NHWC' = 'NHWC',
): Tensor {
  const op = 'separableConv2d';
  assert(dataFormat === 'NHWC', op, () => `only NHWC data format is supported, got ${String(dataFormat)}`);
  const [x4, squeezed] = as4d(toTensor(x, op), op);
  const dwf = toTensor(depthwiseFilter, op);
  const pwf = toTensor(pointwiseFilter, op);
  assert(pwf.rank === 4 && pwf.shape[0] === 1 && pwf.shape[1] === 1, op, () => `pointwise filter must be [1, 1, inChannels * channelMultiplier, outChannels], got ${fmtShape(pwf.shape)}`);
  assert(dwf.rank === 4 && pwf.shape[2] === dwf.shape[2] * dwf.shape[3], op, () => `the third dimension of the pointwise filter (${pwf.shape[2]}) must be inChannels * channelMultiplier (${dwf.shape[2]} * ${dwf.shape[3]})`);
  const d = depthwiseCore(op, x4, dwf, null, depthwiseGeometry(op, x4.shape, dwf.shape, strides, pad, dilation));
  const y = conv2d(d, pwf, 1, 'valid');
  return squeezed ? reshape(y, y.shape.slice(1)) : y;
}
