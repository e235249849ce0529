// The forward-pass kernels behind one interface, as a worker uses them: classify a block of
// consecutive images and return their probabilities. The typed-array kernel is the
// reference; a WebAssembly kernel (either build of workers/wasm/forward.ts) reads the
// weights from the shared memory the coordinator filled, and grows that memory once for a
// scratch area of its own.

import { readFileSync } from 'node:fs';

import type { Network } from '../src/model/network.js';
import type { WasmNetwork } from '../src/kernels/wasm-network.js';
import { createScratch, forwardBlock, pixelsToInputs } from './forward.js';

/** Classifies up to `blockSize` images at a time. */
export interface BlockKernel {
  /** (B, classes) probabilities of images [first, first + B); valid until the next call. */
  classifyBlock(pixels: Uint8Array, first: number, B: number): Float32Array;
}

/** The reference kernel of forward.ts. */
export function createJsKernel(
  network: Network,
  blockSize: number,
  pixelsPerImage: number,
): BlockKernel {
  const scratch = createScratch(network, blockSize);
  return {
    classifyBlock(pixels, first, B) {
      pixelsToInputs(pixels, first, B, pixelsPerImage, scratch.input);
      return forwardBlock(network, B, scratch);
    },
  };
}

interface WasmExports {
  classify(network: number, scratch: number, pixels: number, count: number, out: number): void;
}

const PAGE_BYTES = 65536;
// float64 totals of two images' blocks of outputs, which softmax also borrows
const TOTALS_BYTES = 448;

/** A SIMD kernel compiled from workers/wasm/forward.ts into `wasmFile`. */
export function createWasmKernel(
  network: WasmNetwork,
  wasmFile: string,
  blockSize: number,
  pixelsPerImage: number,
  classes: number,
): BlockKernel {
  const { memory } = network;
  const bytes = readFileSync(wasmFile);
  const module = new WebAssembly.Module(bytes);
  const { classify } = new WebAssembly.Instance(module, { env: { memory } })
    .exports as unknown as WasmExports;

  // This worker's scratch: the table of its areas (read by the kernel), the block's pixels,
  // two activation areas, the float64 totals, the non-zero pixels' row offsets (with room
  // for the eight the kernel stores past the last) and values, and the probabilities, each
  // 16-byte aligned. grow() is atomic, so each worker's is its own.
  const activations = 4 * blockSize * network.widestPadded;
  const sizes = [SCRATCH_TABLE_BYTES, blockSize * pixelsPerImage, activations, activations,
    TOTALS_BYTES, 4 * (pixelsPerImage + 8), 4 * pixelsPerImage, 4 * blockSize * classes]
    .map(align16);
  const pages = Math.ceil(sizes.reduce((total, size) => total + size, 0) / PAGE_BYTES);
  const [table, pixelArea, ...areas] = offsets(memory.grow(pages) * PAGE_BYTES, sizes);
  const out = areas.pop() as number;
  new Int32Array(memory.buffer, table, areas.length).set(areas);
  const pixelView = new Uint8Array(memory.buffer, pixelArea, blockSize * pixelsPerImage);
  const outView = new Float32Array(memory.buffer, out, blockSize * classes);

  return {
    classifyBlock(pixels, firstImage, B) {
      const start = firstImage * pixelsPerImage;
      pixelView.set(pixels.subarray(start, start + B * pixelsPerImage));
      classify(network.table, table, pixelArea, B, out);
      return outView;
    },
  };
}

// the five pointers of workers/wasm/forward.ts's scratch table
const SCRATCH_TABLE_BYTES = 5 * 4;

function offsets(base: number, sizes: number[]): number[] {
  let offset = base;
  return sizes.map((size) => {
    const start = offset;
    offset += size;
    return start;
  });
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
