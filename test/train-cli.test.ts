// The train command end to end, on 2,000 MNIST training images so that it runs in seconds,
// and the weights the project ships.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { mnistPaths } from '../src/data/mnist-files.js';
import { readSafetensors } from '../src/model/safetensors.js';
import { temporaryFolder } from './helpers/random-network.js';
import { smallTrainingFiles } from './helpers/training-files.js';
import { PROJECT_ROOT, runCli, startCli, type CommandResult } from './helpers/run-cli.js';

const folder = await temporaryFolder();
const IMAGE_COUNT = 2000;

const data = await smallTrainingFiles(folder, IMAGE_COUNT);
const QUICK = [...data, '--epochs', '1', '--validation', '500', '--hidden', '20,10'];

function assertSucceeded(result: CommandResult): void {
  assert.is(result.exitCode, 0, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

// ---

const training = suite('train: the command');

training('should write byte-identical weights with 1 and 3 workers, saying how', async () => {
  const outputs = await Promise.all(['1', '3'].map(async (workers) => {
    const out = join(folder, `w${workers}`, 'net.safetensors');
    const result = await runCli('train', [...QUICK, '--workers', workers, '--out', out]);
    assertSucceeded(result);
    assert.match(result.stderr, /^epoch 1\/1: loss [\d.]+, validation accuracy [\d.]+, [\d.]+ s$/m);
    assert.match(result.stdout, new RegExp(`^${out}: 784-20-10-10 sigmoid network, ` +
      'validation accuracy [\\d.]+ after 1 epoch, [\\d.]+ s\\n$'));
    return readFile(out);
  }));
  assert.ok(outputs[0].equals(outputs[1]), 'the weights files differ');

  const { metadata } = readSafetensors(outputs[0], 'net.safetensors');
  assert.is(metadata.activation, 'sigmoid');
  assert.is(metadata.seed, '1');
  assert.is(metadata.epochs, '1');
  assert.is(metadata.layers, '784-20-10-10');
  assert.match(metadata.command, new RegExp('^npm run train -- --images \\S+small-images ' +
    '--labels \\S+ --hidden 20,10 --activation sigmoid --epochs 1 '));
  assert.match(metadata.validation_accuracy, /^0\.\d{4}$/);
  assert.match(metadata.training_data, /images 0–1499$/);
});

training('should end, after Ctrl-C and --resume, with the uninterrupted run\'s bytes',
  async () => {
    const settings = [...data, '--epochs', '12', '--validation', '500', '--hidden', '20,10'];
    const whole = join(folder, 'whole', 'net.safetensors');
    assertSucceeded(await runCli('train', [...settings, '--out', whole]));

    const out = join(folder, 'stopped', 'net.safetensors');
    const checkpoint = join(folder, 'stopped', 'net.checkpoint.safetensors');
    const { child, finished } = startCli('train', [...settings, '--out', out]);
    // the first epoch's line is printed once its checkpoint is written and flushed
    let stderr = '';
    child.stderr?.on('data', (chunk) => { stderr += chunk; });
    while (!stderr.includes('epoch  1/12')) await sleep(5);
    assert.ok(existsSync(checkpoint), 'the first checkpoint is written');
    child.kill('SIGINT');
    const stopped = await finished;

    if (stopped.exitCode === 0) {
      console.log('note: the run finished before it could be interrupted');
    } else {
      assert.is(stopped.exitCode, 130, stopped.stderr);
      assert.match(stopped.stderr, new RegExp(`stopped by SIGINT; continue with: npm run ` +
        `train -- --resume ${checkpoint}\\n$`));
      assert.not.ok(existsSync(out), 'no weights before the run is over');
      assert.equal((await readdir(dirname(out))).filter((name) => name.endsWith('.tmp')), []);
      assertSucceeded(await runCli('train', ['--resume', checkpoint]));
    }
    assert.ok((await readFile(out)).equals(await readFile(whole)), 'the weights differ');
  });

training('should refuse to train on the MNIST test images under another name', async () => {
  const test = mnistPaths('test');
  const result = await runCli('train', ['--images', test.images, '--labels', test.labels,
    '--out', join(folder, 'never.safetensors')]);
  assert.is(result.exitCode, 2);
  assert.match(result.stderr, /t10k-images-idx3-ubyte: holds the MNIST test images/);
});

training('should stop with exit code 1 and write nothing when training diverges', async () => {
  const out = join(folder, 'diverged', 'net.safetensors');
  const result = await runCli('train', [...QUICK, '--learning-rate', '1e300', '--out', out]);
  assert.is(result.exitCode, 1, result.stderr);
  assert.match(result.stderr, /^error: training diverged in epoch 1: .*--learning-rate\)\n$/);
  assert.not.ok(existsSync(dirname(out)), 'nothing was written');
});

training.run();

// ---

const refusals = suite('train: bad input');

const CASES: [string, string[], RegExp][] = [
  ['--hidden abc', ['--hidden', 'abc'],
    /^--hidden: expected widths from 1 to 4096 separated by commas, such as 50,100, got "abc"$/],
  ['--hidden 50,,100', ['--hidden', '50,,100'], /^--hidden: expected widths/],
  ['--epochs 0', ['--epochs', '0'], /^--epochs: expected a positive integer, got "0"$/],
  ['--learning-rate -1', ['--learning-rate', '-1'],
    /^--learning-rate: expected a number greater than 0, got "-1"$/],
  ['--seed 4294967296', ['--seed', '4294967296'],
    /^--seed: expected a whole number from 0 to 4294967295/],
  ['--shift 1.5', ['--shift', '1.5'], /^--shift: expected a whole number from 0 up, got "1.5"$/],
  ['--activation step', ['--activation', 'step'], /argument 'step' is invalid/],
  ['--split test', ['--split', 'test'], /argument 'test' is invalid. Allowed choices are train/],
  ['--hidden 1e2', ['--hidden', '1e2'], /^--hidden: expected widths/],
  ['--learning-rate 0x10', ['--learning-rate', '0x10'], /^--learning-rate: expected a number/],
  ['--shift 28 on 28-pixel images', [...data, '--validation', '500', '--shift', '28'],
    /^--shift: expected fewer pixels than the images' 28-pixel side, got 28$/],
  ['a --checkpoint that is --out', ['--checkpoint', 'x.safetensors', '--out', 'x.safetensors'],
    /^--checkpoint: expected another file than --out/],
  ['--validation 2000 of 2000 images', [...data, '--validation', '2000'],
    /^--validation: expected fewer than the 2000 images of \S+small-images, got 2000$/],
  ['a setting changed on --resume', ['--resume', 'any.checkpoint', '--seed', '2'],
    /^--seed: cannot be changed when resuming/],
  ['weights given to --resume',
    [...data, '--resume', join(PROJECT_ROOT, 'weights', 'mnist-mlp.safetensors')],
    /mnist-mlp\.safetensors: expected a training checkpoint/],
];

for (const [name, args, stderr] of CASES) {
  refusals(`should refuse ${name} with one line and exit code 2`, async () => {
    const out = args.includes('--out') ? [] : ['--out', join(folder, 'never.safetensors')];
    const result = await runCli('train', [...args, ...out]);
    assert.is(result.exitCode, 2, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
    assert.is(result.stderr.split('\n').length, 2, result.stderr);
    assert.match(result.stderr.trim(), stderr);
  });
}

refusals.run();

// ---

const shipped = suite('the shipped weights');

shipped('should give the test accuracy their model card states, with no --weights', async () => {
  const card = await readFile(join(PROJECT_ROOT, 'weights', 'README.md'), 'utf8');
  const stated = /\| test accuracy \| \*\*([\d.]+)\*\* \((\d+) of 10,000\)/.exec(card);
  const file = /\| file \| ([\d,]+) bytes, sha256 `([0-9a-f]{64})`/.exec(card);
  assert.ok(stated && file, 'the model card states a test accuracy, a size and a sha256');

  const out = join(folder, 'shipped');
  const result = await runCli('evaluate', ['--out', out]);
  assertSucceeded(result);
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  assert.is(summary.accuracy.toFixed(4), stated[1]);
  assert.is(summary.correct, Number(stated[2]));
  assert.is(summary.weights.file.path, 'weights/mnist-mlp.safetensors');
  assert.is(summary.weights.file.sha256, file[2]);
  assert.is(summary.weights.file.bytes, Number(file[1].replaceAll(',', '')));
  assert.ok(summary.accuracy >= 0.975, `test accuracy ${summary.accuracy}`);
});

shipped.run();
