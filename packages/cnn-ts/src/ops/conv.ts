/** conv2d, its transpose, fused conv + bias + activation, max/avg pooling (their gradients: grads/conv.ts). */
import { encodeConv2d, preparedFilterLength, type PadSpec } from 'cnn-worker';
import { makeTensor, Tensor } from '../tensor.js';
import type { ExplicitPadding, PaddingType, TensorLike } from '../types.js';
import { assert, fmtShape, fmtValue } from '../util.js';
import { call, recordOp } from './kernel.js';
import { toTensor } from './convert.js';
import { reshape } from './transform.js';
import { tidy } from '../globals.js';

type Arg = Tensor | TensorLike;
/** TF.js's padding argument: a mode, a symmetric amount, or explicit NHWC pairs. */
export type Pad = PaddingType | number | ExplicitPadding;

/** `[sh, sw]` from a number, a pair, or TF's `[1, sh, sw, 1]`. */
export function pair(v: number | number[], op: string, what: string): [number, number] {
  const p: number[] = typeof v === 'number' ? [v, v] : v.length === 4 ? [v[1], v[2]] : v.length === 1 ? [v[0], v[0]] : v;
  assert(p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 1), op, () => `${what} must be a positive integer or a pair of them, got ${fmtValue(v)}`);
  return [p[0], p[1]];
}

/** Parses TF.js's padding forms into the core's. */
export function parsePad(pad: Pad, op: string): PadSpec {
  if (typeof pad === 'number') {
    assert(Number.isInteger(pad) && pad >= 0, op, () => `numeric pad must be a non-negative integer, got ${pad}`);
    return { top: pad, bottom: pad, left: pad, right: pad };
  }
  if (typeof pad === 'string') {
    const p = pad.toLowerCase();
    assert(p === 'valid' || p === 'same', op, () => `unknown padding '${pad}', expected 'valid', 'same', a number or explicit [[0,0],[t,b],[l,r],[0,0]]`);
    return p;
  }
  assert(
    Array.isArray(pad) && pad.length === 4 && pad.every((q) => Array.isArray(q) && q.length === 2 && q.every((v) => Number.isInteger(v) && v >= 0)) && pad[0][0] === 0 && pad[0][1] === 0 && pad[3][0] === 0 && pad[3][1] === 0,
    op,
    () => `explicit padding must be [[0,0],[top,bottom],[left,right],[0,0]] with non-negative integers, got ${fmtValue(pad)}`,
  );
  return { top: pad[1][0], bottom: pad[1][1], left: pad[2][0], right: pad[2][1] };
}

/** Output size and padding of one axis (TensorFlow's rule, as crates/cnn-core/src/shape.rs computes it). */
export function outSize(input: number, k: number, s: number, d: number, pad: PadSpec, before: number, after: number, op: string, axis: string): number {
  const kEff = (k - 1) * d + 1;
  if (pad === 'same') return Math.ceil(input / s);
  const padded = pad === 'valid' ? input : input + before + after;
  assert(padded >= kEff, op, () => `${axis}: ${pad === 'valid' ? 'input' : 'padded input'} size ${padded} is smaller than the ${d > 1 ? 'effective (dilated) ' : ''}filter size ${kEff}`);
  return Math.floor((padded - kEff) / s) + 1;
}

/**
 * Runs `f` on `x` with a batch axis: rank 4 as is; rank 3 reshaped to
 * `[1, ...]` and the result back, inside `tidy` so that neither the
 * reshaped input nor the 4-D result outlives the call (also when `f`'s
 * checks throw). A recording gradient tape keeps what it needs.
 */
function batched(x: Tensor, op: string, f: (x4: Tensor) => Tensor): Tensor {
  assert(x.rank === 4 || x.rank === 3, op, () => `input must be rank 4 (NHWC) or 3, got rank ${x.rank} ${fmtShape(x.shape)}`);
  if (x.rank === 4) return f(x);
  return tidy(() => {
    const y = f(reshape(x, [1, ...x.shape]));
    return reshape(y, y.shape.slice(1));
  });
}

interface ConvGeometry {
  spec: Uint32Array;
  out: [number, number, number, number];
}

function convGeometry(op: string, xShape: number[], fShape: number[], strides: number | number[], pad: Pad, dilations: number | number[]): ConvGeometry {
  assert(fShape.length === 4, op, () => `filter must be rank 4 [h, w, in, out], got ${fmtShape(fShape)}`);
  assert(fShape.every((d) => d >= 1), op, () => `filter dimensions must be at least 1, got filter ${fmtShape(fShape)}`);
  const [n, h, w, cin] = xShape;
  const [kh, kw, fin, cout] = fShape;
  assert(cin === fin, op, () => `input depth ${cin} does not match filter in-depth ${fin} (input ${fmtShape(xShape)}, filter ${fmtShape(fShape)})`);
  const s = pair(strides, op, 'strides');
  const d = pair(dilations, op, 'dilations');
  assert(s[0] === 1 || d[0] === 1, op, () => `strides ${s} and dilations ${d} cannot both be > 1 (as in TF)`);
  const p = parsePad(pad, op);
  const e = typeof p === 'object' ? p : { top: 0, bottom: 0, left: 0, right: 0 };
  const oh = outSize(h, kh, s[0], d[0], p, e.top, e.bottom, op, 'height');
  const ow = outSize(w, kw, s[1], d[1], p, e.left, e.right, op, 'width');
  return { spec: encodeConv2d({ n, h, w, cin, kh, kw, cout, strides: s, dilations: d, pad: p }), out: [n, oh, ow, cout] };
}

/** Activations the fused convolution applies in its store. */
export type FusedActivation = 'linear' | 'relu';

/** What the core's convolution kernels can apply in their store (the inference path also fuses relu6). */
export type StoreActivation = FusedActivation | 'relu6';

/** The kernels' code of a store activation (`Activation::from_code` in the crate). */
export function activationCode(a: StoreActivation): number {
  return a === 'linear' ? 0 : a === 'relu' ? 1 : 2;
}

/** What a convolution records for its gradient (grads/conv.ts). */
export interface ConvAttrs {
  spec: Uint32Array;
  out: number[];
  activation: FusedActivation;
}

function convCore(op: string, x: Tensor, f: Tensor, bias: Tensor | null, activation: FusedActivation, g: ConvGeometry): Tensor {
  const y = makeTensor(g.out, 'float32');
  call('conv2d', [x, f, bias], [y], [activationCode(activation), g.spec]);
  recordOp<ConvAttrs>('conv2d', bias ? [x, f, bias] : [x, f], [y], { spec: g.spec, out: g.out, activation }, [], op);
  return y;
}

/**
 * 2-D convolution, NHWC input and HWIO filter (TF.js `tf.conv2d`).
 * @example tf.conv2d(tf.ones([1,3,3,1]), tf.ones([2,2,1,1]), 1, 'valid') // 2x2 of 4
 */
export function conv2d(x: Arg, filter: Arg, strides: number | number[], pad: Pad, dataFormat: 'NHWC' = 'NHWC', dilations: number | number[] = 1): Tensor {
  assert(dataFormat === 'NHWC', 'conv2d', () => `only NHWC data format is supported, got ${String(dataFormat)}`);
  return batched(toTensor(x, 'conv2d'), 'conv2d', (x4) => {
    const f = toTensor(filter, 'conv2d');
    const y = convCore('conv2d', x4, f, null, 'linear', convGeometry('conv2d', x4.shape, f.shape, strides, pad, dilations));
    return y;
  });
}

export interface FusedConv2dArgs {
  x: Arg;
  filter: Arg;
  strides: number | number[];
  pad: Pad;
  dataFormat?: 'NHWC';
  dilations?: number | number[];
  bias?: Arg;
  activation?: FusedActivation;
}

/** `activation(conv2d(x, filter) + bias)` in one kernel (TF.js `tf.fused.conv2d`). */
export function fusedConv2d(args: FusedConv2dArgs): Tensor {
  const op = 'fused conv2d';
  return batched(toTensor(args.x, op), op, (x4) => {
    const f = toTensor(args.filter, op);
    const b = args.bias === undefined ? null : toTensor(args.bias, op);
    if (b) assert(b.rank === 1 && b.shape[0] === f.shape[3], op, () => `bias must be [${f.shape[3]}] (one per output channel), got ${fmtShape(b.shape)}`);
    const act = args.activation ?? 'linear';
    assert(act === 'linear' || act === 'relu', op, () => `unsupported fused activation '${String(act)}' (linear or relu)`);
    const y = convCore(op, x4, f, b, act, convGeometry(op, x4.shape, f.shape, args.strides, args.pad, args.dilations ?? 1));
    return y;
  });
}

/**
 * `activation(conv2d(x, filter) + bias)` for inference only (the predict
 * path's folded batch norm, models/inference.ts): relu6 too, nothing
 * recorded on a tape (callers fuse only when no tape records).
 */
export function conv2dInference(
  x: Tensor,
  filter: Tensor,
  bias: Tensor | null,
  activation: StoreActivation,
  strides: number | number[],
  pad: Pad,
  dilations: number | number[],
  residual: Tensor | null = null,
  prepared: Tensor | null = null,
): Tensor {
  const op = 'conv2d';
  const g = convGeometry(op, x.shape, filter.shape, strides, pad, dilations);
  const y = makeTensor(g.out, 'float32');
  if (residual) {
    // A residual block's shortcut, added in the store before the activation.
    assert(residual.shape.length === g.out.length && residual.shape.every((d, i) => d === g.out[i]), op, () => `residual ${fmtShape(residual.shape)} must have the output's shape ${fmtShape(g.out)}`);
  }
  if (prepared) {
    // The filter already in Winograd's domain (conv2dPrepareFilter): not transformed again.
    call('conv2dPrepared', [x, filter, prepared, bias, residual], [y], [activationCode(activation), g.spec]);
  } else if (residual) {
    call('conv2dResidual', [x, filter, bias, residual], [y], [activationCode(activation), g.spec]);
  } else {
    call('conv2d', [x, filter, bias], [y], [activationCode(activation), g.spec]);
  }
  return y;
}

/**
 * The Winograd tiling whose transformed filter predict keeps for a 3x3
 * stride-1 undilated convolution of `cin -> cout` channels at an `h x w`
 * output (batch 1; larger batches have more tiles, which only favours the
 * transformed filter more), or null where the convolution should transform
 * nothing ahead (few tiles, few channels). Measured per layer at batch 1
 * (`benches/tuning.mjs --op prepared --values 0,2,4`, load 3.7; ms of
 * conv2d / prepared F(2x2) / prepared F(4x4), 1 thread | 2 threads):
 *
 *     1x28x28x512->512  80.3 / 68.6 / 51.2 | 62.0 / 49.9 / 31.0
 *     1x14x14x512->512  34.6 / 21.2 / 19.4 | 22.4 / 13.4 / 11.1   (16 F(4x4) tiles)
 *     1x7x7x512->512    15.2 /  8.9 /  7.2 |  7.8 /  5.4 /  6.1   (4 F(4x4) tiles: F(2x2), less memory)
 *     1x56x56x64->64     4.4 /  5.4 /  3.4 |  2.9 /  3.5 /  2.3
 *
 * and equal within noise on 112x112 and 224x224 layers. The transformed
 * filter costs 16/9 (F(2x2)) or 36/9 (F(4x4)) of the filter's memory
 * (VGG16: about 235 MB more).
 */
export function preparedVariant(h: number, w: number, cin: number, cout: number): 2 | 4 | null {
  if (cin < 16 || cout < 8) return null;
  const tiles = (m: number) => Math.ceil(h / m) * Math.ceil(w / m);
  if (tiles(4) >= 16) return 4;
  return tiles(2) >= 16 ? 2 : null;
}

/**
 * `filter` (3x3, HWIO) transformed for Winograd F(`variant`x`variant`, 3x3)
 * and packed as the core's GEMMs read it, for `conv2dInference`'s
 * `prepared`: computed once per weights version by predict instead of on
 * every call. A flat tensor of the core's layout (α² panels of
 * `cin x 8`-column blocks), meaningful only to `conv2dPrepared`.
 */
export function conv2dPrepareFilter(filter: Tensor, variant: 2 | 4, strides: number | number[], pad: Pad, dilations: number | number[]): Tensor {
  const op = 'conv2dPrepareFilter';
  const [kh, kw, cin, cout] = filter.shape;
  // The geometry of a batch-1 input the filter fits (the transform reads only the channels).
  const g = convGeometry(op, [1, kh, kw, cin], filter.shape, strides, pad, dilations);
  // The core's layout, so its length comes from the crate (kernels.generated.ts).
  const y = makeTensor([preparedFilterLength(cin, cout, variant)], 'float32');
  call('conv2dPrepareFilter', [filter], [y], [variant, g.spec]);
  return y;
}

/**
 * Transposed convolution (the gradient of conv2d with respect to its input).
 * `filter` is `[h, w, outDepth, inDepth]`.
 */
export function conv2dTranspose(x: Arg, filter: Arg, outputShape: number[], strides: number | number[], pad: Pad): Tensor {
  const op = 'conv2dTranspose';
  return batched(toTensor(x, op), op, (x4) => {
    const f = toTensor(filter, op);
    const out = outputShape.length === 3 ? [x4.shape[0], ...outputShape] : outputShape;
    assert(out.length === 4, op, () => `outputShape must be rank 3 or 4, got ${fmtShape(outputShape)}`);
    assert(f.rank === 4 && f.shape[3] === x4.shape[3], op, () => `depth of input (${x4.shape[3]}) must match the filter's in-depth (${f.shape[3]}) for filter ${fmtShape(f.shape)}`);
    assert(out[3] === f.shape[2], op, () => `depth of output (${out[3]}) must match the filter's out-depth (${f.shape[2]})`);
    const g = convGeometry(op, out, f.shape, strides, pad, 1);
    assert(g.out.every((d, i) => d === x4.shape[i]), op, () => `input ${fmtShape(x4.shape)} does not match the forward output ${fmtShape(g.out)} of a convolution of ${fmtShape(out)} with these strides and padding`);
    const y = makeTensor(out, 'float32');
    call('conv2dBackpropInput', [x4, f], [y], [g.spec]);
    recordOp<ConvAttrs>(op, [x4, f], [y], { spec: g.spec, out: g.out, activation: 'linear' });
    return y;
  });
}

function poolSpec(op: string, x: Tensor, filterSize: number | number[], strides: number | number[] | undefined, pad: Pad): { spec: Uint32Array; out: number[] } {
  const [n, h, w, c] = x.shape;
  const k = pair(filterSize, op, 'filterSize');
  const s = strides === undefined ? k : pair(strides, op, 'strides');
  const p = parsePad(pad, op);
  const e = typeof p === 'object' ? p : { top: 0, bottom: 0, left: 0, right: 0 };
  const oh = outSize(h, k[0], s[0], 1, p, e.top, e.bottom, op, 'height');
  const ow = outSize(w, k[1], s[1], 1, p, e.left, e.right, op, 'width');
  const mode = p === 'valid' ? 0 : p === 'same' ? 1 : 2;
  return { spec: Uint32Array.from([n, h, w, c, k[0], k[1], s[0], s[1], mode, e.top, e.bottom, e.left, e.right]), out: [n, oh, ow, c] };
}

/** Max pooling over NHWC windows. */
export function maxPool(x: Arg, filterSize: number | number[], strides: number | number[] | undefined, pad: Pad): Tensor {
  return batched(toTensor(x, 'maxPool'), 'maxPool', (x4) => {
    const g = poolSpec('maxPool', x4, filterSize, strides, pad);
    const y = makeTensor(g.out, x4.dtype);
    call('maxPool2d', [x4], [y], [g.spec]);
    recordOp('maxPool', [x4], [y], { spec: g.spec });
    return y;
  });
}

/** Average pooling; with SAME padding only real cells are averaged (as TF). */
export function avgPool(x: Arg, filterSize: number | number[], strides: number | number[] | undefined, pad: Pad): Tensor {
  return batched(toTensor(x, 'avgPool'), 'avgPool', (x4) => {
    const g = poolSpec('avgPool', x4, filterSize, strides, pad);
    const y = makeTensor(g.out, 'float32');
    call('avgPool2d', [x4], [y], [g.spec]);
    recordOp('avgPool', [x4], [y], { spec: g.spec });
    return y;
  });
}

/** Mean (or max) over the spatial axes: `[n,h,w,c] -> [n,c]`. */
export function globalPool(x: Arg, kind: 'avg' | 'max'): Tensor {
  const op = kind === 'avg' ? 'globalAveragePooling2d' : 'globalMaxPooling2d';
  const tx = toTensor(x, op);
  assert(tx.rank === 4, op, () => `input must be rank 4 (NHWC), got ${fmtShape(tx.shape)}`);
  const [n, h, w, c] = tx.shape;
  const y = makeTensor([n, c], 'float32');
  call(kind === 'avg' ? 'globalAvgPool' : 'globalMaxPool', [tx], [y], [n, h, w, c]);
  recordOp(op, [tx], [y]);
  return y;
}
