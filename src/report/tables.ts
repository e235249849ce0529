// The CSV reports but the large predictions.csv, written through csv-stringify with an
// explicit column list and a header row. Probabilities and ratios are printed with a fixed
// number of decimals, so that the same inputs always give byte-identical files.

import { stringify } from 'csv-stringify/sync';

import type { Metrics } from './metrics.js';
import { normalizeConfusion } from './normalized-confusion.js';

/** Per-image results, as the pool left them in shared memory. */
export interface PredictionTable {
  labels: Uint8Array;
  predictions: Uint8Array;
  /** (count, classes) softmax probabilities, row-major. */
  probabilities: Float32Array;
  classCount: number;
}

const DECIMALS = 6;

/** confusion-matrix.csv: a row per true class, a column per predicted class. */
export function confusionMatrixCsv(metrics: Metrics): string {
  const labels = metrics.perClass.map((entry) => String(entry.label));
  const rows = metrics.confusion.map((counts, label) => [String(label), ...counts.map(String)]);

  return stringify(rows, { header: true, columns: ['true\\predicted', ...labels] });
}

/**
 * confusion-matrix-normalized.csv: the rates by true class, then by predicted class, one
 * block of rows each, told apart by the first column.
 */
export function normalizedConfusionCsv(metrics: Metrics): string {
  const labels = metrics.perClass.map((entry) => String(entry.label));
  const { byTrueClass, byPredictedClass } = normalizeConfusion(metrics.confusion);
  const block = (name: string, rates: number[][]) =>
    rates.map((row, label) => [name, String(label), ...row.map(fixed)]);

  return stringify([...block('true', byTrueClass), ...block('predicted', byPredictedClass)], {
    header: true,
    columns: ['normalized_by', 'true\\predicted', ...labels],
  });
}

/** per-class.csv: precision, recall, F1, support and predicted count of each class. */
export function perClassCsv(metrics: Metrics): string {
  const rows = metrics.perClass.map((entry) => ({
    class: entry.label,
    precision: fixed(entry.precision),
    recall: fixed(entry.recall),
    f1: fixed(entry.f1),
    support: entry.support,
    predicted: entry.predicted,
  }));

  return stringify(rows, {
    header: true,
    columns: ['class', 'precision', 'recall', 'f1', 'support', 'predicted'],
  });
}

/** misclassified.csv: the images whose prediction is wrong, in image order. */
export function misclassifiedCsv(table: PredictionTable): string {
  const rows: string[][] = [];
  for (let index = 0; index < table.labels.length; index++) {
    if (table.labels[index] === table.predictions[index]) continue;
    const labelProbability = table.probabilities[index * table.classCount + table.labels[index]];
    rows.push([...predictionFields(table, index), fixed(labelProbability)]);
  }

  return stringify(rows, {
    header: true,
    columns: ['index', 'label', 'predicted', 'confidence', 'label_probability'],
  });
}

function predictionFields(table: PredictionTable, index: number): string[] {
  const predicted = table.predictions[index];
  const confidence = table.probabilities[index * table.classCount + predicted];
  return [String(index), String(table.labels[index]), String(predicted), fixed(confidence)];
}

/** A ratio or probability as the reports print it: six decimals, always. */
export function fixed(value: number): string {
  return value.toFixed(DECIMALS);
}
