// Shards and merge end to end: shards run as separate processes at the same time, merged,
// give a whole run's reports file by file; merge refuses sets that are not one evaluation's
// shards, each with its own line and exit code 2.

import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { readReports } from './helpers/read-reports.js';
import { runCli, type CommandResult } from './helpers/run-cli.js';

const folder = await temporaryFolder();
const weights = await writeRandomWeights(folder);


function assertSucceeded(result: CommandResult): void {
  assert.is(result.exitCode, 0, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

// Runs the four shards of the test set at once, each told its index by the variable a
// Kubernetes Indexed Job sets, into `out`.
async function runShards(out: string, weightsFile: string, count = 4): Promise<void> {
  const results = await Promise.all(Array.from({ length: count }, (_, index) =>
    runCli('evaluate', ['--weights', weightsFile, '--workers', '1', '--shard-count',
      String(count), '--out', out, '--quiet'], { JOB_COMPLETION_INDEX: String(index) })));
  results.forEach(assertSucceeded);
}

const shardsFolder = join(folder, 'partials');
await runShards(shardsFolder, weights);
const shard = (index: number) => join(shardsFolder, `shard-${index}-of-4.json`);

// ---

const endToEnd = suite('evaluate --shard-count, then merge');

endToEnd('should print each shard\'s slice and where its index came from', async () => {
  const result = await runCli('evaluate', ['--weights', weights, '--shard-count', '4',
    '--out', join(folder, 'one-shard'), '--quiet'], { JOB_COMPLETION_INDEX: '3' });
  assertSucceeded(result);
  assert.ok(result.stdout.startsWith('shard 3 of 4 (index from JOB_COMPLETION_INDEX, count ' +
    'from --shard-count): images 7500–9999 of 10000\n'), result.stdout);
  assert.equal(await readdir(join(folder, 'one-shard')), ['shard-3-of-4.json']);
});

endToEnd('should merge four shards run at once into a whole run\'s reports, file by file',
  async () => {
    const merged = join(folder, 'merged');
    const whole = join(folder, 'whole');
    assertSucceeded(await runCli('merge', [shardsFolder, '--out', merged]));
    assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', whole, '--quiet']));

    const [mergedReports, wholeReports] = [await readReports(merged), await readReports(whole)];
    assert.equal([...mergedReports.keys()], [...wholeReports.keys()]);
    for (const [name, content] of wholeReports) {
      assert.ok(mergedReports.get(name) === content, `${name} differs from the whole run's`);
    }

    const summary = JSON.parse(await readFile(join(merged, 'summary.json'), 'utf8'));
    assert.equal(summary.run.shards.map((shard: { indexFrom: string }) => shard.indexFrom),
      Array(4).fill('JOB_COMPLETION_INDEX'));
  });

endToEnd('should take the partial files one by one as well as a folder', async () => {
  const names = (await readdir(shardsFolder)).map((name) => join(shardsFolder, name));
  const result = await runCli('merge', [...names, '--out', join(folder, 'by-name'), '--json']);
  assertSucceeded(result);
  assert.is(JSON.parse(result.stdout).total, 10000);
});

endToEnd('should write only the formats --format names', async () => {
  const out = join(folder, 'csv-only');
  assertSucceeded(await runCli('merge', [shardsFolder, '--out', out, '--format', 'csv,png']));
  assert.equal((await readdir(out)).sort(), ['confusion-matrix-normalized.csv',
    'confusion-matrix.csv', 'misclassified.csv', 'misclassified.png', 'per-class.csv',
    'predictions.csv']);
});

endToEnd('should read a file named twice, alone and in its folder, once', async () => {
  const result = await runCli('merge', [shardsFolder, shard(2), '--out', join(folder, 'twice')]);
  assertSucceeded(result);
});

endToEnd.run();

// ---

const refusals = suite('merge refuses what is not one evaluation\'s shards');

// A new folder holding copies of `files` (from, name), for a set of shards made up by a test.
async function folderWith(name: string, files: [string, string][]): Promise<string> {
  const target = join(folder, name);
  await mkdir(target, { recursive: true });
  for (const [from, to] of files) await copyFile(from, join(target, to));
  return target;
}

async function assertRefused(inputs: string[], message: RegExp): Promise<void> {
  const out = join(folder, 'refused-out');
  const result = await runCli('merge', [...inputs, '--out', out]);
  assert.is(result.exitCode, 2, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
  assert.match(result.stderr, message);
  assert.is(result.stderr.trim().split('\n').length, 1, 'one line');
  assert.is(result.stdout, '');
  await readdir(out).then(
    () => assert.unreachable('no report may be written'),
    () => undefined);
}


refusals('should refuse a missing shard, naming it', async () => {
  const partial = await folderWith('missing', [[shard(0), 'shard-0-of-4.json'],
    [shard(1), 'shard-1-of-4.json'], [shard(3), 'shard-3-of-4.json']]);
  await assertRefused([partial], /^merge: expected all 4 shards, and shard 2 of 4 is missing$/m);
});

refusals('should refuse two files of the same shard', async () => {
  const copy = await folderWith('copy', [[shard(2), 'shard-2-of-4.json']]);
  await assertRefused([shardsFolder, copy],
    /copy\/shard-2-of-4\.json: expected each shard once, and shard 2 of 4 was already read from/);
});


refusals('should refuse a shard of other weights', async () => {
  const otherWeights = await writeRandomWeights(folder, 99);
  const otherShards = join(folder, 'other-shards');
  assertSucceeded(await runCli('evaluate', ['--weights', otherWeights, '--shard-count', '4',
    '--out', otherShards, '--quiet'], { AWS_BATCH_JOB_ARRAY_INDEX: '1' }));
  const mixed = await folderWith('mixed-weights', [[shard(0), 'shard-0-of-4.json'],
    [join(otherShards, 'shard-1-of-4.json'), 'shard-1-of-4.json'],
    [shard(2), 'shard-2-of-4.json'], [shard(3), 'shard-3-of-4.json']]);
  await assertRefused([mixed], new RegExp('shard-1-of-4\\.json: expected the weights ' +
    '\\(sha256\\) of .*shard-0-of-4\\.json, [0-9a-f]{64}, found [0-9a-f]{64}: it is a shard of ' +
    'another evaluation$', 'm'));
});

refusals('should refuse a shard of other data', async () => {
  const otherData = join(folder, 'train-shards');
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--split', 'train',
    '--shard-count', '4', '--out', otherData, '--quiet'], { SLURM_ARRAY_TASK_ID: '2' }));
  const mixed = await folderWith('mixed-data', [[shard(0), 'shard-0-of-4.json'],
    [shard(1), 'shard-1-of-4.json'], [join(otherData, 'shard-2-of-4.json'), 'shard-2-of-4.json'],
    [shard(3), 'shard-3-of-4.json']]);
  await assertRefused([mixed], /shard-2-of-4\.json: expected the images \(sha256\) of/);
});

refusals('should refuse a corrupted partial file', async () => {
  const corrupted = join(folder, 'corrupted.json');
  const text = await readFile(shard(1), 'utf8');
  const middle = Math.floor(text.length / 2);
  await writeFile(corrupted, text.slice(0, middle) + (text[middle] === 'A' ? 'B' : 'A') +
    text.slice(middle + 1));
  await assertRefused([shard(0), corrupted, shard(2), shard(3)],
    /corrupted\.json: corrupted: its payload does not match the sha256 it records$/m);
});

refusals('should refuse a folder holding no shard', async () => {
  const empty = await folderWith('empty', []);
  await assertRefused([empty],
    /empty: expected shard files named shard-I-of-N\.json in this folder, found none$/m);
});

refusals.run();
