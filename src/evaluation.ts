// One evaluation from start to finish, with no printing: read and check every input before
// any worker starts, classify on the pool, compute the figures, and replace the reports all
// at once. Data flows one way: readers, then the pool, then the reports.

import { join } from 'node:path';

import { CLASS_COUNT } from './classes.js';
import {
  DEFAULT_RETRIES,
  startClassifierPool,
  type ClassifierPool,
} from './coordinator.js';
import { loadDataset, type Dataset } from './data/dataset.js';
import type { DatasetPaths, MnistSplit } from './data/mnist-files.js';
import { inputError } from './errors.js';
import type { KernelName } from './kernels/kernel-names.js';
import { checkOutputFolder, replaceFiles } from './io/atomic-files.js';
import {
  integrityRecord,
  SUMMARY_FILE,
  type IntegrityRecord,
} from './io/file-digests.js';
import { loadWeights, type LoadedWeights } from './model/load-weights.js';
import { formatShape, networkWidths, shareNetwork } from './model/network.js';
import { computeMetrics, confusionMatrix, type Metrics } from './report/metrics.js';
import { buildReportFiles, REPORT_FILE_NAMES } from './report/report-files.js';
import { buildSummary, type Summary } from './report/summary.js';
import { TOOL } from './tool.js';

/** Everything an evaluation needs to know, already validated by the caller. */
export interface EvaluationRequest {
  data: DatasetPaths;
  split: MnistSplit | null;
  weights: string;
  workers: number;
  /** How many times a batch whose worker failed is run again on fresh threads (default 2). */
  retries?: number;
  batchSize: number;
  kernel: KernelName;
  out: string;
  /** Called once the inputs are read, with the number of images to classify. */
  onStart?: (imageCount: number) => void;
  onBatchDone?: (images: number) => void;
  /** Told, in one line, about each failed batch that is about to be run again. */
  onRetry?: (message: string) => void;
}

/** summary.json: the summary, and the integrity record of the other files, before `run`. */
export type WrittenSummary = Omit<Summary, 'run'> & { integrity: IntegrityRecord } &
  { run: Summary['run'] & RunRecovery };

/** The run's --retries, and how many times a batch was run again (0 in an undisturbed run). */
export interface RunRecovery {
  retries: number;
  batchesRetried: number;
}

/** The figures of a finished evaluation and the files that now hold them. */
export interface EvaluationResult {
  summary: WrittenSummary;
  metrics: Metrics;
  reportPaths: string[];
}

/** Runs one evaluation and writes its reports into `request.out`. */
export async function evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
  const startedAt = new Date();
  const startMs = performance.now();
  // how the run recovered goes into summary.json's run section
  const retries = request.retries ?? DEFAULT_RETRIES;
  let batchesRetried = 0;
  const { dataset, weights, pool } = await loadInputsAndStartPool({ ...request, retries,
    onRetry: (message) => {
      batchesRetried += 1;
      request.onRetry?.(message);
    } });
  let classification;
  try {
    checkInputSize(dataset, weights);
    await checkOutputFolder(request.out, REPORT_FILE_NAMES, '--out');

    request.onStart?.(dataset.count);
    classification = await pool.run(dataset, request.onBatchDone);
  } finally {
    await pool.close();
  }

  const metrics = computeMetrics(
    confusionMatrix(dataset.labels, classification.predictions, CLASS_COUNT));
  const summary = buildSummary(metrics, {
    tool: TOOL,
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
      batchSize: request.batchSize,
      kernel: request.kernel,
      startedAt: startedAt.toISOString(),
      classifyMs: classification.elapsedMs,
      wallTimeMs: performance.now() - startMs,
    },
    files: REPORT_FILE_NAMES,
  });

  const table = {
    labels: dataset.labels,
    predictions: classification.predictions,
    probabilities: classification.probabilities,
    classCount: CLASS_COUNT,
  };
  const reports = buildReportFiles({ summary, metrics, table });
  const written = withIntegrity(summary, reports, { retries, batchesRetried });
  await replaceFiles(request.out, reports);

  const reportPaths = [...reports.keys()].map((name) => join(request.out, name));
  return { summary: written, metrics, reportPaths };
}

// summary.json records the size and sha256 of every other file, so that a folder of reports
// can be checked later (npm run verify). The record goes before `run`, which stays the last
// section and the only one that varies between runs.
function withIntegrity(
  summary: Summary,
  reports: Map<string, string | Uint8Array>,
  recovery: RunRecovery,
): WrittenSummary {
  const { run, ...figures } = summary;
  const written = { ...figures, integrity: integrityRecord(reports, [SUMMARY_FILE]),
    run: { ...run, ...recovery } };
  reports.set(SUMMARY_FILE, `${JSON.stringify(written, null, 2)}\n`);
  return written;
}

// The weights are checked first, and the worker threads start as soon as they are, while
// the images are still loading: a thread takes longer to start than the images to read.
// When both inputs are bad the data's error is the one reported, so that the same command
// always says the same thing.
async function loadInputsAndStartPool(request: EvaluationRequest): Promise<{
  dataset: Dataset;
  weights: LoadedWeights;
  pool: ClassifierPool;
}> {
  let pool: ClassifierPool | undefined;
  const weightsLoaded = loadWeights(request.weights).then((weights) => {
    pool = startClassifierPool(shareNetwork(weights.network), request);
    return weights;
  });
  const [dataset, weights] = await Promise.allSettled([loadDataset(request.data), weightsLoaded]);

  if (dataset.status === 'fulfilled' && weights.status === 'fulfilled' && pool !== undefined) {
    return { dataset: dataset.value, weights: weights.value, pool };
  }
  await pool?.close();
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
