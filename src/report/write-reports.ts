// The last step of an evaluation, shared by a whole run and by a merge of shards: from every
// image's result and the identities of the inputs, compute the figures and replace the
// report files all at once. A merge hands in the same results a whole run would have, so it
// writes the same files.

import { join } from 'node:path';

import { replaceFiles } from '../io/atomic-files.js';
import { integrityRecord, SUMMARY_FILE, type IntegrityRecord } from '../io/file-digests.js';
import { TOOL } from '../tool.js';
import type { ImageSet } from './image-set.js';
import { computeMetrics, confusionMatrix, type Metrics } from './metrics.js';
import { computeProbabilityFigures } from './probability-figures.js';
import { buildReportFiles } from './report-files.js';
import { REPORT_FORMATS, reportFileNames, type ReportFormat } from './report-names.js';
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

/** summary.json as written: the summary, with the integrity record of the other files. */
export type WrittenSummary = Omit<Summary, 'run'> & { integrity?: IntegrityRecord } &
  { run: Summary['run'] };

/** The figures of a finished evaluation and the files that now hold them. */
export interface EvaluationResult {
  summary: WrittenSummary;
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

  const reports = await buildReportFiles({ summary, metrics, table, images }, formats);
  const written = withIntegrity(summary, reports);
  await replaceFiles(out, reports);

  const reportPaths = fileNames.map((name) => join(out, name));
  return { summary: written, metrics, reportPaths };
}

// summary.json records the size and sha256 of every other file, so that a folder of reports
// can be checked later (npm run verify). The record goes just before `run`, which stays the
// last section. Without summary.json (--format without json) there is no record to keep.
function withIntegrity(summary: Summary, reports: Map<string, string | Uint8Array>):
  WrittenSummary {
  if (!reports.has(SUMMARY_FILE)) return summary;

  const { run, ...figures } = summary;
  const written = { ...figures, integrity: integrityRecord(reports, [SUMMARY_FILE]), run };
  reports.set(SUMMARY_FILE, `${JSON.stringify(written, null, 2)}\n`);
  return written;
}
