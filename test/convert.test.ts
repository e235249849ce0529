// The convert command: any weights file the project reads, rewritten as safetensors.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { loadWeights } from '../src/model/load-weights.js';
import { readSafetensors } from '../src/model/safetensors.js';
import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { runCli } from './helpers/run-cli.js';

const BOOK_WEIGHTS = fileURLToPath(
  new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url));
const folder = await temporaryFolder();

const convert = suite('convert');

convert('should keep every value and record the activation it was asked for', async () => {
  const input = await writeRandomWeights(folder, 3);
  const output = join(folder, 'nested', 'relu.safetensors');
  const result = await runCli('convert', [input, output, '--activation', 'relu']);

  assert.is(result.exitCode, 0, result.stderr);
  assert.is(result.stdout, `${output}: 784-50-100-10 relu network, ` +
    `${(await readFile(output)).length} bytes\n`);
  const before = await loadWeights(input);
  const after = await loadWeights(output);
  assert.is(after.network.activation, 'relu');
  assert.equal(after.network.layers, before.network.layers);
});

convert('should refuse an output path that is a folder, with exit code 2', async () => {
  const input = await writeRandomWeights(folder, 4);
  await mkdir(join(folder, 'a-folder'));
  const result = await runCli('convert', [input, join(folder, 'a-folder')]);

  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /a-folder is a folder, expected a file or nothing there\n$/);
});

convert('should refuse an input that is no weights file, with exit code 2', async () => {
  const result = await runCli('convert', ['README.md', join(folder, 'never.safetensors')]);
  assert.is(result.exitCode, 2);
  assert.is(result.stderr, 'README.md: expected a safetensors file or a pickle of numpy ' +
    'arrays (protocol 2 or later), found neither\n');
  assert.not.ok(existsSync(join(folder, 'never.safetensors')));
});

if (existsSync(BOOK_WEIGHTS)) {
  convert('should turn the book\'s pickle into safetensors with the same values', async () => {
    const output = join(folder, 'book.safetensors');
    assert.is((await runCli('convert', [BOOK_WEIGHTS, output])).exitCode, 0);

    const converted = readSafetensors(await readFile(output), output);
    assert.is(converted.metadata.activation, 'sigmoid');
    assert.match(converted.metadata.source, /^converted from sample_weight\.pkl \(sha256 b7f55a/);
    const book = await loadWeights(BOOK_WEIGHTS);
    const W1 = converted.tensors.get('W1');
    assert.equal(W1?.shape, [784, 50]);
    assert.equal(W1?.values, book.network.layers[0].weights);
  });
} else {
  console.log(`skipped: the book's weights are not at ${BOOK_WEIGHTS}`);
  convert.skip('should turn the book\'s pickle into safetensors with the same values', () => {});
}

convert.run();
