/** Changing a tensor's dtype. */
import { makeTensor, Tensor } from '../tensor.js';
import type { DataType } from '../types.js';
import { alias, call, checkAlive, recordOp, Unary } from './kernel.js';
import { assertDtype } from '../util.js';

/**
 * Casts to `dtype`: to float32 the data is shared; to int32 values are
 * truncated toward zero; to bool, non-zero becomes 1.
 */
export function cast(x: Tensor, dtype: DataType): Tensor {
  checkAlive(x, 'cast');
  assertDtype(dtype, 'cast');
  if (x.dtype === dtype) {
    const y = makeTensor([...x.shape], dtype);
    alias(x, y);
    recordOp('cast', [x], [y]);
    return y;
  }
  if (dtype === 'float32' || (dtype === 'int32' && x.dtype === 'bool')) {
    const y = makeTensor([...x.shape], dtype);
    alias(x, y);
    recordOp('cast', [x], [y]);
    return y;
  }
  if (dtype === 'bool') {
    // (x != 0) = not(x == 0).
    const z = makeTensor([...x.shape], 'float32');
    call('unary', [x], [z], [Unary.logicalNot, 0, 0]);
    const y = makeTensor([...x.shape], 'bool');
    call('unary', [z], [y], [Unary.logicalNot, 0, 0]);
    z.dispose();
    return y;
  }
  // float32 -> int32: truncate = sign(x) * floor(|x|).
  const a = makeTensor([...x.shape], 'float32');
  call('unary', [x], [a], [Unary.abs, 0, 0]);
  const f = makeTensor([...x.shape], 'float32');
  call('unary', [a], [f], [Unary.floor, 0, 0]);
  const s = makeTensor([...x.shape], 'float32');
  call('unary', [x], [s], [Unary.sign, 0, 0]);
  const y = makeTensor([...x.shape], 'int32');
  call('binary', [s, f], [y], [2, Uint32Array.from([x.rank, ...x.shape, ...x.shape, ...x.shape])]);
  for (const t of [a, f, s]) t.dispose();
  return y;
}
