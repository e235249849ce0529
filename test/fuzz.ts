// `npm run fuzz -- [--runs N] [--seed S]`: checks every reader property of
// helpers/reader-properties.ts N times (default 20,000), from seed S (default: random), and
// prints each property's result. A failure prints fast-check's shrunk counterexample and the
// seed and path that replay it, and the exit code is 1.

import { parseArgs } from 'node:util';

import { READER_PROPERTIES } from './helpers/reader-properties.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--runs N] [--seed S] (whole numbers)\n');
  process.exit(2);
}

process.stdout.write(`fuzzing every reader: ${runs} cases per property, seed ${seed}\n`);
let failures = 0;
for (const { name, check } of READER_PROPERTIES) {
  const startedAt = performance.now();
  try {
    check({ numRuns: runs, seed });
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    process.stdout.write(`ok    ${name} (${seconds} s)\n`);
  } catch (error) {
    failures += 1;
    process.stdout.write(`FAIL  ${name}\n${(error as Error).message}\n`);
  }
}
process.stdout.write(`${READER_PROPERTIES.length - failures} passed, ${failures} failed\n`);
process.exitCode = failures === 0 ? 0 : 1;
