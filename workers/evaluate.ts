// Worker entry for the evaluation pool. Everything large arrives once, in `workerData`, as
// shared memory: the pixels, the weights and the output arrays. A task carries only the
// range of images it covers, and the worker writes its results straight into shared memory,
// so nothing proportional to the data is ever copied between threads.

// piscina passes the pool's workerData to each thread as Node's own, so it is read from
// node:worker_threads: importing it from piscina would load piscina's whole pool library
// into every thread, about a quarter of a thread's start-up.
import { workerData } from 'node:worker_threads';

import type { WasmNetwork } from '../src/kernels/wasm-network.js';
import { networkFromShared, type SharedNetwork } from '../src/model/network.js';
import type { WorkerFault } from '../src/faults.js';
import { argmaxRows } from './forward.js';
import { injectFault } from './inject-fault.js';
import { createJsKernel, createWasmKernel } from './kernels.js';

/** What every worker of the pool receives at start. */
export interface EvaluationWorkerData {
  network: SharedNetwork;
  /** The network laid out for the wasm kernel when that is the kernel; null for js. */
  wasm: { network: WasmNetwork; file: string } | null;
  /** (count, pixelsPerImage) bytes, growable, so that the pool starts before they load. */
  pixels: SharedArrayBuffer;
  pixelsPerImage: number;
  /** Output: the predicted class of each image, one byte each (growable). */
  predictions: SharedArrayBuffer;
  /** Output: (count, classes) float32 softmax probabilities, row-major (growable). */
  probabilities: SharedArrayBuffer;
}

/** One task: the images [start, end). */
export interface BatchTask {
  start: number;
  end: number;
  /** TEST-ONLY: a fault to inject half-way through the batch (see src/faults.ts). */
  fault?: WorkerFault;
}

// Images go through the network in blocks of this many, so that the scratch buffers stay
// small and in cache whatever batch size the coordinator chose.
const BLOCK_SIZE = 64;

const shared = workerData as EvaluationWorkerData;
const network = networkFromShared(shared.network);
// views without a length follow the buffers as the coordinator grows them
const pixels = new Uint8Array(shared.pixels);
const predictions = new Uint8Array(shared.predictions);
const probabilities = new Float32Array(shared.probabilities);
const classes = network.layers[network.layers.length - 1].outputs;
const kernel = shared.wasm === null ?
  createJsKernel(network, BLOCK_SIZE, shared.pixelsPerImage) :
  createWasmKernel(shared.wasm.network, shared.wasm.file, BLOCK_SIZE, shared.pixelsPerImage,
    classes);

/** Classifies the images of one batch into the shared outputs; returns how many it did. */
export default function evaluateBatch({ start, end, fault }: BatchTask): number {
  // a test's fault strikes once half the batch is written, as a real one could
  const faultAt = start + Math.floor((end - start) / 2);
  for (let first = start; first < end; first += BLOCK_SIZE) {
    const B = Math.min(BLOCK_SIZE, end - first);
    const blockProbabilities = kernel.classifyBlock(pixels, first, B);
    probabilities.set(blockProbabilities.subarray(0, B * classes), first * classes);
    argmaxRows(blockProbabilities, B, classes, predictions.subarray(first, first + B));
    if (fault !== undefined && first + B >= faultAt) failMidway(fault, start, end);
  }
  return end - start;
}

// A worker dying mid-batch may leave anything in its outputs; garbage over the batch makes
// the tests prove that a retry rewrites all of it.
function failMidway(fault: WorkerFault, start: number, end: number): never {
  predictions.fill(255, start, end);
  probabilities.fill(Number.NaN, start * classes, end * classes);
  return injectFault(fault);
}
