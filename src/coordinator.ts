// The coordinator: splits the images into batches, and p-queue feeds them to a piscina pool
// of worker threads. Pixels, weights and outputs live in shared memory that every worker
// reads or writes in place; a task carries only its batch's range. Each image's result
// depends on nothing but that image and the kernel, so the outputs are the same for any
// number of workers and any batch size.

import PQueue from 'p-queue';
import { Piscina } from 'piscina';

import { CLASS_COUNT } from './classes.js';
import { RunError } from './errors.js';
import { WASM_KERNEL_FILE, type KernelName } from './kernels/kernel-names.js';
import { createWasmNetwork } from './kernels/wasm-network.js';
import { networkFromShared, type SharedNetwork } from './model/network.js';
import { workerFile } from './project-files.js';
import type { BatchTask, EvaluationWorkerData } from '../workers/evaluate.js';

/** The images to classify: (count, pixelsPerImage) bytes in a SharedArrayBuffer. */
export interface PixelSet {
  count: number;
  pixelsPerImage: number;
  pixels: Uint8Array;
}

/** How to run the pool, and whom to tell as batches finish. */
export interface ClassifyOptions {
  workers: number;
  batchSize: number;
  kernel: KernelName;
  onBatchDone?: (images: number) => void;
}

/** Each image's predicted class and its (count, 10) softmax probabilities. */
export interface Classification {
  predictions: Uint8Array;
  probabilities: Float32Array;
  /** From the pool's start to the last batch's end. */
  elapsedMs: number;
}

/** A started pool bound to one set of images, which it can classify again and again. */
export interface ClassifierPool {
  /** Classifies every image; the arrays returned are overwritten by the next call. */
  run(): Promise<Omit<Classification, 'elapsedMs'>>;
  close(): Promise<void>;
}

const WORKER_FILE = workerFile('evaluate');

// Keeping two batches in flight per worker means a worker finds its next batch waiting in
// piscina's queue when it finishes one, while p-queue still holds back the rest.
const BATCHES_IN_FLIGHT_PER_WORKER = 2;

/** Splits `count` images into consecutive ranges of at most `batchSize`. */
export function splitIntoBatches(count: number, batchSize: number): BatchTask[] {
  const batches: BatchTask[] = [];
  for (let start = 0; start < count; start += batchSize) {
    batches.push({ start, end: Math.min(start + batchSize, count) });
  }
  return batches;
}

/** Classifies every image once on a pool of worker threads. */
export async function classify(
  images: PixelSet,
  network: SharedNetwork,
  options: ClassifyOptions,
): Promise<Classification> {
  const startedAt = performance.now();
  const pool = openClassifierPool(images, network, options);
  try {
    const result = await pool.run();
    return { ...result, elapsedMs: performance.now() - startedAt };
  } finally {
    await pool.close();
  }
}

/** Starts the worker threads for `images`; close() stops them. */
export function openClassifierPool(
  images: PixelSet,
  network: SharedNetwork,
  options: ClassifyOptions,
): ClassifierPool {
  const batches = splitIntoBatches(images.count, options.batchSize);
  const workerData: EvaluationWorkerData = {
    network,
    wasm: options.kernel === 'wasm' ?
      { network: createWasmNetwork(networkFromShared(network)), file: WASM_KERNEL_FILE } : null,
    pixels: images.pixels,
    pixelsPerImage: images.pixelsPerImage,
    predictions: new Uint8Array(new SharedArrayBuffer(images.count)),
    probabilities: new Float32Array(new SharedArrayBuffer(4 * images.count * CLASS_COUNT)),
  };

  // A thread with no batch to run would only cost its start-up.
  const threads = Math.max(1, Math.min(options.workers, batches.length));
  const pool = new Piscina({
    filename: WORKER_FILE,
    workerData,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });

  // A worker that fails to load makes piscina stop starting workers, and tasks still queued
  // would then wait forever; destroying the pool rejects them instead.
  let poolFailure: Error | undefined;
  pool.on('error', (error: Error) => {
    poolFailure ??= error;
    void pool.destroy();
  });

  const run = async () => {
    const queue = new PQueue({ concurrency: threads * BATCHES_IN_FLIGHT_PER_WORKER });
    try {
      await Promise.all(batches.map((batch, index) => queue.add(async () => {
        try {
          await pool.run(batch);
        } catch (error) {
          throw batchFailure(index, batches.length, batch, poolFailure ?? error);
        }
        options.onBatchDone?.(batch.end - batch.start);
      })));
    } finally {
      queue.clear();
    }
    return { predictions: workerData.predictions, probabilities: workerData.probabilities };
  };
  return { run, close: () => pool.destroy() };
}

// Errors cross from a worker by structured clone, which keeps the message but drops custom
// fields, so the batch and its image range are added to the message here.
function batchFailure(index: number, total: number, batch: BatchTask, cause: unknown): RunError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RunError(`batch ${index + 1}/${total} (images ${batch.start}–${batch.end - 1}) ` +
    `failed: ${reason}`, { cause });
}
