// The train command's options, checked in one place like evaluate's. A resumed run keeps
// the settings its checkpoint records, so flags that would change them are refused rather
// than silently ignored.

import { Command, Option } from 'commander';

import { describeValue, inputError } from '../errors.js';
import { DEFAULT_WEIGHTS } from '../project-files.js';
import { TOOL } from '../tool.js';
import type { TrainingRequest } from '../training/run-training.js';
import type { Hyperparameters } from '../training/trainer.js';
import {
  addCommonOptions,
  optionName,
  parseCount,
  parseNonNegativeInteger,
  parsePositiveNumber,
  readDataChoice,
  readRetries,
  readWorkers,
  refuseEmptyPaths,
} from './common-options.js';

/** The train command's settings, checked and with defaults applied. */
export interface TrainOptions extends Pick<TrainingRequest, 'data' | 'split' |
  'hyperparameters' | 'resume' | 'workers' | 'out' | 'checkpoint' | 'given' | 'retries'> {
  quiet: boolean;
}

/** The defaults, chosen on the validation images: 0.98 there in about 40 s on 2 cores. */
const DEFAULTS = {
  hidden: '50,100',
  activation: 'sigmoid',
  epochs: '12',
  batchSize: '100',
  learningRate: '0.005',
  seed: '1',
  shift: '1',
  validation: '5000',
};

// Flags that decide the weights; a resumed run takes them from its checkpoint.
const SETTINGS = ['hidden', 'activation', 'batchSize', 'learningRate', 'seed', 'shift',
  'validation'] as const;
const MAX_SEED = 2 ** 32 - 1;
// Wide enough for any network this tool is for, narrow enough to stop a typing slip.
const MAX_WIDTH = 4096;

/** The commander program for `npm run train`, with every option and its default. */
export function trainCommand(): Command {
  const option = (flags: string, description: string, key: keyof typeof DEFAULTS) =>
    new Option(flags, description).default(DEFAULTS[key], DEFAULTS[key]);

  const command = new Command('npm run train --')
    .description('Train a dense network on MNIST on a pool of worker threads, and write its ' +
      'weights as safetensors.')
    .version(TOOL.version)
    .addOption(option('--hidden <widths>', 'widths of the hidden layers, comma-separated',
      'hidden'))
    .addOption(option('--activation <name>', 'hidden-layer activation', 'activation')
      .choices(['sigmoid', 'relu']))
    .addOption(option('--epochs <count>', 'passes over the training images', 'epochs'))
    .addOption(option('--batch-size <count>', 'images per gradient step', 'batchSize'))
    .addOption(option('--learning-rate <rate>', 'Adam\'s peak learning rate, decayed to 0 ' +
      'along a cosine', 'learningRate'))
    .addOption(option('--seed <number>', 'seed of every random choice, 0 to 4294967295',
      'seed'))
    .addOption(option('--shift <pixels>', 'largest random shift of a training image, 0 for ' +
      'none', 'shift'))
    .addOption(option('--validation <count>', 'images held out at the end of the training ' +
      'files to measure each epoch', 'validation'))
    .addOption(new Option('--out <file>', 'weights file to write')
      .default(DEFAULT_WEIGHTS.display, DEFAULT_WEIGHTS.display))
    .option('--checkpoint <file>', 'checkpoint written after every epoch (default: the ' +
      '--out name with .checkpoint.safetensors)')
    .option('--resume <file>', 'continue the run saved in this checkpoint, with its ' +
      'settings; --epochs may raise its length');

  return addCommonOptions(command, 'train', ['train'])
    .showHelpAfterError(false)
    .allowExcessArguments(false);
}

/** Checks the parsed values and applies defaults; throws an InputError naming the flag. */
export function normalizeTrainOptions(program: Command): TrainOptions {
  const raw = program.opts<Record<string, string | boolean | undefined>>();
  refuseEmptyPaths(raw, ['out', 'checkpoint', 'resume']);
  const { data, split } = readDataChoice(program);

  const isGiven = (key: string) => program.getOptionValueSource(key) === 'cli';
  const resume = typeof raw.resume === 'string' ? raw.resume : null;
  if (resume !== null) {
    const changed = SETTINGS.find(isGiven);
    if (changed !== undefined) {
      throw inputError('ERR_BAD_OPTION', optionName(changed), `cannot be changed when ` +
        `resuming: the run goes on with the settings saved in ${resume}`);
    }
  }

  const out = String(raw.out);
  const epochs = parseCount(raw.epochs, '--epochs');
  return {
    data,
    split,
    hyperparameters: {
      hidden: parseWidths(raw.hidden),
      activation: raw.activation as 'sigmoid' | 'relu',
      epochs,
      batchSize: parseCount(raw.batchSize, '--batch-size'),
      learningRate: parsePositiveNumber(raw.learningRate, '--learning-rate'),
      seed: parseSeed(raw.seed),
      maxShift: parseNonNegativeInteger(raw.shift, '--shift'),
      validationCount: parseCount(raw.validation, '--validation'),
    },
    resume: resume === null ? null : { path: resume, epochs: isGiven('epochs') ? epochs : null },
    workers: readWorkers(program),
    retries: readRetries(program),
    out,
    checkpoint: typeof raw.checkpoint === 'string' ? raw.checkpoint : checkpointPath(out),
    given: { data: isGiven('images'), out: isGiven('out'), checkpoint: isGiven('checkpoint') },
    quiet: raw.quiet === true,
  };
}

/** The command line that reproduces a run with these settings on the same data. */
export function reproducingCommand(options: TrainOptions, settings: Hyperparameters): string {
  const data = options.split === null ?
    ` --images ${options.data.images} --labels ${options.data.labels}` : '';
  return `npm run train --${data} --hidden ${settings.hidden.join(',')} ` +
    `--activation ${settings.activation} --epochs ${settings.epochs} ` +
    `--batch-size ${settings.batchSize} --learning-rate ${settings.learningRate} ` +
    `--seed ${settings.seed} --shift ${settings.maxShift} ` +
    `--validation ${settings.validationCount}`;
}

function parseWidths(value: unknown): number[] {
  const parts = String(value).split(',').map((part) => part.trim());
  const widths = parts.map(Number);
  const isWidth = (width: number, index: number) => /^\d+$/.test(parts[index]) && width > 0 &&
    width <= MAX_WIDTH;
  if (widths.every(isWidth)) return widths;

  throw inputError('ERR_BAD_OPTION', '--hidden', `expected widths from 1 to ${MAX_WIDTH} ` +
    `separated by commas, such as 50,100, got ${describeValue(value)}`);
}

function parseSeed(value: unknown): number {
  const seed = parseNonNegativeInteger(value, '--seed');
  if (seed <= MAX_SEED) return seed;
  throw inputError('ERR_BAD_OPTION', '--seed',
    `expected a whole number from 0 to ${MAX_SEED}, got ${describeValue(value)}`);
}

function checkpointPath(out: string): string {
  return `${out.replace(/\.safetensors$/, '')}.checkpoint.safetensors`;
}

