// Lays a network out in a shared WebAssembly.Memory for the SIMD kernel: float32 weights
// padded to whole blocks of eight outputs, once for every worker, and a table telling the
// kernel where each layer is. Workers later grow the same memory for their own scratch space.

import type { Network } from '../model/network.js';
import { PIXEL_VALUES } from '../../workers/forward.js';

/** The memory holding a network, and where its table starts. */
export interface WasmNetwork {
  memory: WebAssembly.Memory;
  table: number;
  /** Where the 256 float32 values of a pixel byte are, exactly float32(p) / 255. */
  pixelValues: number;
  /** The widest layer, padded: what a worker's activation buffers must hold. */
  widestPadded: number;
  /** The most inputs a layer has, the image's pixels included. */
  widestInput: number;
}

const PAGE_BYTES = 65536;
// The first page is left to the kernel's own compiler; the table and weights follow it.
const TABLE_OFFSET = PAGE_BYTES;
const HEADER_BYTES = 8;
const LAYER_BYTES = 20;
// Room to grow, the most a 32-bit WebAssembly memory has: workers' scratch comes after the
// weights. A shared memory reserves this much address space, not memory.
const MAXIMUM_PAGES = 65536;
const ACTIVATION_CODES = { sigmoid: 0, relu: 1, step: 2 } as const;

/** Rounds a layer's width up to the eight outputs the kernel computes at a time. */
export function padToBlock(count: number): number {
  return Math.ceil(count / 8) * 8;
}

/** Copies a network into a new shared memory in the kernel's layout. */
export function createWasmNetwork(network: Network): WasmNetwork {
  const { layers } = network;
  const pixelValues = align16(TABLE_OFFSET + HEADER_BYTES + LAYER_BYTES * layers.length);
  const weightsStart = pixelValues + 4 * 256;
  const sizes = layers.map((layer) => padToBlock(layer.outputs) * 4 * (layer.inputs + 1));
  const end = weightsStart + sizes.reduce((total, size) => total + size, 0);

  const memory = new WebAssembly.Memory({
    initial: Math.ceil(end / PAGE_BYTES),
    maximum: MAXIMUM_PAGES,
    shared: true,
  });
  const table = new Int32Array(memory.buffer, TABLE_OFFSET, 2 + 5 * layers.length);
  table[0] = layers.length;
  table[1] = ACTIVATION_CODES[network.activation];
  new Float32Array(memory.buffer, pixelValues, 256).set(PIXEL_VALUES);

  let offset = weightsStart;
  layers.forEach((layer, index) => {
    const padded = padToBlock(layer.outputs);
    const weights = new Float32Array(memory.buffer, offset, layer.inputs * padded);
    for (let i = 0; i < layer.inputs; i++) {
      weights.set(layer.weights.subarray(i * layer.outputs, (i + 1) * layer.outputs), i * padded);
    }
    const biasesOffset = offset + 4 * layer.inputs * padded;
    new Float32Array(memory.buffer, biasesOffset, padded).set(layer.biases);

    table.set([layer.inputs, layer.outputs, padded, offset, biasesOffset], 2 + 5 * index);
    offset = biasesOffset + 4 * padded;
  });

  const widestPadded = Math.max(...layers.map((layer) => padToBlock(layer.outputs)));
  const widestInput = Math.max(...layers.map((layer) => layer.inputs));
  return { memory, table: TABLE_OFFSET, pixelValues, widestPadded, widestInput };
}

function align16(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}
