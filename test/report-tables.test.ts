import { stringify } from 'csv-stringify/sync';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { predictionsCsv } from '../src/report/predictions-csv.js';
import { computeMetrics, confusionMatrix } from '../src/report/metrics.js';
import { misclassifiedCsv, normalizedConfusionCsv } from '../src/report/tables.js';
import { seededRandom } from './helpers/random-network.js';

// Three images of three classes: the second is wrong.
const SMALL = {
  labels: Uint8Array.of(0, 2, 1),
  predictions: Uint8Array.of(0, 1, 1),
  probabilities: Float32Array.of(0.9, 0.05, 0.05, 0.1, 0.6, 0.3, 0.2, 0.7, 0.1),
  classCount: 3,
};

// ---

const predictions = suite('predictionsCsv');

const predictionsText = (table: typeof SMALL) =>
  Buffer.from(predictionsCsv(table)).toString('latin1');

predictions('should write a header and one row per image, in image order', () => {
  assert.is(predictionsText(SMALL), [
    'index,label,predicted,confidence,correct,p0,p1,p2',
    '0,0,0,0.900000,true,0.900000,0.050000,0.050000',
    '1,2,1,0.600000,false,0.100000,0.600000,0.300000',
    '2,1,1,0.700000,true,0.200000,0.700000,0.100000',
    '',
  ].join('\n'));
});

predictions('should write exactly what csv-stringify writes for the same rows', () => {
  const random = seededRandom(4);
  const count = 500;
  const table = {
    labels: Uint8Array.from({ length: count }, () => Math.floor(random() * 10)),
    predictions: Uint8Array.from({ length: count }, () => Math.floor(random() * 10)),
    probabilities: Float32Array.from({ length: count * 10 }, () => random()),
    classCount: 10,
  };
  const rows = Array.from({ length: count }, (_, index) => {
    const p = Array.from(table.probabilities.subarray(index * 10, index * 10 + 10));
    const predicted = table.predictions[index];
    return [index, table.labels[index], predicted, p[predicted].toFixed(6),
      String(table.labels[index] === predicted), ...p.map((value) => value.toFixed(6))];
  });
  const columns = ['index', 'label', 'predicted', 'confidence', 'correct',
    ...Array.from({ length: 10 }, (_, k) => `p${k}`)];

  assert.is(predictionsText(table), stringify(rows, { header: true, columns }));
});

// The float32 values whose millionths are closest to a tie, and the ends of the range, then
// random bit patterns from 0 to 1 (every one of them was checked once, which takes minutes).
predictions('should print every probability exactly as toFixed(6) does', () => {
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  const values = [0, 1, 5e-7, 4.9999997e-7, 1.5e-6, 0.0000025, 0.1234565, 0.9999995,
    0.99999994, 1.4e-45, 1.1754944e-38];
  for (let millionths = 0; millionths < 1e6; millionths += 997) {
    float[0] = (millionths + 0.5) / 1e6;
    for (let step = -2; step <= 2; step++) {
      bits[0] += step;
      values.push(float[0]);
      bits[0] -= step;
    }
  }
  const random = seededRandom(5);
  for (let k = 0; k < 20000; k++) {
    bits[0] = Math.floor(random() * 0x3f800001);
    values.push(float[0]);
  }

  const table = {
    labels: new Uint8Array(values.length),
    predictions: new Uint8Array(values.length),
    probabilities: Float32Array.from(values),
    classCount: 1,
  };
  const printed = predictionsText(table).trim().split('\n').slice(1)
    .map((row) => row.split(',')[5]);
  const expected = Array.from(table.probabilities, (value) => value.toFixed(6));
  const differing = printed.filter((text, i) => text !== expected[i]);
  assert.is(differing.length, 0, `differ from toFixed(6): ${differing.slice(0, 3)}`);
});

predictions('should refuse a probability outside 0 to 1 rather than misprint it', () => {
  for (const value of [Number.NaN, -0.5, 1.5]) {
    const table = { ...SMALL, probabilities: Float32Array.of(0.5, 0.25, value, 0, 0, 0, 0, 0, 0) };
    assert.throws(() => predictionsCsv(table), /image 0 has probability/);
  }
});

predictions.run();

// ---

const misclassified = suite('misclassifiedCsv');

misclassified('should list the wrong predictions with the probability of the true class', () => {
  assert.is(misclassifiedCsv(SMALL), [
    'index,label,predicted,confidence,label_probability',
    '1,2,1,0.600000,0.300000',
    '',
  ].join('\n'));
});

misclassified.run();

// ---

const normalized = suite('normalizedConfusionCsv');

normalized('should write the rates by true class, then by predicted class', () => {
  const metrics = computeMetrics(confusionMatrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 1], 3));
  assert.is(normalizedConfusionCsv(metrics), [
    'normalized_by,true\\predicted,0,1,2',
    'true,0,0.500000,0.500000,0.000000',
    'true,1,0.000000,1.000000,0.000000',
    'true,2,0.333333,0.333333,0.333333',
    'predicted,0,0.500000,0.250000,0.000000',
    'predicted,1,0.000000,0.500000,0.000000',
    'predicted,2,0.500000,0.250000,1.000000',
    '',
  ].join('\n'));
});

normalized.run();
