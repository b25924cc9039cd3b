/** Element types, as TensorFlow.js names them. All are stored as f32 in the core. */
export type DataType = 'float32' | 'int32' | 'bool';

/** What `Tensor.data()` resolves to for each data type. */
export interface DataTypeMap {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Nested JS arrays of numbers, as accepted by `tensor()` and returned by `array()`. */
export type NestedArray = number | NestedArray[];

/** Anything `tensor()` turns into data. */
export type TensorLike = TypedArray | number | boolean | NestedArray | boolean[] | boolean[][];

export type Rank = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export type PaddingType = 'valid' | 'same' | 'VALID' | 'SAME';
/** TF's explicit padding: `[[0,0],[top,bottom],[left,right],[0,0]]` (NHWC). */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Tensors by name (TF.js `NamedTensorMap`). */
export interface NamedTensorMap {
  [name: string]: import('./tensor.js').Tensor;
}

/** A tensor with a name (TF.js `NamedTensor`). */
export interface NamedTensor {
  name: string;
  tensor: import('./tensor.js').Tensor;
}
