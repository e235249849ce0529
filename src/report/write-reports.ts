// The last step of an evaluation, shared by a whole run and by a merge of shards: from every
// image's result and the identities of the inputs, compute the figures and replace the
// report files all at once. A merge hands in the same results a whole run would have, so it
// writes the same files.

import { join } from 'node:path';

import { replaceFiles } from '../io/atomic-files.js';
import { TOOL } from '../tool.js';
import type { ImageSet } from './contact-sheet.js';
import { computeMetrics, confusionMatrix, type Metrics } from './metrics.js';
import { computeProbabilityFigures } from './probability-figures.js';
import {
  buildReportFiles,
  REPORT_FORMATS,
  reportFileNames,
  type ReportFormat,
} from './report-files.js';
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
  /** The pixels of the misclassified images, for the reports that draw them. */
  images: ImageSet;
}

/** The figures of a finished evaluation and the files that now hold them. */
export interface EvaluationResult {
  summary: Summary;
  metrics: Metrics;
  reportPaths: string[];
}

/** Computes the figures of `set` and writes the reports of `formats` into `out`. */
export async function writeReports(
  set: ClassifiedSet,
  out: string,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
): Promise<EvaluationResult> {
  const { table, images } = set;
  const fileNames = reportFileNames(formats);
  const metrics = computeMetrics(
    confusionMatrix(table.labels, table.predictions, table.classCount));
  const summary = buildSummary(metrics, computeProbabilityFigures(table), {
    tool: TOOL,
    data: set.data,
    weights: set.weights,
    run: set.run,
    files: fileNames,
  });

  await replaceFiles(out, buildReportFiles({ summary, metrics, table, images }, formats));

  const reportPaths = fileNames.map((name) => join(out, name));
  return { summary, metrics, reportPaths };
}
