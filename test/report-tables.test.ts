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

predictions('should write a header and one row per image, in image order', () => {
  assert.is(predictionsCsv(SMALL), [
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

  assert.is(predictionsCsv(table), stringify(rows, { header: true, columns }));
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
