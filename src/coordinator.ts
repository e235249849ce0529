// The coordinator: splits the images into batches, and p-queue feeds them to a piscina pool
// of worker threads. Pixels, weights and outputs live in SharedArrayBuffers that every worker
// reads or writes in place; a task carries only its batch's range. Each image's result
// depends on nothing but that image, so the outputs are the same for any number of workers
// and any batch size.

import { fileURLToPath } from 'node:url';

import PQueue from 'p-queue';
import { Piscina } from 'piscina';

import { CLASS_COUNT } from './classes.js';
import { RunError } from './errors.js';
import type { SharedNetwork } from './model/network.js';
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
  onBatchDone?: (images: number) => void;
}

/** Each image's predicted class and its (count, 10) softmax probabilities. */
export interface Classification {
  predictions: Uint8Array;
  probabilities: Float32Array;
  elapsedMs: number;
}

// Under tsx the worker is the TypeScript source; from a compiled build it is the .js file.
const WORKER_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER_FILE = fileURLToPath(new URL(`../workers/evaluate${WORKER_EXTENSION}`,
  import.meta.url));

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

/** Classifies every image on a pool of worker threads. */
export async function classify(
  images: PixelSet,
  network: SharedNetwork,
  options: ClassifyOptions,
): Promise<Classification> {
  const startedAt = performance.now();
  const predictions = new Uint8Array(new SharedArrayBuffer(images.count));
  const probabilities = new Float32Array(
    new SharedArrayBuffer(4 * images.count * CLASS_COUNT));

  const workerData: EvaluationWorkerData = {
    network,
    pixels: images.pixels,
    pixelsPerImage: images.pixelsPerImage,
    predictions,
    probabilities,
  };
  await runBatches(splitIntoBatches(images.count, options.batchSize), workerData, options);

  return { predictions, probabilities, elapsedMs: performance.now() - startedAt };
}

async function runBatches(
  batches: BatchTask[],
  workerData: EvaluationWorkerData,
  options: ClassifyOptions,
): Promise<void> {
  // A thread with no batch to run would only cost its start-up.
  const threads = Math.min(options.workers, batches.length);
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
    await pool.destroy();
  }
}

// Errors cross from a worker by structured clone, which keeps the message but drops custom
// fields, so the batch and its image range are added to the message here.
function batchFailure(index: number, total: number, batch: BatchTask, cause: unknown): RunError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RunError(`batch ${index + 1}/${total} (images ${batch.start}–${batch.end - 1}) ` +
    `failed: ${reason}`, { cause });
}
