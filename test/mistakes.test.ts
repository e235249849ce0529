import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { mistakesByConfidence } from '../src/report/mistakes.js';
import { smallTable } from './helpers/small-table.js';

// ---

const mistakes = suite('mistakesByConfidence');

mistakes('should list the wrong predictions, most confident first', () => {
  const listed = mistakesByConfidence(smallTable());
  assert.equal(listed.map((mistake) => [mistake.index, mistake.label, mistake.predicted]),
    [[2, 2, 1], [1, 1, 0], [3, 2, 0], [4, 2, 0]]);
  assert.is(listed[0].confidence, Math.fround(0.6));
  assert.is(listed[0].labelProbability, Math.fround(0.3));
});

mistakes('should give the top three classes, a tie to the lower class', () => {
  const [, , , tied] = mistakesByConfidence(smallTable());
  assert.equal(tied.top.map((entry) => entry.label), [0, 1, 2]);
  assert.equal(tied.top.map((entry) => entry.probability),
    [0.4, 0.3, 0.3].map(Math.fround));
});

mistakes('should order mistakes of equal confidence by index', () => {
  const table = smallTable();
  table.probabilities.set([0.6, 0.3, 0.1], 1 * 3);
  assert.equal(mistakesByConfidence(table).map((mistake) => mistake.index), [1, 2, 3, 4]);
});

mistakes.run();
