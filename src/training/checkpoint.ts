// A training checkpoint: the parameters, Adam's moments and step, the settings and the
// identity of the data, everything needed to continue a run as if it had never stopped. It
// is a safetensors file like the weights, so the same reader checks it, but its tensors are
// flat vectors and its metadata says it is a checkpoint, so it is never mistaken for weights.

import { inputError } from '../errors.js';
import { parameterCount } from '../model/network.js';
import { readSafetensors, encodeSafetensors } from '../model/safetensors.js';
import type { Tensor } from '../model/tensor.js';
import type { MnistSplit } from '../data/mnist-files.js';
import type { Hyperparameters, TrainingState } from './trainer.js';

/** Where a run reads and writes, so that a resumed run goes on in the same places. */
export interface RunPlaces {
  images: string;
  labels: string;
  split: MnistSplit | null;
  out: string;
  checkpoint: string;
  /** How the run was started (and extended), for the weights' metadata. */
  command: string;
}

/** Everything a checkpoint holds. */
export interface Checkpoint {
  widths: number[];
  hyperparameters: Hyperparameters;
  state: TrainingState;
  /** sha256 of the images and labels files the run trains on. */
  data: { images: string; labels: string };
  places: RunPlaces;
}

const FORMAT = 'mnist-batch-eval training checkpoint, version 1';

/** Encodes a checkpoint as safetensors bytes. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { widths, hyperparameters, state, data, places } = checkpoint;
  const vector = (values: Float32Array): Tensor =>
    ({ dtype: 'F32', shape: [values.length], values });

  return encodeSafetensors(new Map([
    ['parameters', vector(state.parameters)],
    ['adam.first_moment', vector(state.adam.firstMoment)],
    ['adam.second_moment', vector(state.adam.secondMoment)],
  ]), {
    format: FORMAT,
    widths: JSON.stringify(widths),
    hyperparameters: JSON.stringify(hyperparameters),
    epochs_done: String(state.epochsDone),
    adam_step: String(state.adam.step),
    data: JSON.stringify(data),
    places: JSON.stringify(places),
  });
}

/** Reads a checkpoint back, refusing anything that is not one. */
export function decodeCheckpoint(bytes: Uint8Array, subject: string): Checkpoint {
  const refuse = (detail: string) => inputError('ERR_WEIGHTS_FORMAT', subject, detail);
  const { tensors, metadata } = readSafetensors(bytes, subject);
  if (metadata.format !== FORMAT) {
    throw refuse(`expected a training checkpoint (format "${FORMAT}"), found format ` +
      `${JSON.stringify(metadata.format ?? 'none')}`);
  }

  const widths = parseJson(metadata.widths, 'widths', refuse);
  const hyperparameters = parseJson(metadata.hyperparameters, 'hyperparameters', refuse);
  const data = parseJson(metadata.data, 'data', refuse);
  const places = parseJson(metadata.places, 'places', refuse);
  const epochsDone = Number(metadata.epochs_done);
  const step = Number(metadata.adam_step);
  if (!isWidths(widths) || !isHyperparameters(hyperparameters) || !isDataIdentity(data) ||
    !isPlaces(places) || !Number.isSafeInteger(epochsDone) || !Number.isSafeInteger(step)) {
    throw refuse('__metadata__ does not describe a training run of this version');
  }

  const count = parameterCount(widths);
  const vector = (name: string): Float32Array => {
    const tensor = tensors.get(name);
    if (tensor?.dtype !== 'F32' || tensor.values.length !== count) {
      throw refuse(`tensor ${name} should be F32 [${count}] for widths ${widths.join('-')}`);
    }
    return tensor.values as Float32Array;
  };

  return {
    widths,
    hyperparameters,
    data,
    places,
    state: {
      epochsDone,
      parameters: vector('parameters'),
      adam: {
        step,
        firstMoment: vector('adam.first_moment'),
        secondMoment: vector('adam.second_moment'),
      },
    },
  };
}

function parseJson(text: string | undefined, key: string, refuse: (detail: string) => Error) {
  try {
    return JSON.parse(text ?? '') as unknown;
  } catch {
    throw refuse(`__metadata__ ${key} is not JSON`);
  }
}

function isWidths(value: unknown): value is number[] {
  return Array.isArray(value) && value.length >= 2 &&
    value.every((width) => Number.isSafeInteger(width) && width > 0);
}

function isHyperparameters(value: unknown): value is Hyperparameters {
  const candidate = value as Hyperparameters;
  const numbers = [candidate?.epochs, candidate?.batchSize, candidate?.learningRate,
    candidate?.seed, candidate?.maxShift, candidate?.validationCount];
  return isWidths([1, ...(candidate?.hidden ?? [null]), 1]) &&
    (candidate.activation === 'sigmoid' || candidate.activation === 'relu') &&
    numbers.every((number) => typeof number === 'number' && Number.isFinite(number));
}

function isPlaces(value: unknown): value is RunPlaces {
  const candidate = value as RunPlaces;
  const texts = [candidate?.images, candidate?.labels, candidate?.out, candidate?.checkpoint,
    candidate?.command];
  return texts.every((text) => typeof text === 'string') &&
    (candidate.split === null || candidate.split === 'train' || candidate.split === 'test');
}

function isDataIdentity(value: unknown): value is Checkpoint['data'] {
  const candidate = value as Checkpoint['data'];
  return typeof candidate?.images === 'string' && typeof candidate.labels === 'string';
}
