// The book's trained network on the full MNIST test set, against the figures of a float32
// numpy run of its notebook. The weights are not part of the project: these tests read them
// from beside the clone and are skipped where they are absent.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { mnistPaths } from '../src/data/mnist-files.js';
import { evaluate } from '../src/evaluation.js';
import { temporaryFolder } from './helpers/random-network.js';

const BOOK_WEIGHTS = fileURLToPath(
  new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url));

// From numpy: rows are the true class, columns the predicted class.
const NUMPY_CONFUSION = [
  [962, 0, 3, 2, 1, 3, 5, 1, 3, 0],
  [0, 1109, 2, 2, 0, 2, 5, 2, 13, 0],
  [13, 2, 952, 7, 7, 1, 15, 13, 19, 3],
  [1, 1, 24, 937, 0, 20, 1, 11, 11, 4],
  [1, 2, 6, 0, 921, 0, 12, 2, 3, 35],
  [10, 1, 4, 34, 5, 793, 14, 5, 18, 8],
  [16, 3, 5, 1, 10, 9, 910, 1, 3, 0],
  [4, 8, 24, 5, 6, 0, 0, 958, 1, 22],
  [5, 4, 6, 19, 10, 13, 14, 11, 888, 4],
  [12, 6, 1, 9, 31, 7, 1, 16, 4, 922],
];
const NUMPY_FIRST_MISCLASSIFIED = [8, 33, 66, 92, 124, 149, 217, 233, 241, 245];

const book = suite('the book\'s sample_weight.pkl on the MNIST test set');

if (!existsSync(BOOK_WEIGHTS)) {
  console.log(`skipped: the book's weights are not at ${BOOK_WEIGHTS}`);
  book.skip('should classify 9352 of the 10000 test images correctly', () => {});
} else {
  const out = await temporaryFolder();
  const result = await evaluate({
    data: mnistPaths('test'),
    split: 'test',
    weights: BOOK_WEIGHTS,
    workers: 2,
    batchSize: 100,
    kernel: 'js',
    out,
  });

  book('should classify 9352 of the 10000 test images correctly', () => {
    assert.is(result.summary.correct, 9352);
    assert.is(result.summary.total, 10000);
    assert.is(result.summary.accuracy, 0.9352);
  });

  book('should give numpy\'s confusion matrix', () => {
    assert.equal(result.metrics.confusion, NUMPY_CONFUSION);
  });

  book('should give numpy\'s averages to four decimals', () => {
    const { macroAverage, weightedAverage } = result.summary;
    const rounded = [macroAverage, weightedAverage].map((average) =>
      [average.precision, average.recall, average.f1].map((value) => value.toFixed(4)));
    assert.equal(rounded, [['0.9346', '0.9343', '0.9343'], ['0.9352', '0.9352', '0.9351']]);
  });

  book('should list numpy\'s first misclassified images', async () => {
    const rows = (await readFile(join(out, 'misclassified.csv'), 'utf8')).trim().split('\n');
    const indices = rows.slice(1, 11).map((row) => Number(row.split(',')[0]));
    assert.equal(indices, NUMPY_FIRST_MISCLASSIFIED);
    assert.is(rows.length - 1, 648);
  });

  book('should record the weights file\'s sha256 and the network\'s shape', () => {
    assert.is(result.summary.weights.file.sha256,
      'b7f55a27988ba34c3777b0f1bbd464817c8a4db855723e6ff26f703501917a13');
    assert.is(result.summary.weights.format, 'pickle');
    assert.equal(result.summary.weights.widths, [784, 50, 100, 10]);
  });
}

book.run();
