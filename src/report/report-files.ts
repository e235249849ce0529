// Assembles the chosen report files in memory, so that they can be written all at once or
// not at all. Each file belongs to one format of --format; the misclassified images are
// sorted once for the two files that show them. The two files that hold images are started
// first: their pixels are deflated on libuv's thread pool while this thread builds the
// tables.

import type { Metrics } from './metrics.js';
import { misclassifiedPng } from './contact-sheet.js';
import type { ImageSet } from './image-set.js';
import { reportHtml } from './html/report-html.js';
import { mistakesByConfidence, type Mistake } from './mistakes.js';
import {
  reportFileNames,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportName,
} from './report-names.js';
import type { Summary } from './summary.js';
import { predictionsCsv } from './predictions-csv.js';
import {
  confusionMatrixCsv,
  misclassifiedCsv,
  normalizedConfusionCsv,
  perClassCsv,
  type PredictionTable,
} from './tables.js';

/** Everything the reports are made from. */
export interface ReportInputs {
  summary: Summary;
  metrics: Metrics;
  table: PredictionTable;
  images: ImageSet;
}

interface Sources extends ReportInputs {
  mistakes: () => Mistake[];
}

type Content = string | Uint8Array;

type Build = (sources: Sources) => Content | Promise<Content>;

const BUILDERS: Record<ReportName, Build> = {
  'summary.json': ({ summary }) => toJson(summary),
  'confusion-matrix.csv': ({ metrics }) => confusionMatrixCsv(metrics),
  'confusion-matrix-normalized.csv': ({ metrics }) => normalizedConfusionCsv(metrics),
  'confusion-matrix.json': ({ summary }) => toJson(summary.confusionMatrix),
  'per-class.csv': ({ metrics }) => perClassCsv(metrics),
  'predictions.csv': ({ table }) => predictionsCsv(table),
  'misclassified.csv': ({ table }) => misclassifiedCsv(table),
  'misclassified.png': ({ mistakes, images, summary }) =>
    misclassifiedPng(mistakes(), images, summary.total),
  'report.html': ({ summary, mistakes, images }) =>
    reportHtml({ summary, mistakes: mistakes(), images }),
};

// the reports whose deflate goes to the thread pool, started before the others
const STARTED_FIRST = new Set<ReportName>(['misclassified.png', 'report.html']);

/** The name and content of every report of `formats`, in the order they are listed. */
export async function buildReportFiles(
  inputs: ReportInputs,
  formats: readonly ReportFormat[] = REPORT_FORMATS,
): Promise<Map<string, Content>> {
  let mistakes: Mistake[] | undefined;
  const sources: Sources = {
    ...inputs,
    mistakes: () => (mistakes ??= mistakesByConfidence(inputs.table)),
  };
  const chosen = reportFileNames(formats).map((name) => [name, BUILDERS[name]] as const);

  const building = new Map<string, Content | Promise<Content>>();
  for (const [name, build] of chosen) {
    if (STARTED_FIRST.has(name)) building.set(name, build(sources));
  }
  for (const [name, build] of chosen) {
    if (!building.has(name)) building.set(name, build(sources));
  }

  const contents = await Promise.all(chosen.map(([name]) => building.get(name)));
  return new Map(chosen.map(([name], index) => [name, contents[index] as Content]));
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
