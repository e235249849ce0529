// Property-based tests of every reader of untrusted files (IDX plain and gzip, safetensors,
// pickle), a few hundred random cases each; `npm run fuzz` runs the same properties longer.

import { suite } from 'uvu';

import { READER_PROPERTIES } from './helpers/reader-properties.js';

const RUNS_PER_PROPERTY = 400;

const properties = suite('readers: random valid and damaged files');

for (const { name, check } of READER_PROPERTIES) {
  properties(name, () => check({ numRuns: RUNS_PER_PROPERTY }));
}

properties.run();
