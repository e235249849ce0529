import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { normalizeConfusion } from '../src/report/normalized-confusion.js';

// The metrics tests' seven images, with a fourth class never seen nor predicted.
const COUNTS = [[1, 1, 0, 0], [0, 2, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]];

// ---

const normalize = suite('normalizeConfusion');

normalize('should divide each row by its sum for the rates by true class', () => {
  assert.equal(normalizeConfusion(COUNTS).byTrueClass,
    [[1 / 2, 1 / 2, 0, 0], [0, 1, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0], [0, 0, 0, 0]]);
});

normalize('should divide each column by its sum for the rates by predicted class', () => {
  assert.equal(normalizeConfusion(COUNTS).byPredictedClass,
    [[1 / 2, 1 / 4, 0, 0], [0, 1 / 2, 0, 0], [1 / 2, 1 / 4, 1, 0], [0, 0, 0, 0]]);
});

normalize.run();
