// Assembles the full set of report files in memory, so that they can be written all at once
// or not at all.

import type { Metrics } from './metrics.js';
import type { Summary } from './summary.js';
import { predictionsCsv } from './predictions-csv.js';
import {
  confusionMatrixCsv,
  misclassifiedCsv,
  perClassCsv,
  type PredictionTable,
} from './tables.js';

/** Everything the reports are made from. */
export interface ReportInputs {
  summary: Summary;
  metrics: Metrics;
  table: PredictionTable;
}

const REPORTS: [string, (inputs: ReportInputs) => string][] = [
  ['summary.json', ({ summary }) => toJson(summary)],
  ['confusion-matrix.csv', ({ metrics }) => confusionMatrixCsv(metrics)],
  ['confusion-matrix.json', ({ summary }) => toJson(summary.confusionMatrix)],
  ['per-class.csv', ({ metrics }) => perClassCsv(metrics)],
  ['predictions.csv', ({ table }) => predictionsCsv(table)],
  ['misclassified.csv', ({ table }) => misclassifiedCsv(table)],
];

/** Names of the files every run writes, in the order they are listed. */
export const REPORT_FILE_NAMES = REPORTS.map(([name]) => name);

/** Every report's name and content. */
export function buildReportFiles(inputs: ReportInputs): Map<string, string> {
  return new Map(REPORTS.map(([name, build]) => [name, build(inputs)]));
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
