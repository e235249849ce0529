// The wasm kernel's fused multiply-adds are WebAssembly relaxed SIMD: standard from V8 11.4
// (Node.js 22 on), behind a V8 flag in the V8 11.3 of Node.js 20. The flag only widens what
// the WebAssembly compiler accepts, and V8's flags belong to the whole process, so turning
// it on once, before the kernel is first compiled, serves every worker thread.

import { setFlagsFromString } from 'node:v8';

// WebAssembly.validate, which @types/node leaves out
const { validate } = WebAssembly as unknown as { validate(bytes: Uint8Array): boolean };

/** Whether this engine compiles `wasm`, turning relaxed SIMD on first where it is off. */
export function canCompileKernel(wasm: Uint8Array): boolean {
  if (validate(wasm)) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return validate(wasm);
}
