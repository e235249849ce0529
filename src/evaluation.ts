// One evaluation from start to finish, with no printing: start the worker threads, read and
// check every input while they start and before any is given a batch, classify on the pool,
// then either compute the figures and replace the reports all at once, or, for one shard of a
// split evaluation, write its partial result.
// Data flows one way: readers, then the pool, then the reports.

import { join } from 'node:path';

import { CLASS_COUNT } from './classes.js';
import {
  DEFAULT_RETRIES,
  startClassifierPool,
  type BatchSize,
  type ClassifierPool,
} from './coordinator.js';
import { loadDataset, type Dataset } from './data/dataset.js';
import type { DatasetPaths, MnistSplit } from './data/mnist-files.js';
import { inputError } from './errors.js';
import type { KernelName } from './kernels/kernel-names.js';
import { checkOutputFile, checkOutputFolder, replaceFile } from './io/atomic-files.js';
import { loadWeights, type LoadedWeights } from './model/load-weights.js';
import { formatShape, networkWidths, shareNetwork } from './model/network.js';
import { consecutiveImages } from './report/image-set.js';
import { REPORT_FORMATS, reportFileNames, type ReportFormat } from './report/report-names.js';
import type { ClassifiedSet, EvaluationResult } from './report/write-reports.js';
import { encodePartial, partialFileName, type PartialResult } from './shards/partial-file.js';
import type { ShardChoice } from './shards/shard-choice.js';
import { shardRange, type ShardRange } from './shards/shard-range.js';

export type { EvaluationResult } from './report/write-reports.js';

/** Everything an evaluation needs to know, already validated by the caller. */
export interface EvaluationRequest {
  data: DatasetPaths;
  split: MnistSplit | null;
  weights: string;
  workers: number;
  /** How many times a batch whose worker failed is run again on fresh threads (default 2). */
  retries?: number;
  batchSize: BatchSize;
  kernel: KernelName;
  out: string;
  /** Which kinds of report to write; all of them when absent. */
  formats?: readonly ReportFormat[];
  /** Called once the inputs are read, with the number of images to classify. */
  onStart?: (imageCount: number) => void;
  onBatchDone?: (images: number) => void;
  /** Told, in one line, about each failed batch that is about to be run again. */
  onRetry?: (message: string) => void;
}

/** A shard's partial result and the file that now holds it. */
export interface ShardEvaluation {
  partial: PartialResult;
  path: string;
}

/** Runs one whole evaluation and writes its reports into `request.out`. */
export async function evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
  const formats = request.formats ?? REPORT_FORMATS;
  const classifying = classifyImages(request, null,
    () => checkOutputFolder(request.out, reportFileNames(formats), '--out'));
  // The report builders load while the threads start and classify: loaded with the command,
  // they held back the threads' start.
  const reportWriter = import('./report/write-reports.js');
  const { set, stopped } = await classifying;
  const { writeReports } = await reportWriter;
  const result = await writeReports(set, request.out, formats);
  await stopped;
  return result;
}

/** Evaluates one shard's slice of the images and writes its partial result into `out`. */
export async function evaluateShard(
  request: EvaluationRequest,
  shard: ShardChoice,
): Promise<ShardEvaluation> {
  const path = join(request.out, partialFileName(shard.index, shard.count));
  const { set, images, stopped } = await classifyImages(request,
    (count) => shardRange(shard.index, shard.count, count), () => checkOutputFile(path, '--out'));

  const partial = { shard: { ...shard, images }, set };
  await replaceFile(path, encodePartial(partial));
  await stopped;
  return { partial, path };
}

// Classifies every image, or the slice that `sliceOf` picks once the image count is known.
// The threads are stopped in the background once the images are classified, while the
// caller builds what it writes; `stopped` settles when they are.
// `checkOutput` runs while the inputs load, and the pool is given no work before it passes,
// so that a bad --out wastes none; a bad input is still the error reported when both are bad.
async function classifyImages(
  request: EvaluationRequest,
  sliceOf: ((count: number) => ShardRange) | null,
  checkOutput: () => Promise<void>,
): Promise<{ set: ClassifiedSet; images: ShardRange; stopped: Promise<void> }> {
  const startedAt = new Date();
  const startMs = performance.now();
  // how the run recovered goes into summary.json's run section
  const retries = request.retries ?? DEFAULT_RETRIES;
  let batchesRetried = 0;
  const outputChecked = checkOutput();
  // its failure is reported below, after the inputs', not as an unhandled rejection
  outputChecked.catch(() => {});
  const { dataset, weights, pool } = await loadInputsAndStartPool({ ...request, retries,
    onRetry: (message) => {
      batchesRetried += 1;
      request.onRetry?.(message);
    } });
  const images = sliceOf?.(dataset.count) ?? { start: 0, end: dataset.count };
  const { start, end } = images;
  const pixelsPerImage = dataset.pixelsPerImage;
  let classification;
  try {
    checkInputSize(dataset, weights);
    await outputChecked;

    request.onStart?.(end - start);
    classification = await pool.run({ count: end - start, pixelsPerImage,
      pixels: dataset.pixels.subarray(start * pixelsPerImage, end * pixelsPerImage) },
    request.onBatchDone);
  } catch (error) {
    await pool.close();
    throw error;
  }
  const stopped = pool.close();
  // awaited by the caller once its files are written, and reported then if it failed
  stopped.catch(() => {});

  const set: ClassifiedSet = {
    data: {
      split: request.split,
      images: dataset.files.images,
      labels: dataset.files.labels,
      count: dataset.count,
      imageShape: [dataset.rows, dataset.columns],
    },
    weights: {
      file: weights.file,
      format: weights.format,
      widths: networkWidths(weights.network),
      hiddenActivation: weights.network.activation,
      metadata: weights.metadata,
    },
    run: {
      workers: request.workers,
      batchSize: classification.batchSize,
      kernel: request.kernel,
      startedAt: startedAt.toISOString(),
      classifyMs: classification.elapsedMs,
      wallTimeMs: performance.now() - startMs,
      retries,
      batchesRetried,
    },
    table: {
      labels: dataset.labels.subarray(start, end),
      predictions: classification.predictions,
      probabilities: classification.probabilities,
      classCount: CLASS_COUNT,
    },
    // numbered within the slice, as the table is
    images: consecutiveImages(dataset.rows, dataset.columns,
      dataset.pixels.subarray(start * pixelsPerImage, end * pixelsPerImage)),
  };
  return { set, images, stopped };
}

// The worker threads start first, while the weights and the images load: a thread takes
// longer to start than both take to read. When both inputs are bad the data's error is the
// one reported, so that the same command always says the same thing; either way the threads
// are stopped before the error is.
async function loadInputsAndStartPool(request: EvaluationRequest): Promise<{
  dataset: Dataset;
  weights: LoadedWeights;
  pool: ClassifierPool;
}> {
  const weightsLoaded = loadWeights(request.weights);
  const pool = startClassifierPool(weightsLoaded.then((weights) => shareNetwork(weights.network)),
    request);
  const [dataset, weights] = await Promise.allSettled([loadDataset(request.data), weightsLoaded]);

  if (dataset.status === 'fulfilled' && weights.status === 'fulfilled') {
    return { dataset: dataset.value, weights: weights.value, pool };
  }
  await pool.close();
  throw dataset.status === 'rejected' ? dataset.reason :
    (weights as PromiseRejectedResult).reason;
}

function checkInputSize(dataset: Dataset, weights: LoadedWeights): void {
  const inputs = weights.network.layers[0].inputs;
  if (dataset.pixelsPerImage === inputs) return;

  const W1 = formatShape([inputs, weights.network.layers[0].outputs]);
  throw inputError('ERR_SHAPE_MISMATCH', dataset.files.images.path, `images are ` +
    `${dataset.rows}×${dataset.columns} (${dataset.pixelsPerImage} pixels), expected ${inputs} ` +
    `pixels for the network's input layer (W1 in ${weights.file.path} is ${W1})`);
}
