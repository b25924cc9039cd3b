/** Turning op arguments into tensors. */
import { Tensor } from '../tensor.js';
import type { DataType, TensorLike } from '../types.js';
import { checkAlive } from './kernel.js';
import { tensor } from './creation.js';

/** `x` if it is a tensor (checked alive), else a new tensor of its values. */
export function toTensor(x: Tensor | TensorLike, op: string, dtype?: DataType): Tensor {
  if (x instanceof Tensor) {
    checkAlive(x, op);
    return x;
  }
  if (x === null || x === undefined) throw new Error(`Error in ${op}: argument must be a Tensor or TensorLike, got ${String(x)}`);
  return tensor(x, undefined, dtype);
}

const ORDER: DataType[] = ['bool', 'int32', 'float32'];

/** TF.js's upcast: bool < int32 < float32. */
export function upcast(a: DataType, b: DataType): DataType {
  return ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))];
}
