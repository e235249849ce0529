// The forward-pass kernels a run can choose between, and which is the default.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../project-files.js';

/** `js`: the plain typed-array reference. `wasm`: WebAssembly SIMD, built by npm install. */
export const KERNELS = ['wasm', 'js'] as const;

/** One of the kernels. */
export type KernelName = (typeof KERNELS)[number];

/** Where npm install (its prepare script) puts the compiled WebAssembly kernel. */
export const WASM_KERNEL_FILE = join(PROJECT_ROOT, 'dist', 'workers', 'wasm', 'forward.wasm');

/** Why the wasm kernel cannot run here, or null when it can. */
export function wasmUnavailable(): string | null {
  if (!existsSync(WASM_KERNEL_FILE)) {
    return `${WASM_KERNEL_FILE} is missing (build it with npm run build:wasm)`;
  }
  if (!WebAssembly.validate(readFileSync(WASM_KERNEL_FILE))) {
    return `this Node.js ${process.version} cannot compile WebAssembly SIMD`;
  }
  return null;
}

/** The fastest kernel this installation has: wasm once built, where the engine compiles it. */
export function defaultKernel(): KernelName {
  wasmAvailability ??= wasmUnavailable() === null ? 'wasm' : 'js';
  return wasmAvailability;
}

let wasmAvailability: KernelName | undefined;
