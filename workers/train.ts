// Worker entry for training. Like the evaluation worker it receives everything large once,
// as SharedArrayBuffers: the training pixels and labels, the parameters and Adam's moments,
// the epoch's image order, and one gradient slot per chunk of a batch. A gradient task sums
// its chunk's gradients into the chunk's own slot; an update task then applies Adam to one
// range of parameters, adding the slots in slot order. Neither depends on which worker runs
// it, so neither does the result.

// from Node itself rather than piscina, as in the evaluation worker, to start faster
import { workerData } from 'node:worker_threads';

import { layerViews, networkFromShared, type SharedNetwork } from '../src/model/network.js';
import { adamStep, type AdamStep } from '../src/training/adam.js';
import { shiftedInput, shiftFor } from './augment.js';
import { addImageGradients, createDeltaBuffers } from './backward.js';
import type { WorkerFault } from '../src/faults.js';
import { argmaxRows, createScratch, forwardBlock, pixelsToInputs } from './forward.js';
import { injectFault } from './inject-fault.js';

/** What every training worker receives at start. */
export interface TrainingWorkerData {
  network: SharedNetwork;
  pixels: Uint8Array;
  labels: Uint8Array;
  rows: number;
  columns: number;
  /** The current epoch's order: position → image index. */
  order: Int32Array;
  /** One float32 slot per chunk, laid out like the parameters; zero between batches. */
  gradients: SharedArrayBuffer;
  slotCount: number;
  /** Adam's moment estimates, laid out like the parameters. */
  firstMoment: Float32Array;
  secondMoment: Float32Array;
  /** Output of prediction tasks: the class of each image. */
  predictions: Uint8Array;
  seed: number;
  maxShift: number;
}

/** Sum the gradients of the images at positions [start, end) of the order into `slot`. */
export interface GradientTask {
  kind: 'gradient';
  slot: number;
  start: number;
  end: number;
  epoch: number;
}

/** Apply one Adam step to parameters [start, end) from the gradient slots. */
export interface UpdateTask extends AdamStep {
  kind: 'update';
  start: number;
  end: number;
}

/** Classify images [start, end) into `predictions`, unshifted. */
export interface PredictTask {
  kind: 'predict';
  start: number;
  end: number;
}

const shared = workerData as TrainingWorkerData;
const network = networkFromShared(shared.network);
const classes = network.layers[network.layers.length - 1].outputs;
const pixelsPerImage = shared.rows * shared.columns;
const parameters = new Float32Array(shared.network.buffer);
const slotBytes = shared.gradients.byteLength / shared.slotCount;
const slots = Array.from({ length: shared.slotCount },
  (_, slot) => new Float32Array(shared.gradients, slot * slotBytes, parameters.length));
const slotLayers = slots.map((slot) => layerViews(slot.buffer, slot.byteOffset,
  shared.network.widths));

const scratch = createScratch(network, 1);
const deltaBuffers = createDeltaBuffers(network);
const predicted = new Uint8Array(1);

/** Any task a training worker runs. */
export type TrainingTask = GradientTask | UpdateTask | PredictTask;

/** Runs one task; a gradient task returns its chunk's summed loss, the others 0. */
export default function runTask(task: TrainingTask & { fault?: WorkerFault }): number {
  if (task.fault !== undefined) return failMidway(task, task.fault);
  if (task.kind === 'gradient') return accumulateGradients(task);
  if (task.kind === 'update') {
    adamStep(parameters, slots, shared.firstMoment, shared.secondMoment, task,
      task.start, task.end);
  } else {
    predict(task);
  }
  return 0;
}

// TEST-ONLY (see src/faults.ts): does the first half of the task, leaving half-summed
// gradients or a half-applied step in shared memory as a real fault would, then fails.
function failMidway(task: TrainingTask, fault: WorkerFault): never {
  const half = { ...task, end: task.start + Math.floor((task.end - task.start) / 2) };
  delete (half as { fault?: WorkerFault }).fault;
  runTask(half);
  return injectFault(fault);
}

function accumulateGradients({ slot, start, end, epoch }: GradientTask): number {
  const gradients = slotLayers[slot];

  let loss = 0;
  for (let position = start; position < end; position++) {
    const image = shared.order[position];
    const shift = shiftFor(shared.seed, epoch, image, shared.maxShift);
    shiftedInput(shared.pixels, image, shared.rows, shared.columns, shift, scratch.input);

    loss += addImageGradients(network, scratch, shared.labels[image], gradients, deltaBuffers);
  }
  return loss;
}

function predict({ start, end }: PredictTask): void {
  for (let image = start; image < end; image++) {
    pixelsToInputs(shared.pixels, image, 1, pixelsPerImage, scratch.input);
    const p = forwardBlock(network, 1, scratch);
    argmaxRows(p, 1, classes, predicted);
    shared.predictions[image] = predicted[0];
  }
}
