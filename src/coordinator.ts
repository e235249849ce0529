// The coordinator: splits the images into batches, and p-queue feeds them to a piscina pool
// of worker threads. Pixels, weights and outputs live in shared memory that every worker
// reads or writes in place; a task carries only its batch's range and references to the
// shared pixels and network, never a copy of them. Each image's result depends on nothing but
// that image and the kernel, so the outputs are the same for any number of workers and any
// batch size.

import { availableParallelism } from 'node:os';

import { runWithRetries } from './batch-retries.js';
import { CLASS_COUNT } from './classes.js';
import { inputError, RunError } from './errors.js';
import { WASM_KERNEL_FILE, type KernelName } from './kernels/kernel-names.js';
import { createWasmNetwork } from './kernels/wasm-network.js';
import { networkFromShared, type SharedNetwork } from './model/network.js';
import { workerFile } from './project-files.js';
import { startWorkerPool } from './worker-pool.js';
import type {
  BatchTask,
  EvaluationTask,
  EvaluationWorkerData,
  PoolNetwork,
  SharedPixels,
} from '../workers/evaluate.js';

/** The images to classify: (count, pixelsPerImage) bytes, read in place when shared. */
export interface PixelSet {
  count: number;
  pixelsPerImage: number;
  pixels: Uint8Array;
}

/** Images per batch, or 'auto' for autoBatchSize's choice once the images are known. */
export type BatchSize = number | 'auto';

/** How to run the pool. */
export interface PoolOptions {
  workers: number;
  batchSize: BatchSize;
  kernel: KernelName;
  /** How many times a failed batch is run again, on fresh threads (DEFAULT_RETRIES). */
  retries?: number;
  /** Told, in one line, about each failed batch that is about to be run again. */
  onRetry?: (message: string) => void;
}

/** How to run the pool, and whom to tell as batches finish. */
export interface ClassifyOptions extends PoolOptions {
  onBatchDone?: (images: number) => void;
}

/** Each image's predicted class and its (count, 10) softmax probabilities. */
export interface Classification {
  predictions: Uint8Array;
  probabilities: Float32Array;
  /** The images per batch the run used. */
  batchSize: number;
  /** From the first batch handed to the pool to the last one done. */
  elapsedMs: number;
}

/** A started pool of worker threads, which classifies sets of images one after another. */
export interface ClassifierPool {
  /** Classifies every image; the arrays returned are overwritten by the next call. */
  run(images: PixelSet, onBatchDone?: (images: number) => void): Promise<Classification>;
  close(): Promise<void>;
}

const WORKER_FILE = workerFile('evaluate');

/** How many times a failed batch is run again when the caller does not say. */
export const DEFAULT_RETRIES = 2;

// The most bytes any of a pool's growable buffers holds; they reserve this much address
// space, not memory.
const MAX_BUFFER_BYTES = 2 ** 31;

// Keeping two batches in flight per worker means a worker finds its next batch waiting in
// piscina's queue when it finishes one, while p-queue still holds back the rest.
const BATCHES_IN_FLIGHT_PER_WORKER = 2;

// What 'auto' aims for. A batch costs the pool about 0.1 ms whatever its size, and a worker
// that runs out of batches while another still works waits idle: on the test split with 2
// workers, batches of 2,500 took 9.4 ms where batches of 1,000 took 10.3 ms and batches of
// 2,000 (five, one worker idle at the end) 11.0 ms. The cap keeps the progress bar moving
// and a batch that fails cheap to run again on large sets.
const AUTO_BATCHES_PER_WORKER = 2;
const MAX_AUTO_BATCH_SIZE = 10_000;

/**
 * The batch size of 'auto': the images split evenly into two batches per worker, at most
 * 10,000 images each.
 */
export function autoBatchSize(count: number, workers: number): number {
  return Math.max(1, Math.min(MAX_AUTO_BATCH_SIZE,
    Math.ceil(count / (AUTO_BATCHES_PER_WORKER * workers))));
}

/** The images per batch that `batchSize` means for `count` images on `workers`. */
function resolveBatchSize(batchSize: BatchSize, count: number, workers: number): number {
  return batchSize === 'auto' ? autoBatchSize(count, workers) : batchSize;
}

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
  // a thread with no batch to run would only cost its start-up
  const batchSize = resolveBatchSize(options.batchSize, images.count, options.workers);
  const batches = Math.ceil(images.count / batchSize);
  const pool = startClassifierPool(network, { ...options, batchSize,
    workers: Math.max(1, Math.min(options.workers, batches)) });
  try {
    return await pool.run(images, options.onBatchDone);
  } finally {
    await pool.close();
  }
}

/**
 * Starts the worker threads at once, before the network or any image is known, so that they
 * start while the inputs load: `network` may still be loading. The results go into growable
 * shared buffers that the workers viewed when they started, and the images and the network
 * go with each task; close() stops the threads.
 */
export function startClassifierPool(
  network: SharedNetwork | Promise<SharedNetwork>,
  options: PoolOptions,
): ClassifierPool {
  const growable = () => new SharedArrayBuffer(0, { maxByteLength: MAX_BUFFER_BYTES });
  const workerData: EvaluationWorkerData = {
    predictions: growable(),
    probabilities: growable(),
  };
  // where images that do not already lie in shared memory are copied
  const pixelCopy = growable();

  // As many threads as can run at once start now; piscina starts the rest, up to --workers,
  // only when batches queue up for them, so a run of few batches starts few threads.
  const threads = options.workers;
  const pool = startWorkerPool({
    filename: WORKER_FILE,
    workerData,
    minThreads: Math.min(threads, availableParallelism()),
    maxThreads: threads,
  });
  // laid out for the kernel as soon as it is known; a network that fails to load is
  // reported by the first run, not as an unhandled rejection
  const poolNetwork = Promise.resolve(network).then((shared) => layOut(shared, options.kernel));
  poolNetwork.catch(() => {});

  let isRunning = false;
  const run = async (images: PixelSet, onBatchDone?: (images: number) => void) => {
    // the shared buffers hold one set of images and results at a time
    if (isRunning) throw new RunError('a pool classifies one set of images at a time');
    isRunning = true;

    try {
      const { tasks, batchSize } = classificationTasks(images, await poolNetwork);
      const { count } = images;
      const predictions = grownView(workerData.predictions, count);
      const probabilities = new Float32Array(grownView(workerData.probabilities,
        4 * CLASS_COUNT * count).buffer, 0, CLASS_COUNT * count);

      const startedAt = performance.now();
      await runBatches(tasks, onBatchDone);
      return { predictions, probabilities, batchSize, elapsedMs: performance.now() - startedAt };
    } finally {
      isRunning = false;
    }
  };

  // the images as the workers share them (copied only when not already shared), and one task
  // per batch of them
  const classificationTasks = (images: PixelSet, shared: PoolNetwork) => {
    const { count, pixelsPerImage } = images;
    const maxImages = Math.floor(MAX_BUFFER_BYTES / Math.max(pixelsPerImage, 4 * CLASS_COUNT));
    if (count > maxImages) {
      throw inputError('ERR_UNSUPPORTED', 'images', `${count} images of ${pixelsPerImage} ` +
        `pixels are more than the ${maxImages} a pool holds (2 GiB), not supported yet`);
    }
    const pixels = sharedPixels(images.pixels.subarray(0, count * pixelsPerImage), pixelCopy);

    const batchSize = resolveBatchSize(options.batchSize, count, threads);
    const tasks = splitIntoBatches(count, batchSize)
      .map((batch): EvaluationTask => ({ ...batch, pixels, network: shared }));
    return { tasks, batchSize };
  };

  const runBatches = (tasks: EvaluationTask[], onBatchDone?: (images: number) => void) =>
    runWithRetries(tasks, {
      pool,
      concurrency: threads * BATCHES_IN_FLIGHT_PER_WORKER,
      retries: options.retries ?? DEFAULT_RETRIES,
      onBatchDone,
      onRetry: options.onRetry,
    });
  return { run, close: () => pool.destroy() };
}

// The network as the workers take it: its weights, and for the wasm kernel their layout in
// the kernel's shared memory, written once here for every worker.
function layOut(shared: SharedNetwork, kernel: KernelName): PoolNetwork {
  if (kernel === 'js') return { shared, wasm: null };
  return { shared, wasm: { layout: createWasmNetwork(networkFromShared(shared)),
    file: WASM_KERNEL_FILE } };
}

// The pixels as the workers read them: in place when they already lie in shared memory (the
// images file is read into it), else copied into `copy`.
function sharedPixels(pixels: Uint8Array, copy: SharedArrayBuffer): SharedPixels {
  if (pixels.buffer instanceof SharedArrayBuffer) {
    return { buffer: pixels.buffer, offset: pixels.byteOffset };
  }
  grownView(copy, pixels.length).set(pixels);
  return { buffer: copy, offset: 0 };
}

// Grows a shared buffer to hold at least `bytes` and returns a view of its first `bytes`.
function grownView(buffer: SharedArrayBuffer, bytes: number): Uint8Array {
  if (buffer.byteLength < bytes) buffer.grow(bytes);
  return new Uint8Array(buffer, 0, bytes);
}
