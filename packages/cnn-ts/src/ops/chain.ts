/**
 * Chained methods on Tensor (`x.add(y).relu()`), as in TF.js. Kept in one
 * place so the op modules do not import the Tensor class's methods back.
 */
import { Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import * as b from './binary.js';
import * as u from './unary.js';
import * as r from './reduction.js';
import * as t from './transform.js';
import { matMul } from './matmul.js';
import { cast } from './cast.js';
import { softmax } from './nn.js';
import { conv2d, maxPool, avgPool, type Pad } from './conv.js';

type Arg = Tensor | TensorLike;
type Axis = number | number[];

declare module '../tensor.js' {
  interface Tensor {
    add(b: Arg): Tensor;
    sub(b: Arg): Tensor;
    mul(b: Arg): Tensor;
    div(b: Arg): Tensor;
    pow(b: Arg): Tensor;
    maximum(b: Arg): Tensor;
    minimum(b: Arg): Tensor;
    squaredDifference(b: Arg): Tensor;
    equal(b: Arg): Tensor;
    notEqual(b: Arg): Tensor;
    greater(b: Arg): Tensor;
    greaterEqual(b: Arg): Tensor;
    less(b: Arg): Tensor;
    lessEqual(b: Arg): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    clipByValue(min: number, max: number): Tensor;
    softmax(dim?: number): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    reshape(shape: number[]): Tensor;
    flatten(): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number[]): Tensor;
    transpose(perm?: number[]): Tensor;
    slice(begin: number | number[], size?: number | number[]): Tensor;
    pad(paddings: Array<[number, number]>, constantValue?: number): Tensor;
    matMul(b: Arg, transposeA?: boolean, transposeB?: boolean): Tensor;
    conv2d(filter: Arg, strides: number | number[], pad: Pad): Tensor;
    maxPool(filterSize: number | number[], strides: number | number[] | undefined, pad: Pad): Tensor;
    avgPool(filterSize: number | number[], strides: number | number[] | undefined, pad: Pad): Tensor;
    cast(dtype: DataType): Tensor;
    toFloat(): Tensor;
    toInt(): Tensor;
    clone(): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (x) { return b.add(this, x); };
P.sub = function (x) { return b.sub(this, x); };
P.mul = function (x) { return b.mul(this, x); };
P.div = function (x) { return b.div(this, x); };
P.pow = function (x) { return b.pow(this, x); };
P.maximum = function (x) { return b.maximum(this, x); };
P.minimum = function (x) { return b.minimum(this, x); };
P.squaredDifference = function (x) { return b.squaredDifference(this, x); };
P.equal = function (x) { return b.equal(this, x); };
P.notEqual = function (x) { return b.notEqual(this, x); };
P.greater = function (x) { return b.greater(this, x); };
P.greaterEqual = function (x) { return b.greaterEqual(this, x); };
P.less = function (x) { return b.less(this, x); };
P.lessEqual = function (x) { return b.lessEqual(this, x); };
P.neg = function () { return u.neg(this); };
P.abs = function () { return u.abs(this); };
P.square = function () { return u.square(this); };
P.sqrt = function () { return u.sqrt(this); };
P.exp = function () { return u.exp(this); };
P.log = function () { return u.log(this); };
P.relu = function () { return u.relu(this); };
P.sigmoid = function () { return u.sigmoid(this); };
P.tanh = function () { return u.tanh(this); };
P.clipByValue = function (lo, hi) { return u.clipByValue(this, lo, hi); };
P.softmax = function (dim) { return softmax(this, dim); };
P.sum = function (axis, keepDims) { return r.sum(this, axis, keepDims); };
P.mean = function (axis, keepDims) { return r.mean(this, axis, keepDims); };
P.max = function (axis, keepDims) { return r.max(this, axis, keepDims); };
P.min = function (axis, keepDims) { return r.min(this, axis, keepDims); };
P.argMax = function (axis) { return r.argMax(this, axis); };
P.argMin = function (axis) { return r.argMin(this, axis); };
P.reshape = function (shape) { return t.reshape(this, shape); };
P.flatten = function () { return t.reshape(this, [this.size]); };
P.expandDims = function (axis) { return t.expandDims(this, axis); };
P.squeeze = function (axis) { return t.squeeze(this, axis); };
P.transpose = function (perm) { return t.transpose(this, perm); };
P.slice = function (begin, size) { return t.slice(this, begin, size); };
P.pad = function (paddings, c) { return t.pad(this, paddings, c); };
P.matMul = function (x, ta, tb) { return matMul(this, x, ta, tb); };
P.conv2d = function (f, s, p) { return conv2d(this, f, s, p); };
P.maxPool = function (k, s, p) { return maxPool(this, k, s, p); };
P.avgPool = function (k, s, p) { return avgPool(this, k, s, p); };
P.cast = function (dtype) { return cast(this, dtype); };
P.toFloat = function () { return cast(this, 'float32'); };
P.toInt = function () { return cast(this, 'int32'); };
P.clone = function () { return cast(this, this.dtype); };
