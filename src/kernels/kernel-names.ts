// The forward-pass kernels a run can choose between, and which is the default.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../project-files.js';

/** `js`: the plain typed-array reference. `wasm`: WebAssembly SIMD, built by npm install. */
export const KERNELS = ['wasm', 'js'] as const;

/** One of the kernels. */
export type KernelName = (typeof KERNELS)[number];

/** Where npm install (its prepare script) puts the compiled WebAssembly kernel. */
export const WASM_KERNEL_FILE = join(PROJECT_ROOT, 'dist', 'workers', 'wasm', 'forward.wasm');

/** The fastest kernel this installation has: wasm once built, otherwise the reference. */
export function defaultKernel(): KernelName {
  return existsSync(WASM_KERNEL_FILE) ? 'wasm' : 'js';
}
