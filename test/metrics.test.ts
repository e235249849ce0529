import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { computeMetrics, confusionMatrix } from '../src/report/metrics.js';

// Seven images of three classes, worked out by hand:
//   true 0: predicted 0, 1      true 1: predicted 1, 1      true 2: predicted 2, 0, 1
const LABELS = [0, 0, 1, 1, 2, 2, 2];
const PREDICTIONS = [0, 1, 1, 1, 2, 0, 1];

function assertNear(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-15, `${what}: got ${actual}, expected ${expected}`);
}

// ---

const matrix = suite('confusionMatrix');

matrix('should count true classes by row and predicted classes by column', () => {
  assert.equal(confusionMatrix(LABELS, PREDICTIONS, 3), [[1, 1, 0], [0, 2, 0], [1, 1, 1]]);
});

matrix('should sum to the number of images, with rows summing to each class\'s support', () => {
  const counts = confusionMatrix(LABELS, PREDICTIONS, 4);
  assert.is(counts.flat().reduce((total, count) => total + count, 0), LABELS.length);
  assert.equal(counts.map((row) => row.reduce((total, count) => total + count, 0)), [2, 2, 3, 0]);
});

matrix.run();

// ---

const metrics = suite('computeMetrics');

metrics('should give accuracy with its counts', () => {
  const result = computeMetrics(confusionMatrix(LABELS, PREDICTIONS, 3));
  assert.is(result.correct, 4);
  assert.is(result.total, 7);
  assert.is(result.accuracy, 4 / 7);
});

metrics('should give each class\'s precision, recall, F1, support and predicted count', () => {
  const { perClass } = computeMetrics(confusionMatrix(LABELS, PREDICTIONS, 3));
  assert.equal(perClass, [
    { label: 0, precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 },
    { label: 1, precision: 0.5, recall: 1, f1: 4 / 6, support: 2, predicted: 4 },
    { label: 2, precision: 1, recall: 1 / 3, f1: 0.5, support: 3, predicted: 1 },
  ]);
});

metrics('should average over classes equally (macro) and by support (weighted)', () => {
  const { macroAverage, weightedAverage } = computeMetrics(
    confusionMatrix(LABELS, PREDICTIONS, 3));

  assertNear(macroAverage.precision, 2 / 3, 'macro precision');
  assertNear(macroAverage.recall, 11 / 18, 'macro recall');
  assertNear(macroAverage.f1, 5 / 9, 'macro f1');
  assert.is(macroAverage.support, 7);

  assertNear(weightedAverage.precision, 5 / 7, 'weighted precision');
  assertNear(weightedAverage.recall, 4 / 7, 'weighted recall');
  assertNear(weightedAverage.f1, 23 / 42, 'weighted f1');
});

metrics('should count a class never seen nor predicted as 0, not NaN', () => {
  const result = computeMetrics(confusionMatrix(LABELS, PREDICTIONS, 4));
  assert.equal(result.perClass[3],
    { label: 3, precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 });
  assertNear(result.macroAverage.precision, 2 / 4, 'macro precision over 4 classes');
  assertNear(result.weightedAverage.precision, 5 / 7, 'weighted precision ignores it');
});

metrics('should count a class predicted but never true as precision 0', () => {
  const result = computeMetrics(confusionMatrix([0, 0], [0, 1], 2));
  assert.equal(result.perClass[1],
    { label: 1, precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
  assert.is(result.perClass[0].recall, 0.5);
});

metrics.run();
