// Assembles the full set of report files in memory, so that they can be written all at once
// or not at all.

import type { Metrics } from './metrics.js';
import type { Summary } from './summary.js';
import {
  confusionMatrixCsv,
  misclassifiedCsv,
  perClassCsv,
  predictionsCsv,
  type PredictionTable,
} from './tables.js';

/** Names of the files every run writes, in the order they are listed. */
export const REPORT_FILE_NAMES = [
  'summary.json',
  'confusion-matrix.csv',
  'confusion-matrix.json',
  'per-class.csv',
  'predictions.csv',
  'misclassified.csv',
];

/** Every report's name and content. */
export function buildReportFiles(
  summary: Summary,
  metrics: Metrics,
  table: PredictionTable,
): Map<string, string> {
  const files = new Map<string, string>([
    ['summary.json', toJson(summary)],
    ['confusion-matrix.csv', confusionMatrixCsv(metrics)],
    ['confusion-matrix.json', toJson(summary.confusionMatrix)],
    ['per-class.csv', perClassCsv(metrics)],
    ['predictions.csv', predictionsCsv(table)],
    ['misclassified.csv', misclassifiedCsv(table)],
  ]);
  return files;
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
