// piscina's pool as the build bundles it into the commands: its code comes with the command,
// so that the main thread reads none of piscina's files before it can start the threads, and
// the threads still start from piscina's own worker file.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { runCli } from './helpers/run-cli.js';

const folder = await temporaryFolder();

test('evaluate starts its threads without loading any of piscina\'s files itself', async () => {
  // preloaded into the command: prints, as the command exits, which of piscina's files the
  // main thread loaded (each thread loads piscina's worker file in a module cache of its own)
  const probe = join(folder, 'list-piscina-files.cjs');
  await writeFile(probe, [
    "process.on('exit', () => {",
    '  const loaded = Object.keys(require.cache)',
    '    .filter((file) => /[\\\\/]piscina[\\\\/]/.test(file));',
    "  process.stderr.write(`piscina files loaded: ${JSON.stringify(loaded)}\\n`);",
    '});',
  ].join('\n'));
  const weights = await writeRandomWeights(folder);

  const result = await runCli('evaluate', ['--weights', weights, '--workers', '2', '--quiet',
    '--out', join(folder, 'reports')], {}, ['--require', probe]);

  assert.is(result.exitCode, 0, result.stderr);
  assert.match(result.stderr, /^piscina files loaded: \[\]$/m);
});

test.run();
