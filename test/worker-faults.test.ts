// Workers that fail, and runs that are stopped: the commands end to end, with faults made on
// purpose through the test-only MNIST_EVAL_TEST_FAULTS switch (src/faults.ts). A run that
// recovers must write exactly the reports of an undisturbed run; one that cannot must leave
// the previous reports as they were, with no temporary file, and its process must end.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { readReports } from './helpers/read-reports.js';
import { smallTrainingFiles } from './helpers/training-files.js';
import { runCli, startCli, type CommandResult } from './helpers/run-cli.js';

const folder = await temporaryFolder();
const weights = await writeRandomWeights(folder);
// 20 batches of 500 test images
const EVALUATE = ['--weights', weights, '--workers', '2', '--batch-size', '500', '--quiet'];
const FAULTS = 'MNIST_EVAL_TEST_FAULTS';

// Every file of a folder, byte for byte, with summary.json's run section taken out.
function assertExit(result: CommandResult, code: number): void {
  assert.is(result.exitCode, code, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

function assertSameFiles(actual: Map<string, string>, expected: Map<string, string>): void {
  assert.equal([...actual.keys()], [...expected.keys()]);
  for (const [name, content] of expected) {
    assert.ok(actual.get(name) === content, `${name} differs`);
  }
}

const undisturbedOut = join(folder, 'undisturbed');
assertExit(await runCli('evaluate', [...EVALUATE, '--out', undisturbedOut]), 0);
const undisturbed = await readReports(undisturbedOut);

// ---

const retried = suite('evaluate: a batch whose worker fails is run again on fresh threads');

const KINDS: [string, RegExp][] = [
  ['throw', /injected test fault: the worker threw/],
  ['exit', /worker exited with code: 70/],
  ['oom', /memory limit/],
];

for (const [kind, cause] of KINDS) {
  retried(`should write the undisturbed run's reports when a worker fails (${kind})`,
    async () => {
      const out = join(folder, `retried-${kind}`);
      const result = await runCli('evaluate', [...EVALUATE, '--out', out],
        { [FAULTS]: `${kind}@batch:7` });

      assertExit(result, 0);
      const lines = result.stderr.trim().split('\n');
      assert.is(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^batch 7\/20 \(images 3000–3499\) failed \(/);
      assert.match(lines[0]!, cause);
      assert.match(lines[0]!, /running it again on fresh worker threads \(attempt 2 of 3\)$/);
      assertSameFiles(await readReports(out), undisturbed);
    });
}

retried('should recover from several batches failing, each up to --retries times', async () => {
  const out = join(folder, 'retried-many');
  const result = await runCli('evaluate', [...EVALUATE, '--retries', '3', '--out', out],
    { [FAULTS]: 'throw@batch:1*3,exit@batch:20*2,oom@batch:11' });

  assertExit(result, 0);
  assert.is(result.stderr.trim().split('\n').length, 6, result.stderr);
  assertSameFiles(await readReports(out), undisturbed);

  // the run section, the one part that may differ, says how the run recovered
  const { run } = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as
    { run: { retries: number; batchesRetried: number } };
  assert.equal([run.retries, run.batchesRetried], [3, 6]);
  const plain = JSON.parse(await readFile(join(undisturbedOut, 'summary.json'), 'utf8')) as
    { run: { retries: number; batchesRetried: number } };
  assert.equal([plain.run.retries, plain.run.batchesRetried], [2, 0]);
});

retried.run();

// ---

const failed = suite('evaluate: a batch that keeps failing');

failed('should stop with one line naming the batch, exit code 1 and the old reports kept',
  async () => {
    const out = join(folder, 'kept');
    assertExit(await runCli('evaluate', [...EVALUATE, '--out', out]), 0);

    const result = await runCli('evaluate', [...EVALUATE, '--out', out],
      { [FAULTS]: 'exit@batch:3*3' });
    assertExit(result, 1);
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 3, result.stderr);
    assert.is(lines[2], 'error: batch 3/20 (images 1000–1499) failed on all 3 attempts, each ' +
      'on fresh worker threads; the last: worker exited with code: 70');
    assert.is(result.stdout, '');
    assertSameFiles(await readReports(out), undisturbed);
  });

failed('should not run a batch again with --retries 0', async () => {
  const out = join(folder, 'no-retries');
  const result = await runCli('evaluate', [...EVALUATE, '--retries', '0', '--out', out],
    { [FAULTS]: 'oom@batch:20' });
  assertExit(result, 1);
  assert.match(result.stderr, /^error: batch 20\/20 \(images 9500–9999\) failed: .*memory/);
  assert.is(result.stderr.trim().split('\n').length, 1);
  assert.not.ok(existsSync(out), 'no report folder was made');
});

failed('should refuse a --retries that is not a whole number from 0 to 100', async () => {
  for (const value of ['-1', '101', '1.5', 'x']) {
    const result = await runCli('evaluate', ['--retries', value]);
    assertExit(result, 2);
    assert.is(result.stderr,
      `--retries: expected a whole number from 0 to 100, got "${value}"\n`);
  }
});

failed.run();

// ---

const interrupted = suite('evaluate: interrupted');

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  interrupted(`should exit with ${code} on ${signal}, the previous reports kept`, async () => {
    const out = join(folder, `stopped-${signal}`);
    assertExit(await runCli('evaluate', [...EVALUATE, '--out', out]), 0);

    // the hung batch holds the run in the middle, however slow the machine
    const { child, finished } = startCli('evaluate', [...EVALUATE, '--out', out],
      { [FAULTS]: 'hang@batch:5' });
    await sleep(1500);
    child.kill(signal);
    const result = await finished;

    assertExit(result, code);
    assert.is(result.stderr, `stopped by ${signal}\n`);
    assert.is(result.stdout, '');
    assertSameFiles(await readReports(out), undisturbed);
  });
}

interrupted('should end at once on a second Ctrl-C', async () => {
  const out = join(folder, 'stopped-twice');
  const { child, finished } = startCli('evaluate', [...EVALUATE, '--out', out],
    { [FAULTS]: 'hang@batch:5' });
  await sleep(1500);
  child.kill('SIGINT');
  child.kill('SIGINT');
  const result = await finished;

  assertExit(result, 130);
  assert.not.ok(existsSync(out), 'no report folder was made');
});

interrupted.run();

// ---

const training = suite('train: workers that fail');

const data = await smallTrainingFiles(folder);
// 2 epochs of 1500 images in batches of 100: 121 tasks an epoch on the pool
const TRAIN = [...data, '--epochs', '2', '--validation', '500', '--hidden', '20,10',
  '--workers', '2', '--quiet'];

training('should write the undisturbed weights after failures in both epochs', async () => {
  const plain = join(folder, 'train-plain', 'net.safetensors');
  assertExit(await runCli('train', [...TRAIN, '--out', plain]), 0);

  const out = join(folder, 'train-faults', 'net.safetensors');
  const result = await runCli('train', [...TRAIN, '--out', out],
    { [FAULTS]: 'throw@task:30,exit@task:200,oom@task:300' });
  assertExit(result, 0);
  const retries = result.stderr.split('\n').filter((line) => line.includes('again'));
  assert.is(retries.length, 3, result.stderr);
  assert.match(retries[0]!, /^training: the update of step 4 failed: injected test fault: the /);
  assert.match(retries[0]!, /running epoch 1 again from its start on fresh worker threads/);
  assert.match(retries[2]!, /running epoch 2 again .* \(attempt 3 of 3\)$/);
  assert.ok((await readFile(out)).equals(await readFile(plain)), 'the weights differ');
});

training('should keep the last checkpoint intact when an epoch keeps failing', async () => {
  const plain = join(folder, 'train-plain', 'net.safetensors');
  const out = join(folder, 'train-failed', 'net.safetensors');
  const checkpoint = join(folder, 'train-failed', 'net.checkpoint.safetensors');
  const result = await runCli('train', [...TRAIN, '--retries', '1', '--out', out],
    { [FAULTS]: 'exit@task:150,exit@task:250' });

  assertExit(result, 1);
  assert.match(result.stderr,
    /\nerror: training: .* failed: worker exited with code: 70 \(epoch 2 /);
  assert.not.ok(existsSync(out), 'no weights were written');
  assert.equal((await readdir(dirname(out))).filter((name) => name.endsWith('.tmp')), []);

  // the epoch-1 checkpoint resumes to the very bytes of the run that never failed
  assertExit(await runCli('train', ['--resume', checkpoint, '--quiet']), 0);
  assert.ok((await readFile(out)).equals(await readFile(plain)), 'the weights differ');
});

training('should keep the last checkpoint on SIGTERM, exit 143, and resume from it', async () => {
  const plain = join(folder, 'train-plain', 'net.safetensors');
  const out = join(folder, 'train-stopped', 'net.safetensors');
  const checkpoint = join(folder, 'train-stopped', 'net.checkpoint.safetensors');
  const { child, finished } = startCli('train', [...TRAIN, '--out', out],
    { [FAULTS]: 'hang@task:150' });
  while (!existsSync(checkpoint)) await sleep(5);
  await sleep(200);
  child.kill('SIGTERM');
  const result = await finished;

  assertExit(result, 143);
  assert.match(result.stderr, /stopped by SIGTERM; continue with: npm run train -- --resume /);
  assert.not.ok(existsSync(out), 'no weights before the run is over');
  assertExit(await runCli('train', ['--resume', checkpoint, '--quiet']), 0);
  assert.ok((await readFile(out)).equals(await readFile(plain)), 'the weights differ');
});

training.run();
