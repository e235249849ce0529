// Worker entry for the evaluation pool. Everything large is shared memory: the output arrays
// arrive once, in `workerData`, before any image is read; the pixels and the weights come
// with each task, as shared memory too, so that the threads start before either is read.
// A task carries only those and the round's board, from which the thread claims batches of
// images one at a time (src/batch-board.ts), and the worker writes its results straight
// into shared memory, so nothing proportional to the data is ever copied between threads.

// piscina passes the pool's workerData to each thread as Node's own, so it is read from
// node:worker_threads: importing it from piscina would load piscina's whole pool library
// into every thread, about a quarter of a thread's start-up.
import { workerData } from 'node:worker_threads';

import { runClaimedBatches, type RoundTask } from '../src/batch-board.js';
import type { WasmNetwork } from '../src/kernels/wasm-network.js';
import { networkFromShared, type SharedNetwork } from '../src/model/network.js';
import type { WorkerFault } from '../src/faults.js';
import { argmaxRows } from './forward.js';
import { injectFault } from './inject-fault.js';
import { createJsKernel, createWasmKernel, type BlockKernel } from './kernels.js';

/** What every worker of the pool receives at start. */
export interface EvaluationWorkerData {
  /** Output: the predicted class of each image, one byte each (growable). */
  predictions: SharedArrayBuffer;
  /** Output: (count, classes) float32 softmax probabilities, row-major (growable). */
  probabilities: SharedArrayBuffer;
}

/**
 * The network a pool runs, in shared memory: its weights, and for a wasm kernel their
 * layout in the kernel's memory and the compiled kernel's file.
 */
export interface PoolNetwork {
  shared: SharedNetwork;
  wasm: { layout: WasmNetwork; file: string } | null;
}

/** The pixels of the set a pool classifies: (count, pixels per image) bytes from `offset`. */
export interface SharedPixels {
  buffer: SharedArrayBuffer;
  offset: number;
}

/**
 * One thread's part of a round: the batches it claims from the round's board, the set's
 * pixels they are in, and the network, the same in every task of a pool.
 */
export interface EvaluationTask extends RoundTask {
  pixels: SharedPixels;
  network: PoolNetwork;
}

// Images go through the network in blocks of this many, so that the scratch buffers stay
// small and in cache whatever batch size the coordinator chose.
const BLOCK_SIZE = 64;

const shared = workerData as EvaluationWorkerData;
// views without a length follow the buffers as the coordinator grows them
const predictions = new Uint8Array(shared.predictions);
const probabilities = new Float32Array(shared.probabilities);

// made from the first task's network, which every later task of the pool repeats
let model: { kernel: BlockKernel; classes: number } | undefined;

/**
 * Classifies the batches this thread claims from the round's board into the shared outputs;
 * returns how many it did.
 */
export default function evaluateBatches(
  { board, slot, faults, pixels: set, network }: EvaluationTask,
): number {
  const { kernel, classes } = (model ??= createModel(network));
  const pixels = new Uint8Array(set.buffer, set.offset);
  return runClaimedBatches(board, slot, (index, start, end) => {
    classifyBatch(kernel, classes, pixels, start, end, faults?.[index]);
  });
}

// Classifies images [start, end), a block at a time.
function classifyBatch(kernel: BlockKernel, classes: number, pixels: Uint8Array, start: number,
  end: number, fault: WorkerFault | undefined): void {
  // a test's fault strikes once half the batch is written, as a real one could
  const faultAt = start + Math.floor((end - start) / 2);
  for (let first = start; first < end; first += BLOCK_SIZE) {
    const B = Math.min(BLOCK_SIZE, end - first);
    const blockProbabilities = kernel.classifyBlock(pixels, first, B);
    probabilities.set(blockProbabilities.subarray(0, B * classes), first * classes);
    argmaxRows(blockProbabilities, B, classes, predictions.subarray(first, first + B));
    if (fault !== undefined && first + B >= faultAt) failMidway(fault, start, end, classes);
  }
}

// A worker dying mid-batch may leave anything in its outputs; garbage over the batch makes
// the tests prove that a retry rewrites all of it.
function failMidway(fault: WorkerFault, start: number, end: number, classes: number): never {
  predictions.fill(255, start, end);
  probabilities.fill(Number.NaN, start * classes, end * classes);
  return injectFault(fault);
}

function createModel({ shared: sharedNetwork, wasm }: PoolNetwork):
  { kernel: BlockKernel; classes: number } {
  const network = networkFromShared(sharedNetwork);
  const pixelsPerImage = network.layers[0].inputs;
  const classes = network.layers[network.layers.length - 1].outputs;
  const kernel = wasm === null ? createJsKernel(network, BLOCK_SIZE, pixelsPerImage) :
    createWasmKernel(wasm.layout, wasm.file, BLOCK_SIZE, pixelsPerImage, classes);
  return { kernel, classes };
}
