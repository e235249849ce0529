// The last step of an evaluation, shared by a whole run and by a merge of shards: from every
// image's result and the identities of the inputs, compute the figures and replace the
// report files all at once. A merge hands in the same results a whole run would have, so it
// writes the same files.

import { join } from 'node:path';

import { replaceFiles } from '../io/atomic-files.js';
import { TOOL } from '../tool.js';
import { computeMetrics, confusionMatrix, type Metrics } from './metrics.js';
import { buildReportFiles, REPORT_FILE_NAMES } from './report-files.js';
import {
  buildSummary,
  type DataDescription,
  type RunDescription,
  type Summary,
  type WeightsDescription,
} from './summary.js';
import type { PredictionTable } from './tables.js';

/** Every image's result, and what produced it. */
export interface ClassifiedSet {
  data: DataDescription;
  weights: WeightsDescription;
  run: RunDescription;
  table: PredictionTable;
}

/** The figures of a finished evaluation and the files that now hold them. */
export interface EvaluationResult {
  summary: Summary;
  metrics: Metrics;
  reportPaths: string[];
}

/** Computes the figures of `set` and writes every report into `out`. */
export async function writeReports(set: ClassifiedSet, out: string): Promise<EvaluationResult> {
  const { table } = set;
  const metrics = computeMetrics(
    confusionMatrix(table.labels, table.predictions, table.classCount));
  const summary = buildSummary(metrics, {
    tool: TOOL,
    data: set.data,
    weights: set.weights,
    run: set.run,
    files: REPORT_FILE_NAMES,
  });

  await replaceFiles(out, buildReportFiles({ summary, metrics, table }));

  const reportPaths = REPORT_FILE_NAMES.map((name) => join(out, name));
  return { summary, metrics, reportPaths };
}
