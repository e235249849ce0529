// The evaluate command's options: commander parses the command line and writes --help, and
// every value is then checked in one place, so that a bad one is refused with one line naming
// the flag, what it expects and what it got, before anything is read or started.

import { Command, Option } from 'commander';

import type { BatchSize } from '../coordinator.js';
import { describeValue, inputError } from '../errors.js';
import type { EvaluationRequest } from '../evaluation.js';
import {
  availableKernels,
  defaultKernel,
  kernelUnavailable,
  KERNELS,
  type KernelName,
} from '../kernels/kernel-names.js';
import { DEFAULT_WEIGHTS } from '../project-files.js';
import type { ReportFormat } from '../report/report-names.js';
import { chooseShard, COUNT_VARIABLES, INDEX_VARIABLES, type ShardChoice } from
  '../shards/shard-choice.js';
import { TOOL } from '../tool.js';
import {
  addCommonOptions,
  formatOption,
  parseFormats,
  readDataChoice,
  readRetries,
  readWorkers,
  refuseEmptyPaths,
} from './common-options.js';

/** The evaluate command's settings, checked and with defaults applied. */
export interface EvaluateOptions extends Pick<EvaluationRequest, 'data' | 'split' | 'weights' |
  'workers' | 'batchSize' | 'kernel' | 'out' | 'retries'> {
  formats: ReportFormat[];
  json: boolean;
  quiet: boolean;
  /** The slice to evaluate when the run is one shard of a split evaluation. */
  shard: ShardChoice | null;
}

const DEFAULT_OUT = 'reports';

/** The commander program for `npm run evaluate`, with every option and its default. */
export function evaluateCommand(): Command {
  const command = new Command('npm run evaluate --')
    .description('Classify MNIST images with a dense network on a pool of worker threads, ' +
      'and write accuracy, confusion-matrix, per-class and calibration reports, an HTML page ' +
      'and a PNG of the misclassified digits.')
    .version(TOOL.version)
    .addOption(new Option('--weights <file>', 'network weights: safetensors, or a pickle of ' +
      'numpy arrays such as the book\'s sample_weight.pkl')
      .default(DEFAULT_WEIGHTS.display, `${DEFAULT_WEIGHTS.display}, trained by npm run train`));

  return addCommonOptions(command, 'test')
    .addOption(new Option('--batch-size <count>', 'images per batch a worker claims at a ' +
      'time, or auto').default('auto', 'auto: 256, fewer where a worker would get none'))
    .addOption(new Option('--kernel <name>', 'forward-pass kernel: wasm-fma (WebAssembly ' +
      'relaxed SIMD, fused multiply-adds), wasm (WebAssembly SIMD) or js (the plain ' +
      'typed-array reference)').choices(KERNELS)
      .default(defaultKernel(), `${defaultKernel()}, the fastest one that runs here`))
    .addOption(new Option('--out <folder>', 'folder the reports are written to')
      .default(DEFAULT_OUT, DEFAULT_OUT))
    .addOption(formatOption())
    .option('--json', 'print summary.json to stdout instead of the text summary')
    .option('--shard-index <index>', 'evaluate only shard INDEX (from 0) of --shard-count, and ' +
      `write its partial result for npm run merge (default: ${INDEX_VARIABLES.join(', ')})`)
    .option('--shard-count <count>', 'the number of shards the images are split into ' +
      `(default: ${COUNT_VARIABLES.join(', ')})`)
    .option('--shard', 'evaluate one shard, its index and count both read from the batch ' +
      'engine\'s variables')
    .showHelpAfterError(false)
    .allowExcessArguments(false);
}

/** Checks the parsed values and applies defaults; throws an InputError naming the flag. */
export function normalizeEvaluateOptions(program: Command): EvaluateOptions {
  const raw = program.opts<Record<string, string | boolean | undefined>>();
  refuseEmptyPaths(raw, ['weights', 'out']);
  const { data, split } = readDataChoice(program);

  const isDefaultWeights = program.getOptionValueSource('weights') === 'default';
  if (isDefaultWeights && !DEFAULT_WEIGHTS.exists()) {
    throw inputError('ERR_BAD_OPTION', '--weights', `expected a weights file, and the default ` +
      `${DEFAULT_WEIGHTS.display} is missing (make it with npm run train)`);
  }

  return {
    data,
    split,
    weights: String(raw.weights),
    workers: readWorkers(program),
    retries: readRetries(program),
    batchSize: readBatchSize(raw.batchSize),
    kernel: checkKernel(raw.kernel as KernelName),
    out: String(raw.out),
    formats: parseFormats(raw.format),
    json: raw.json === true,
    quiet: raw.quiet === true,
    shard: chooseShard({ shard: raw.shard === true, index: optionalString(raw.shardIndex),
      count: optionalString(raw.shardCount) }, process.env),
  };
}

function readBatchSize(value: string | boolean | undefined): BatchSize {
  if (value === 'auto') return 'auto';
  if (typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= 1 &&
    Number.isSafeInteger(Number(value))) {
    return Number(value);
  }
  throw inputError('ERR_BAD_OPTION', '--batch-size',
    `expected a positive integer or auto, got ${describeValue(value)}`);
}

function optionalString(value: string | boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function checkKernel(kernel: KernelName): KernelName {
  const available = availableKernels();
  if (available.includes(kernel)) return kernel;
  throw inputError('ERR_BAD_OPTION', '--kernel', `expected a kernel that runs here ` +
    `(${available.join(', ')}), and ${kernel} does not: ${kernelUnavailable(kernel)}`);
}

