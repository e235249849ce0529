// Copies into SharedArrayBuffers: what worker threads read in place instead of copying.

/** A copy of `values` backed by a new SharedArrayBuffer (a Buffer comes back a Uint8Array). */
export function sharedCopy<T extends Float32Array | Uint8Array>(values: T): T {
  const buffer = new SharedArrayBuffer(values.byteLength);
  const copy = values instanceof Float32Array ? new Float32Array(buffer) : new Uint8Array(buffer);
  copy.set(values);
  return copy as T;
}
