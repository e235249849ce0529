// How a test runs each kernel on this Node.js. The wasm-fma kernel needs WebAssembly relaxed
// SIMD, which Node.js 22 and later compile as they are and Node.js 20 only behind a V8 flag.
// The project never sets that flag (it slows every worker thread's start; see
// workers/wasm/forward.ts), but the tests do, in a child process, so that the kernel is
// checked on Node.js 20 too.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import {
  kernelUnavailable,
  WASM_KERNEL_FILES,
  type KernelName,
} from '../../src/kernels/kernel-names.js';

/** The V8 flag under which Node.js 20 compiles relaxed SIMD. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** How `kernel` can run here: in this process, in a child with `nodeArgs`, or not at all. */
export type KernelRuntime =
  | { where: 'here' }
  | { where: 'child'; nodeArgs: string[] }
  | { where: 'nowhere'; reason: string };

/** Where and how `kernel` runs on this Node.js. */
export function kernelRuntime(kernel: KernelName): KernelRuntime {
  const reason = kernelUnavailable(kernel);
  if (reason === null) return { where: 'here' };
  if (kernel !== 'wasm-fma') return { where: 'nowhere', reason };
  const file = WASM_KERNEL_FILES[kernel];
  if (!existsSync(file)) return { where: 'nowhere', reason };

  // a Node.js that has shipped relaxed SIMD refuses the flag as a bad option
  try {
    execFileSync(process.execPath, [RELAXED_SIMD_FLAG, '-e', 'process.exit(WebAssembly.validate(' +
      `require('node:fs').readFileSync(${JSON.stringify(file)})) ? 0 : 1)`],
    { stdio: 'ignore' });
    return { where: 'child', nodeArgs: [RELAXED_SIMD_FLAG] };
  } catch {
    return { where: 'nowhere', reason };
  }
}
