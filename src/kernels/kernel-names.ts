// The forward-pass kernels a run can choose between, and which is the default.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../project-files.js';

/**
 * Fastest first. `wasm-fma`: WebAssembly relaxed SIMD, its multiply-adds fused where the
 * processor has FMA. `wasm`: standard WebAssembly SIMD, rounding the same on every processor.
 * Both are built from workers/wasm/forward.ts by npm install. `js`: the plain typed-array
 * reference.
 */
export const KERNELS = ['wasm-fma', 'wasm', 'js'] as const;

/** One of the kernels. */
export type KernelName = (typeof KERNELS)[number];

/** The kernels compiled to WebAssembly. */
export type WasmKernelName = Exclude<KernelName, 'js'>;

const WASM_FOLDER = join(PROJECT_ROOT, 'dist', 'workers', 'wasm');

/** Where npm install (its prepare script) puts each compiled WebAssembly kernel. */
export const WASM_KERNEL_FILES: Readonly<Record<WasmKernelName, string>> = {
  'wasm-fma': join(WASM_FOLDER, 'forward-fma.wasm'),
  wasm: join(WASM_FOLDER, 'forward.wasm'),
};

// what the engine must compile for each, in the words of the reason it cannot
const WASM_FEATURES: Readonly<Record<WasmKernelName, string>> = {
  'wasm-fma': 'WebAssembly relaxed SIMD (Node.js 22 and later can)',
  wasm: 'WebAssembly SIMD',
};

const reasons = new Map<KernelName, string | null>();

/** Why `kernel` cannot run here, or null when it can; each kernel's file is read once. */
export function kernelUnavailable(kernel: KernelName): string | null {
  if (!reasons.has(kernel)) reasons.set(kernel, findReason(kernel));
  return reasons.get(kernel)!;
}

function findReason(kernel: KernelName): string | null {
  if (kernel === 'js') return null;
  const file = WASM_KERNEL_FILES[kernel];
  if (!existsSync(file)) return `${file} is missing (build it with npm run build:wasm)`;
  if (!WebAssembly.validate(readFileSync(file))) {
    return `this Node.js ${process.version} cannot compile ${WASM_FEATURES[kernel]}`;
  }
  return null;
}

/** The kernels that run here, fastest first. */
export function availableKernels(): KernelName[] {
  return KERNELS.filter((kernel) => kernelUnavailable(kernel) === null);
}

/** The fastest kernel that runs here; js, the reference, always does. */
export function defaultKernel(): KernelName {
  return availableKernels()[0] ?? 'js';
}
