// Lays a network out in a shared WebAssembly.Memory for the SIMD kernel: float32 weights
// padded to whole blocks of eight outputs, once for every worker, and a table telling the
// kernel where each layer and its lookup tables are. Workers later grow the same memory for
// their own scratch space.

import type { Network } from '../model/network.js';
import { PIXEL_VALUES } from '../../workers/forward.js';

/** The memory holding a network, and where its table starts. */
export interface WasmNetwork {
  memory: WebAssembly.Memory;
  table: number;
  /** The widest layer, padded: what a worker's activation buffers must hold per image. */
  widestPadded: number;
}

const PAGE_BYTES = 65536;
// The first page is left to the kernel's own compiler; the table and weights follow it.
const TABLE_OFFSET = PAGE_BYTES;
const HEADER_BYTES = 16;
const LAYER_BYTES = 20;
// Room to grow, the most a 32-bit WebAssembly memory has: workers' scratch comes after the
// weights. A shared memory reserves this much address space, not memory.
const MAXIMUM_PAGES = 65536;
const ACTIVATION_CODES = { sigmoid: 0, relu: 1, step: 2 } as const;

/** Rounds a layer's width up to the eight outputs the kernel's narrowest block computes. */
export function padToBlock(count: number): number {
  return Math.ceil(count / 8) * 8;
}

/** Copies a network into a new shared memory in the kernel's layout. */
export function createWasmNetwork(network: Network): WasmNetwork {
  const { layers } = network;
  const pixelValues = align16(TABLE_OFFSET + HEADER_BYTES + LAYER_BYTES * layers.length);
  const packTable = pixelValues + 4 * 256;
  const weightsStart = packTable + 8 * 256;
  const sizes = layers.map((layer) => padToBlock(layer.outputs) * 4 * (layer.inputs + 1));
  const end = weightsStart + sizes.reduce((total, size) => total + size, 0);

  const memory = new WebAssembly.Memory({
    initial: Math.ceil(end / PAGE_BYTES),
    maximum: MAXIMUM_PAGES,
    shared: true,
  });
  const table = new Int32Array(memory.buffer, TABLE_OFFSET, 4 + 5 * layers.length);
  table.set([layers.length, ACTIVATION_CODES[network.activation], pixelValues, packTable]);
  new Float32Array(memory.buffer, pixelValues, 256).set(PIXEL_VALUES);
  new Uint8Array(memory.buffer, packTable, 8 * 256).set(setBitPositions());

  let offset = weightsStart;
  layers.forEach((layer, index) => {
    const padded = padToBlock(layer.outputs);
    const weights = new Float32Array(memory.buffer, offset, layer.inputs * padded);
    for (let i = 0; i < layer.inputs; i++) {
      for (let j = 0; j < layer.outputs; j++) {
        weights[panelIndex(i, j, layer.inputs, padded, panelWidth(index))] =
          layer.weights[i * layer.outputs + j];
      }
    }
    const biasesOffset = offset + 4 * layer.inputs * padded;
    new Float32Array(memory.buffer, biasesOffset, padded).set(layer.biases);

    table.set([layer.inputs, layer.outputs, padded, offset, biasesOffset], 4 + 5 * index);
    offset = biasesOffset + 4 * padded;
  });

  const widestPadded = Math.max(...layers.map((layer) => padToBlock(layer.outputs)));
  return { memory, table: TABLE_OFFSET, widestPadded };
}

// The outputs the kernel computes at a time in a layer: twenty-four in the first, whose
// inputs come one image at a time, sixteen in the others, which take two images at once.
function panelWidth(layer: number): number {
  return layer === 0 ? 24 : 16;
}

// Where W[i][j] goes: the outputs in panels as wide as the kernel computes at a time (the
// last one narrower where the padded width calls for it), each panel (inputs, its width)
// row-major, so that the rows the kernel walks for one block of outputs lie next to each
// other rather than a whole padded row apart, which for widths of a power of two would crowd
// them into a few cache sets.
function panelIndex(i: number, j: number, inputs: number, padded: number, width: number):
  number {
  const panelStart = j - (j % width);
  const panel = Math.min(width, padded - panelStart);
  return panelStart * inputs + i * panel + (j - panelStart);
}

// For each eight-bit mask, the positions of its set bits from the lowest, packed to the
// front of eight bytes: what the kernel needs to list eight pixels' non-zero ones at once.
function setBitPositions(): Uint8Array {
  const positions = new Uint8Array(8 * 256);
  for (let mask = 0; mask < 256; mask++) {
    let count = 0;
    for (let bit = 0; bit < 8; bit++) {
      if (mask & (1 << bit)) positions[8 * mask + count++] = bit;
    }
  }
  return positions;
}

function align16(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}
