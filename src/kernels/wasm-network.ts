// Lays a network out in a shared WebAssembly.Memory for the SIMD kernels: float32 weights
// padded to whole vectors of four outputs, once for every worker, and a table telling the
// kernel where each layer and its lookup tables are. Workers later grow the same memory for
// their own scratch space.

import type { DenseLayer, Network } from '../model/network.js';
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

/** Rounds a layer's width up to the four outputs of one of the kernel's vectors. */
export function padToBlock(count: number): number {
  return Math.ceil(count / 4) * 4;
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
    writePanels(layer, panelWidths(index, padded),
      new Float32Array(memory.buffer, offset, layer.inputs * padded));
    const biasesOffset = offset + 4 * layer.inputs * padded;
    new Float32Array(memory.buffer, biasesOffset, padded).set(layer.biases);

    table.set([layer.inputs, layer.outputs, padded, offset, biasesOffset], 4 + 5 * index);
    offset = biasesOffset + 4 * padded;
  });

  const widestPadded = Math.max(...layers.map((layer) => padToBlock(layer.outputs)));
  return { memory, table: TABLE_OFFSET, widestPadded };
}

// The widths of the blocks of outputs the kernel computes at a time in a layer, as it walks
// them: in the first, whose inputs come one image at a time, seven vectors of four outputs
// at a time, then six, four, two or one; in the others, which take two images at once, four
// vectors at a time, then three, two or one.
function panelWidths(layer: number, padded: number): number[] {
  const [widest, ...rest] = layer === 0 ? [7, 6, 4, 2, 1] : [4, 3, 2, 1];
  const vectors = padded / 4;
  const widths: number[] = Array.from({ length: Math.floor(vectors / widest) }, () => widest);
  let left = vectors % widest;
  for (const size of rest) {
    if (left >= size) {
      widths.push(size);
      left -= size;
    }
  }
  return widths.map((width) => 4 * width);
}

// W's outputs in panels as wide as the kernel computes at a time, each panel (inputs, its
// width) row-major, so that the rows the kernel walks for one block of outputs lie next to
// each other rather than a whole padded row apart, which for widths of a power of two would
// crowd them into a few cache sets. The padding columns stay zero.
function writePanels(layer: DenseLayer, widths: number[], panels: Float32Array): void {
  const { inputs, outputs, weights } = layer;
  let panelStart = 0;
  for (const width of widths) {
    const columns = Math.min(width, outputs - panelStart);
    for (let i = 0; i < inputs; i++) {
      const from = i * outputs + panelStart;
      panels.set(weights.subarray(from, from + columns), panelStart * inputs + i * width);
    }
    panelStart += width;
  }
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
