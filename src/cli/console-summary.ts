// The short human summary printed on stdout after a run: accuracy and top-k accuracy, the
// calibration error, the confusion matrix as aligned tables of counts and of rates, the
// averages, where the reports went, and how fast it ran.

import { dirname } from 'node:path';

import type { AverageMetrics } from '../report/metrics.js';
import type { PartialResult } from '../shards/partial-file.js';
import type { Summary } from '../report/summary.js';
import { withThousands } from './number-words.js';

/** Formats the text summary of a finished run, ending with a newline. */
export function formatConsoleSummary(summary: Summary, reportPaths: string[]): string {
  const { run } = summary;
  const seconds = (run.classifyMs / 1000).toFixed(2);
  // toLocaleString would start the ICU library: 15 ms of a 300 ms command
  const rate = withThousands(run.imagesPerSecond);
  const { labels, counts, normalizedByTrueClass, normalizedByPredictedClass } =
    summary.confusionMatrix;
  const { calibration } = summary;

  return [
    `accuracy ${summary.accuracy.toFixed(4)} (${summary.correct} of ${summary.total} correct)`,
    `top-2 accuracy ${summary.top2Accuracy.toFixed(4)}, ` +
      `top-3 accuracy ${summary.top3Accuracy.toFixed(4)}`,
    `expected calibration error ${calibration.expectedCalibrationError.toFixed(4)} ` +
      `(${calibration.binCount} equal-width confidence bins)`,
    '',
    'confusion matrix (rows: true class, columns: predicted class)',
    ...formatMatrix(labels, counts),
    '',
    'normalized by true class (% of each row; recall on the diagonal)',
    ...formatMatrix(labels, normalizedByTrueClass.map(percentRow)),
    '',
    'normalized by predicted class (% of each column; precision on the diagonal)',
    ...formatMatrix(labels, normalizedByPredictedClass.map(percentRow)),
    '',
    formatAverageRow('', { precision: 'precision', recall: 'recall', f1: 'f1' }),
    formatAverageRow('macro avg', fixedAverages(summary.macroAverage)),
    formatAverageRow('weighted avg', fixedAverages(summary.weightedAverage)),
    '',
    `reports: ${reportPaths.join(', ')}`,
    run.shards === undefined ?
      `${summary.total} images in ${seconds} s on ${run.workers} workers (${rate} images/s)` :
      `${summary.total} images from ${run.shards.length} shards, classified in ${seconds} s ` +
        'in all',
    '',
  ].join('\n');
}

/** What a shard prints: its slice, how many of it were right, and where its result went. */
export function formatShardSummary(partial: PartialResult, path: string, json: boolean): string {
  const { shard, set } = partial;
  const { labels, predictions } = set.table;
  const correct = labels.filter((label, index) => label === predictions[index]).length;
  const total = labels.length;
  if (json) {
    return `${JSON.stringify({ shard, correct, total, file: path }, null, 2)}\n`;
  }

  const slice = total === 0 ? 'no images' :
    `images ${shard.images.start}–${shard.images.end - 1}`;
  return [
    `shard ${shard.index} of ${shard.count} (index from ${shard.indexFrom}, count from ` +
      `${shard.countFrom}): ${slice} of ${set.data.count}`,
    `${correct} of ${total} correct in this slice`,
    `partial result: ${path} (once every shard is done: npm run merge -- ${dirname(path)})`,
    '',
  ].join('\n');
}

function formatMatrix(labels: number[], counts: (number | string)[][]): string[] {
  const width = Math.max(5, ...counts.flat().map((count) => String(count).length + 1));
  const cell = (value: string | number) => String(value).padStart(width);

  const header = ' '.repeat(6) + labels.map(cell).join('');
  const rows = counts.map((row, label) => String(label).padStart(6) + row.map(cell).join(''));
  return [header, ...rows];
}

// Rates as percentages with one decimal; a plain 0 where there is nothing, to keep the
// table readable.
function percentRow(rates: number[]): string[] {
  return rates.map((rate) => (rate === 0 ? '0' : (rate * 100).toFixed(1)));
}

function fixedAverages(average: AverageMetrics): Record<'precision' | 'recall' | 'f1', string> {
  return {
    precision: average.precision.toFixed(4),
    recall: average.recall.toFixed(4),
    f1: average.f1.toFixed(4),
  };
}

function formatAverageRow(
  name: string,
  values: Record<'precision' | 'recall' | 'f1', string>,
): string {
  return name.padEnd(12) + [values.precision, values.recall, values.f1]
    .map((value) => value.padStart(10)).join('');
}
