// Compiles the wasm kernel once in the coordinator's thread, while the workers start.
//
// By default V8 compiles WebAssembly lazily with its baseline compiler and optimizes a
// function only after it has run a while, each thread for itself: a worker's first batches
// ran about three times slower than the rest, which cost a short run a quarter of its
// classification time. Two V8 flags make compilation eager and optimizing instead (V8's
// flags belong to the whole process, so they reach the worker threads too), and V8 keeps one
// compiled copy of identical module bytes per process: the compilation started here runs on
// V8's background threads while the workers boot, and a worker's own compilation of the same
// file then finds it done.

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

import { canCompileKernel } from './relaxed-simd.js';

// WebAssembly.compile, which @types/node leaves out
const { compile } = WebAssembly as unknown as {
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
};

const EAGER_OPTIMIZING_FLAGS = ['--no-liftoff', '--no-wasm-lazy-compilation'];

// held for the life of the process, so that V8 keeps the compiled copy for every later pool
const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Starts compiling the kernel in `file`, once per process; workers then find it compiled. */
export function precompileKernel(file: string): Promise<WebAssembly.Module> {
  let module = compiled.get(file);
  if (module === undefined) {
    // a file that cannot be read rejects the promise rather than throwing at the caller
    module = new Promise<WebAssembly.Module>((resolve) => {
      const bytes = readFileSync(file);
      canCompileKernel(bytes);
      for (const flag of EAGER_OPTIMIZING_FLAGS) setFlagsFromString(flag);
      resolve(compile(bytes));
    });
    compiled.set(file, module);
  }
  return module;
}
