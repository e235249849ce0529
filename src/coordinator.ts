// The coordinator: splits the images into batches and has a piscina pool of worker threads
// classify them, each thread claiming the next batch left as it finishes one. Pixels,
// weights and outputs live in shared memory that every worker reads or writes in place; a
// task carries only references to the shared pixels, network and board of batches, never a
// copy of them. Each image's result depends on nothing but that image and the kernel, so the
// outputs are the same for any number of workers and any batch size.

import { availableParallelism } from 'node:os';

import { runWithRetries } from './batch-retries.js';
import { CLASS_COUNT } from './classes.js';
import { inputError, RunError } from './errors.js';
import { WASM_KERNEL_FILES, type KernelName } from './kernels/kernel-names.js';
import { createWasmNetwork } from './kernels/wasm-network.js';
import { networkFromShared, type SharedNetwork } from './model/network.js';
import { workerFile } from './project-files.js';
import { startWorkerPool } from './worker-pool.js';
import type { Batch, RoundTask } from './batch-board.js';
import type {
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
  /** From the batches put before the worker threads to the last one done. */
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

// What 'auto' aims for. The threads claim batches one at a time, so a thread that starts
// late or runs slow does fewer, and a claim costs next to nothing: batches of 64 to 512
// images took the same time on the test split with 2 workers. Small batches leave little
// for one thread to finish alone at the end, keep a failed batch cheap to run again, and
// move a progress bar often.
const AUTO_BATCH_SIZE = 256;

/**
 * The batch size of 'auto': 256 images, or fewer where that would leave a worker without a
 * batch.
 */
export function autoBatchSize(count: number, workers: number): number {
  return Math.max(1, Math.min(AUTO_BATCH_SIZE, Math.ceil(count / workers)));
}

/** The images per batch that `batchSize` means for `count` images on `workers`. */
function resolveBatchSize(batchSize: BatchSize, count: number, workers: number): number {
  return batchSize === 'auto' ? autoBatchSize(count, workers) : batchSize;
}

/** Splits `count` images into consecutive ranges of at most `batchSize`. */
export function splitIntoBatches(count: number, batchSize: number): Batch[] {
  const batches: Batch[] = [];
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
  // the last run's threads that were still starting when its batches were all done
  let threadsReturned = Promise.resolve();
  const run = async (images: PixelSet, onBatchDone?: (images: number) => void) => {
    // the shared buffers hold one set of images and results at a time
    if (isRunning) throw new RunError('a pool classifies one set of images at a time');
    isRunning = true;

    try {
      const { batches, batchSize, taskFor } = classificationTasks(images, await poolNetwork);
      const { count } = images;
      const predictions = grownView(workerData.predictions, count);
      const probabilities = new Float32Array(grownView(workerData.probabilities,
        4 * CLASS_COUNT * count).buffer, 0, CLASS_COUNT * count);

      const startedAt = performance.now();
      ({ threadsReturned } = await runWithRetries(batches, {
        pool,
        threads,
        retries: options.retries ?? DEFAULT_RETRIES,
        taskFor,
        onBatchDone,
        onRetry: options.onRetry,
      }));
      return { predictions, probabilities, batchSize, elapsedMs: performance.now() - startedAt };
    } finally {
      isRunning = false;
    }
  };

  // the images as the workers share them (copied only when not already shared), their
  // batches, and a thread's task in a round of claiming them
  const classificationTasks = (images: PixelSet, network: PoolNetwork) => {
    const { count, pixelsPerImage } = images;
    const maxImages = Math.floor(MAX_BUFFER_BYTES / Math.max(pixelsPerImage, 4 * CLASS_COUNT));
    if (count > maxImages) {
      throw inputError('ERR_UNSUPPORTED', 'images', `${count} images of ${pixelsPerImage} ` +
        `pixels are more than the ${maxImages} a pool holds (2 GiB), not supported yet`);
    }
    const pixels = sharedPixels(images.pixels.subarray(0, count * pixelsPerImage), pixelCopy);

    const batchSize = resolveBatchSize(options.batchSize, count, threads);
    const taskFor = (round: RoundTask): EvaluationTask => ({ ...round, pixels, network });
    return { batches: splitIntoBatches(count, batchSize), batchSize, taskFor };
  };

  // A thread terminated while it loads its module aborts the whole process, so the threads
  // that a run did not wait for are stopped only once they have started.
  const close = async () => {
    await threadsReturned;
    await pool.destroy();
  };
  return { run, close };
}

// The network as the workers take it: its weights, and for a wasm kernel their layout in
// the kernel's shared memory, written once here for every worker.
function layOut(shared: SharedNetwork, kernel: KernelName): PoolNetwork {
  if (kernel === 'js') return { shared, wasm: null };
  return { shared, wasm: { layout: createWasmNetwork(networkFromShared(shared)),
    file: WASM_KERNEL_FILES[kernel] } };
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
