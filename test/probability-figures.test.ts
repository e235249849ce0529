import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import {
  calibrate,
  computeProbabilityFigures,
  confidenceBin,
  labelRanks,
} from '../src/report/probability-figures.js';
import { smallTable } from './helpers/small-table.js';

// float32 probabilities against decimal fractions
const TOLERANCE = 1e-6;

function assertNear(actual: number, expected: number, what: string): void {
  const difference = Math.abs(actual - expected);
  assert.ok(difference < TOLERANCE, `${what}: got ${actual}, expected ${expected} ` +
    `(difference ${difference})`);
}

// ---

const ranks = suite('labelRanks');

ranks('should rank the true label among the classes, the prediction first', () => {
  assert.equal([...labelRanks(smallTable())], [0, 1, 1, 2, 2, 0]);
});

ranks('should break a tie of probabilities towards the lower class, as argmax does', () => {
  const table = { ...smallTable(), labels: Uint8Array.of(0, 1, 2, 2, 1, 1) };
  assert.is(labelRanks(table)[4], 1, 'class 1 ties with class 2 and ranks before it');
});

ranks.run();

// ---

const figures = suite('computeProbabilityFigures');

figures('should give top-1, top-2 and top-3 accuracy', () => {
  const { topKAccuracy } = computeProbabilityFigures(smallTable());
  assert.equal(topKAccuracy, [2 / 6, 4 / 6, 6 / 6]);
});

figures('should use 15 bins unless told otherwise', () => {
  assert.is(computeProbabilityFigures(smallTable()).calibration.binCount, 15);
  assert.is(computeProbabilityFigures(smallTable()).calibration.bins.length, 15);
});

figures.run();

// ---

const calibration = suite('calibrate');

calibration('should sort the images into bins with their accuracy and mean confidence', () => {
  const { bins } = calibrate(smallTable(), 4);
  assert.equal(bins.map((bin) => [bin.lower, bin.upper, bin.count, bin.correct]),
    [[0, 0.25, 0, 0], [0.25, 0.5, 2, 0], [0.5, 0.75, 3, 1], [0.75, 1, 1, 1]]);
  assert.equal(bins.map((bin) => bin.accuracy), [0, 0, 1 / 3, 1]);
  assertNear(bins[1].meanConfidence, 0.425, 'bin 1 mean confidence');
  assertNear(bins[2].meanConfidence, 1.85 / 3, 'bin 2 mean confidence');
  assertNear(bins[3].meanConfidence, 0.9, 'bin 3 mean confidence');
});

calibration('should weigh each bin\'s gap by its images for the expected error', () => {
  // (2 × |0 - 0.425| + 3 × |1/3 - 1.85/3| + 1 × |1 - 0.9|) / 6 = (0.85 + 0.85 + 0.1) / 6
  const result = calibrate(smallTable(), 4);
  assertNear(result.expectedCalibrationError, 0.3, 'expected calibration error');
  assertNear(result.maxCalibrationError, 0.425, 'largest gap');
  assertNear(result.meanConfidence, 0.6, 'mean confidence');
});

calibration('should give 0, not NaN, for no images', () => {
  const empty = { labels: new Uint8Array(0), predictions: new Uint8Array(0),
    probabilities: new Float32Array(0), classCount: 3 };
  const result = calibrate(empty, 4);
  assert.equal([result.expectedCalibrationError, result.maxCalibrationError,
    result.meanConfidence], [0, 0, 0]);
});

calibration.run();

// ---

const bin = suite('confidenceBin');

bin('should put each edge in the bin below it, and 0 in the first bin', () => {
  assert.equal([0, 0.25, 0.2500001, 0.5, 0.74, 1].map((value) => confidenceBin(value, 4)),
    [0, 0, 1, 1, 2, 3]);
});

bin.run();
