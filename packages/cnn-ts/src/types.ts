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

/** Tensor ranks as type parameters (TF.js `Rank`): `tf.Tensor<tf.Rank.R2>`. */
export enum Rank {
  R0 = 'R0',
  R1 = 'R1',
  R2 = 'R2',
  R3 = 'R3',
  R4 = 'R4',
  R5 = 'R5',
  R6 = 'R6',
}

/** The shape type of each rank (TF.js `ShapeMap`). */
export interface ShapeMap {
  R0: number[];
  R1: [number];
  R2: [number, number];
  R3: [number, number, number];
  R4: [number, number, number, number];
  R5: [number, number, number, number, number];
  R6: [number, number, number, number, number, number];
}

/** What `array()` gives for each rank (TF.js `ArrayMap`). */
export interface ArrayMap {
  R0: number;
  R1: number[];
  R2: number[][];
  R3: number[][][];
  R4: number[][][][];
  R5: number[][][][][];
  R6: number[][][][][][];
}

/**
 * `array()`'s type for rank `R`: `ArrayMap[R]` for a known rank; for a tensor
 * of any rank (what ops return here, where TF.js ops return rank types) the
 * nesting is not known to the type, so any, and TF.js code that reads an op's
 * result as nested arrays (or annotates it as `Tensor2D`) type-checks unchanged.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ArrayOf<R extends Rank> = Rank extends R ? any : ArrayMap[R];

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
