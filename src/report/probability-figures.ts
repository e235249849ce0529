// Figures that need each image's probabilities, not only its predicted class: top-k accuracy
// and calibration. Confidence is the probability of the predicted class. Calibration puts
// each image in one of equal-width confidence bins, each holding (lower, upper], and the
// expected calibration error is the bins' gaps between accuracy and mean confidence,
// weighted by how many images each holds (Guo et al., 2017).

import type { PredictionTable } from './tables.js';

/** Number of equal-width confidence bins of the calibration figures, as torchmetrics uses. */
export const CALIBRATION_BIN_COUNT = 15;

/** One confidence bin: the images whose confidence lies in (lower, upper]. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  correct: number;
  /** Share of the bin's images classified correctly; 0 for an empty bin. */
  accuracy: number;
  /** Mean confidence of the bin's images; 0 for an empty bin. */
  meanConfidence: number;
}

/** How well confidence matches accuracy. */
export interface Calibration {
  binCount: number;
  expectedCalibrationError: number;
  /** The largest gap of any non-empty bin. */
  maxCalibrationError: number;
  meanConfidence: number;
  bins: CalibrationBin[];
}

/** Figures from the probabilities. topKAccuracy[k - 1] is top-k accuracy, k = 1 to 3. */
export interface ProbabilityFigures {
  topKAccuracy: number[];
  calibration: Calibration;
}

const TOP_K = 3;

/** Top-1 to top-3 accuracy and the calibration figures of a finished run. */
export function computeProbabilityFigures(
  table: PredictionTable,
  binCount = CALIBRATION_BIN_COUNT,
): ProbabilityFigures {
  const ranks = labelRanks(table);
  const total = ranks.length;
  // how many labels rank k, then, summed, k or better: the hits of top-(k + 1); counted in one
  // pass, where a filter per k called a function per image
  const withinRank = new Array<number>(table.classCount).fill(0);
  for (let index = 0; index < total; index++) withinRank[ranks[index]]++;
  for (let k = 1; k < withinRank.length; k++) withinRank[k] += withinRank[k - 1];
  const topKAccuracy = Array.from({ length: TOP_K }, (_, k) =>
    total === 0 ? 0 : withinRank[Math.min(k, withinRank.length - 1)] / total);

  return { topKAccuracy, calibration: calibrate(table, binCount) };
}

/**
 * Where each image's true label stands among its classes, 0 for the predicted class. Classes
 * are ranked by probability, a tie going to the lower class as argmax does; the predicted
 * class always ranks first, so that top-1 accuracy is the accuracy.
 */
export function labelRanks(table: PredictionTable): Uint8Array {
  const { labels, predictions, probabilities, classCount } = table;
  const ranks = new Uint8Array(labels.length);

  for (let index = 0; index < labels.length; index++) {
    const label = labels[index];
    const predicted = predictions[index];
    if (label === predicted) continue;

    const start = index * classCount;
    const labelProbability = probabilities[start + label];
    let rank = 1;
    for (let k = 0; k < classCount; k++) {
      if (k === label || k === predicted) continue;
      const probability = probabilities[start + k];
      if (probability > labelProbability || (probability === labelProbability && k < label)) {
        rank++;
      }
    }
    ranks[index] = rank;
  }
  return ranks;
}

/** Sorts every image into `binCount` confidence bins and measures the gaps. */
export function calibrate(table: PredictionTable, binCount: number): Calibration {
  const { labels, predictions, probabilities, classCount } = table;
  const counts = new Array<number>(binCount).fill(0);
  const correct = new Array<number>(binCount).fill(0);
  const confidenceSums = new Array<number>(binCount).fill(0);
  let confidenceTotal = 0;

  for (let index = 0; index < labels.length; index++) {
    const confidence = probabilities[index * classCount + predictions[index]];
    const bin = confidenceBin(confidence, binCount);
    counts[bin]++;
    confidenceSums[bin] += confidence;
    confidenceTotal += confidence;
    if (labels[index] === predictions[index]) correct[bin]++;
  }

  const total = labels.length;
  const bins = counts.map((count, bin) => ({
    lower: bin / binCount,
    upper: (bin + 1) / binCount,
    count,
    correct: correct[bin],
    accuracy: count === 0 ? 0 : correct[bin] / count,
    meanConfidence: count === 0 ? 0 : confidenceSums[bin] / count,
  }));
  const gaps = bins.map((bin, index) => Math.abs(correct[index] - confidenceSums[index]) /
    Math.max(bin.count, 1));

  return {
    binCount,
    expectedCalibrationError: total === 0 ? 0 :
      bins.reduce((sum, bin, index) => sum + gaps[index] * bin.count, 0) / total,
    maxCalibrationError: Math.max(0, ...gaps),
    meanConfidence: total === 0 ? 0 : confidenceTotal / total,
    bins,
  };
}

/** The bin of a confidence: bin b holds (b / binCount, (b + 1) / binCount], bin 0 also 0. */
export function confidenceBin(confidence: number, binCount: number): number {
  return Math.min(binCount - 1, Math.max(0, Math.ceil(confidence * binCount) - 1));
}
