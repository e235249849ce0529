// The training coordinator. Each batch is cut into a fixed number of chunks; the piscina
// pool sums each chunk's gradient into that chunk's own slot of shared memory, then applies
// Adam to ranges of the parameters, adding the slots in chunk order. Since neither the
// chunks nor the order of that sum depend on the worker count, the same seed gives the same
// weights, bit for bit, with any number of workers.

import { CLASS_COUNT } from '../classes.js';
import type { Dataset } from '../data/dataset.js';
import { RunError } from '../errors.js';
import { workerFaultFor } from '../faults.js';
import { workerFile } from '../project-files.js';
import { sharedCopy } from '../shared-memory.js';
import { startWorkerPool, type WorkerPool } from '../worker-pool.js';
import {
  networkFromShared,
  parameterCount,
  type HiddenActivation,
  type Network,
} from '../model/network.js';
import type { TrainingTask, TrainingWorkerData } from '../../workers/train.js';
import { cosineRate, type AdamState } from './adam.js';
import { epochOrder } from './random.js';

/** The settings that decide what a training run computes. */
export interface Hyperparameters {
  hidden: number[];
  activation: Exclude<HiddenActivation, 'step'>;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  maxShift: number;
  validationCount: number;
}

/** Where a run stands after a whole number of epochs: enough to continue it exactly. */
export interface TrainingState {
  epochsDone: number;
  parameters: Float32Array;
  adam: AdamState;
}

/** What one epoch achieved. */
export interface EpochReport {
  epoch: number;
  epochs: number;
  trainingLoss: number;
  validationAccuracy: number;
  elapsedMs: number;
}

/** How to run the pool, and whom to tell about progress. */
export interface TrainingCallbacks {
  workers: number;
  /** How many times an epoch whose task failed is run again from its start (default 2). */
  retries?: number;
  /** Told, in one line, about each failed epoch that is about to be run again. */
  onRetry?: (message: string) => void;
  onEpochStart?: (epoch: number, images: number) => void;
  onBatchDone?: (images: number) => void;
  /** Called after each epoch with a copy of the state, to report it or save a checkpoint. */
  onEpochDone?: (report: EpochReport, state: TrainingState) => Promise<void>;
}

// Every batch is split into this many chunks (fewer for a smaller batch), and Adam's update
// into as many parameter ranges: enough to keep 2 or 4 workers evenly busy, few enough that
// adding up the chunks' gradient slots stays cheap.
const CHUNKS_PER_BATCH = 4;
const VALIDATION_TASK_SIZE = 500;

const WORKER_FILE = workerFile('train');
const DEFAULT_RETRIES = 2;

// A task that failed on the pool: only these are worth running again, not a write that
// failed or a loss that diverged, which would fail the same way every time.
class TaskFailure extends Error {
  constructor(readonly what: string, cause: unknown) {
    super(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause });
  }
}

/** Trains from `state` until `hyperparameters.epochs` epochs are done; returns the network. */
export async function train(
  dataset: Dataset,
  hyperparameters: Hyperparameters,
  state: TrainingState,
  callbacks: TrainingCallbacks,
): Promise<Network> {
  const widths = networkWidthsFor(dataset, hyperparameters);
  const workerData = createWorkerData(dataset, hyperparameters, widths, state);
  const pool = startWorkerPool({
    filename: WORKER_FILE,
    workerData,
    minThreads: callbacks.workers,
    maxThreads: callbacks.workers,
  });
  let tasksHandedOut = 0;
  const run = (task: TrainingTask, what: string): Promise<number> => {
    tasksHandedOut += 1;
    const fault = workerFaultFor('task', tasksHandedOut, 1);
    return pool.run<number>(fault === undefined ? task : { ...task, fault })
      .catch((error: unknown) => {
        throw new TaskFailure(what, pool.startFailure() ?? error);
      });
  };

  try {
    const session: Session = { dataset, hyperparameters, state, workerData, callbacks, run };
    while (state.epochsDone < hyperparameters.epochs) await runEpochWithRetries(session, pool);
  } finally {
    await pool.destroy();
  }
  return copyNetwork(networkFromShared(workerData.network));
}

interface Session {
  dataset: Dataset;
  hyperparameters: Hyperparameters;
  state: TrainingState;
  workerData: TrainingWorkerData;
  callbacks: TrainingCallbacks;
  run: (task: TrainingTask, what: string) => Promise<number>;
}

// Copies the state into shared memory, where the workers update it in place.
function createWorkerData(
  dataset: Dataset,
  hyperparameters: Hyperparameters,
  widths: number[],
  state: TrainingState,
): TrainingWorkerData {
  const count = parameterCount(widths);
  const slotCount = Math.min(CHUNKS_PER_BATCH, hyperparameters.batchSize);
  const trainingImages = trainingCount(dataset, hyperparameters);

  return {
    network: {
      buffer: sharedCopy(state.parameters).buffer as SharedArrayBuffer,
      widths,
      activation: hyperparameters.activation,
    },
    pixels: sharedCopy(dataset.pixels),
    labels: sharedCopy(dataset.labels),
    rows: dataset.rows,
    columns: dataset.columns,
    order: new Int32Array(new SharedArrayBuffer(4 * trainingImages)),
    gradients: new SharedArrayBuffer(4 * count * slotCount),
    slotCount,
    firstMoment: sharedCopy(state.adam.firstMoment),
    secondMoment: sharedCopy(state.adam.secondMoment),
    predictions: new Uint8Array(new SharedArrayBuffer(dataset.count)),
    seed: hyperparameters.seed,
    maxShift: hyperparameters.maxShift,
  };
}

// A failed task may leave half-summed gradients or half-applied Adam steps in shared memory,
// so the whole epoch runs again from the state it started from, on fresh threads. Every
// choice in an epoch derives from the seed, the epoch and that state, so the epoch run again
// ends with the same bytes as one that never failed.
async function runEpochWithRetries(session: Session, pool: WorkerPool): Promise<void> {
  const { state, workerData, callbacks } = session;
  const retries = callbacks.retries ?? DEFAULT_RETRIES;
  const start = snapshot(state, workerData);

  for (let attempt = 1; ; attempt++) {
    try {
      return await runEpoch(session);
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      const epoch = start.epochsDone + 1;
      if (attempt > retries) {
        const how = attempt === 1 ? '' : ` (epoch ${epoch} was run ${attempt} times)`;
        throw new RunError(`training: ${error.message}${how}; nothing was written for ` +
          'this epoch', { cause: error });
      }
      callbacks.onRetry?.(`training: ${error.message}; running epoch ${epoch} again from its ` +
        `start on fresh worker threads (attempt ${attempt + 1} of ${retries + 1})`);
      await pool.restart();
      restore(state, workerData, start);
    }
  }
}

// Puts back the state an epoch started from, once no thread can write any more.
function restore(state: TrainingState, workerData: TrainingWorkerData, start: TrainingState) {
  new Float32Array(workerData.network.buffer).set(start.parameters);
  workerData.firstMoment.set(start.adam.firstMoment);
  workerData.secondMoment.set(start.adam.secondMoment);
  new Float32Array(workerData.gradients).fill(0);
  state.epochsDone = start.epochsDone;
  state.adam.step = start.adam.step;
}

async function runEpoch(session: Session): Promise<void> {
  const { dataset, hyperparameters, state, workerData, callbacks } = session;
  const startedAt = performance.now();
  const epoch = state.epochsDone + 1;
  const trainingImages = trainingCount(dataset, hyperparameters);
  epochOrder(trainingImages, hyperparameters.seed, epoch, workerData.order);
  callbacks.onEpochStart?.(epoch, trainingImages);

  let lossSum = 0;
  for (let start = 0; start < trainingImages; start += hyperparameters.batchSize) {
    const end = Math.min(start + hyperparameters.batchSize, trainingImages);
    lossSum += await trainBatch(session, epoch, start, end);
    callbacks.onBatchDone?.(end - start);
  }
  state.epochsDone = epoch;
  refuseDivergence(epoch, lossSum, workerData);

  const report: EpochReport = {
    epoch,
    epochs: hyperparameters.epochs,
    trainingLoss: lossSum / trainingImages,
    validationAccuracy: await validate(session),
    elapsedMs: performance.now() - startedAt,
  };
  await callbacks.onEpochDone?.(report, snapshot(state, workerData));
}

// One batch: chunk gradients on the pool, then one Adam step over parameter ranges.
// Returns the batch's summed loss.
async function trainBatch(
  session: Session,
  epoch: number,
  start: number,
  end: number,
): Promise<number> {
  const { hyperparameters, state, workerData, run } = session;
  const size = end - start;
  const chunkSize = Math.ceil(size / Math.min(workerData.slotCount, size));

  const chunks: Promise<number>[] = [];
  for (let slot = 0; slot * chunkSize < size; slot++) {
    const first = start + slot * chunkSize;
    const last = Math.min(first + chunkSize, end);
    chunks.push(run({ kind: 'gradient', slot, start: first, end: last, epoch },
      `the gradient of epoch ${epoch}, positions ${first}–${last - 1}`));
  }
  const losses = await Promise.all(chunks);

  state.adam.step++;
  const step = state.adam.step;
  const learningRate = cosineRate(hyperparameters.learningRate, step, totalSteps(session));
  const count = workerData.firstMoment.length;
  const rangeSize = Math.ceil(count / workerData.slotCount);

  const updates: Promise<number>[] = [];
  for (let first = 0; first < count; first += rangeSize) {
    const last = Math.min(first + rangeSize, count);
    updates.push(run({ kind: 'update', start: first, end: last, step, learningRate,
      batchSize: size }, `the update of step ${step}`));
  }
  await Promise.all(updates);

  return losses.reduce((sum, loss) => sum + loss, 0);
}

/** The widths of the network these settings train on this data. */
export function networkWidthsFor(dataset: Dataset, hyperparameters: Hyperparameters): number[] {
  return [dataset.pixelsPerImage, ...hyperparameters.hidden, CLASS_COUNT];
}

/** How many images a run trains on: all but the validation images at the end. */
export function trainingCount(dataset: Dataset, hyperparameters: Hyperparameters): number {
  return dataset.count - hyperparameters.validationCount;
}

function totalSteps({ dataset, hyperparameters }: Session): number {
  const trainingImages = trainingCount(dataset, hyperparameters);
  return hyperparameters.epochs * Math.ceil(trainingImages / hyperparameters.batchSize);
}

async function validate(session: Session): Promise<number> {
  const { dataset, hyperparameters, workerData, run } = session;
  const first = trainingCount(dataset, hyperparameters);

  const tasks: Promise<number>[] = [];
  for (let start = first; start < dataset.count; start += VALIDATION_TASK_SIZE) {
    const end = Math.min(start + VALIDATION_TASK_SIZE, dataset.count);
    tasks.push(run({ kind: 'predict', start, end }, `validation of images ${start}–${end - 1}`));
  }
  await Promise.all(tasks);

  let correct = 0;
  for (let image = first; image < dataset.count; image++) {
    if (workerData.predictions[image] === dataset.labels[image]) correct++;
  }
  return correct / hyperparameters.validationCount;
}

// A learning rate too large for the data sends the loss to infinity and the weights to NaN;
// saying so beats writing a network that can only ever be refused.
function refuseDivergence(epoch: number, lossSum: number, workerData: TrainingWorkerData) {
  const parameters = new Float32Array(workerData.network.buffer);
  if (Number.isFinite(lossSum) && parameters.every(Number.isFinite)) return;

  throw new RunError(`training diverged in epoch ${epoch}: the loss or the weights are no ` +
    'longer finite; nothing was written for this epoch (try a lower --learning-rate)');
}

function snapshot(state: TrainingState, workerData: TrainingWorkerData): TrainingState {
  return {
    epochsDone: state.epochsDone,
    parameters: new Float32Array(workerData.network.buffer).slice(),
    adam: {
      step: state.adam.step,
      firstMoment: workerData.firstMoment.slice(),
      secondMoment: workerData.secondMoment.slice(),
    },
  };
}

function copyNetwork(network: Network): Network {
  return {
    activation: network.activation,
    layers: network.layers.map((layer) => ({
      ...layer,
      weights: layer.weights.slice(),
      biases: layer.biases.slice(),
    })),
  };
}
