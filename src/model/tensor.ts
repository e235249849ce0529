// The in-memory form every weights reader returns: a named, row-major (C order) array.
// Readers keep the file's element type; the network loader converts to float32 once.

/** Element types the weights readers accept. */
export type TensorDtype = 'F32' | 'F64';

/** One array of a weights file, in row-major order whatever its layout on disk. */
export interface Tensor {
  dtype: TensorDtype;
  shape: number[];
  values: Float32Array | Float64Array;
}

/** Number of elements a shape holds; 1 for a scalar's empty shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
