// Training on the pool, on a few thousand MNIST training images so that it runs in seconds.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { loadDataset, type Dataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { parameterCount, type Network } from '../src/model/network.js';
import { createAdamState } from '../src/training/adam.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/training/checkpoint.js';
import { initialParameters } from '../src/training/initialize.js';
import {
  train,
  type EpochReport,
  type Hyperparameters,
  type TrainingState,
} from '../src/training/trainer.js';

const full = await loadDataset(mnistPaths('train'));

function firstImages(count: number): Dataset {
  return {
    ...full,
    count,
    pixels: full.pixels.subarray(0, count * full.pixelsPerImage),
    labels: full.labels.subarray(0, count),
  };
}

const SETTINGS: Hyperparameters = {
  hidden: [30, 20],
  activation: 'sigmoid',
  epochs: 2,
  batchSize: 50,
  learningRate: 0.005,
  seed: 9,
  maxShift: 1,
  validationCount: 500,
};
const WIDTHS = [784, 30, 20, 10];

function freshState(settings = SETTINGS): TrainingState {
  const parameters = initialParameters(WIDTHS, settings.activation, settings.seed);
  return { epochsDone: 0, parameters, adam: createAdamState(parameters.length) };
}

async function trainedParameters(
  dataset: Dataset,
  workers: number,
  settings = SETTINGS,
): Promise<{ values: Float32Array; reports: EpochReport[] }> {
  const reports: EpochReport[] = [];
  const network = await train(dataset, settings, freshState(settings), {
    workers,
    onEpochDone: async (report) => { reports.push(report); },
  });
  return { values: flatParameters(network), reports };
}

function flatParameters(network: Network): Float32Array {
  const values = new Float32Array(parameterCount(WIDTHS));
  let offset = 0;
  for (const layer of network.layers) {
    values.set(layer.weights, offset);
    values.set(layer.biases, offset + layer.weights.length);
    offset += layer.weights.length + layer.biases.length;
  }
  return values;
}

// ---

const learning = suite('train: learning');

learning('should lower the loss and beat chance clearly on held-out images in one epoch',
  async () => {
    const { reports } = await trainedParameters(firstImages(4000), 2,
      { ...SETTINGS, epochs: 1, batchSize: 20, learningRate: 0.02, validationCount: 1000 });

    assert.is(reports.length, 1);
    // A network that has learnt nothing has loss ln 10 ≈ 2.30 and accuracy 0.1; the loss
    // reported is the mean over the epoch, its early batches included.
    const { trainingLoss, validationAccuracy } = reports[0];
    assert.ok(trainingLoss < 0.75 * Math.log(10), `mean loss ${trainingLoss}`);
    assert.ok(validationAccuracy > 0.6, `validation accuracy ${validationAccuracy}`);
  });

learning.run();

// ---

const determinism = suite('train: determinism');

determinism('should give the same weights, bit for bit, with 1 and 3 workers', async () => {
  const data = firstImages(2000);
  const one = await trainedParameters(data, 1);
  const three = await trainedParameters(data, 3);

  assert.ok(one.values.every((value, k) => Object.is(value, three.values[k])),
    'the parameters differ');
  assert.equal(one.reports.map((report) => report.trainingLoss),
    three.reports.map((report) => report.trainingLoss));
});

determinism('should end where an uninterrupted run ends when resumed from a checkpoint',
  async () => {
    const data = firstImages(2000);
    const uninterrupted = await trainedParameters(data, 2);

    // stop after the first epoch, keeping the checkpoint it would have written
    let saved: Uint8Array | undefined;
    const stop = new Error('stopped after one epoch');
    await train(data, SETTINGS, freshState(), {
      workers: 2,
      onEpochDone: async (_report, state) => {
        saved = encodeCheckpoint({ widths: WIDTHS, hyperparameters: SETTINGS, state,
          data: { images: 'a', labels: 'b' }, places: { images: 'i', labels: 'l', split: null,
            out: 'o', checkpoint: 'c', command: 'npm run train' } });
        throw stop;
      },
    }).then(() => assert.unreachable('training went on'), (error) => assert.is(error, stop));

    const checkpoint = decodeCheckpoint(saved as Uint8Array, 'checkpoint');
    assert.is(checkpoint.state.epochsDone, 1);
    assert.equal(checkpoint.hyperparameters, SETTINGS);
    const resumed = flatParameters(await train(data, SETTINGS, checkpoint.state, { workers: 2 }));
    assert.ok(resumed.every((value, k) => Object.is(value, uninterrupted.values[k])),
      'the resumed run ends elsewhere');
  });

determinism('should give other weights for another seed', async () => {
  const data = firstImages(1000);
  const settings = { ...SETTINGS, epochs: 1 };
  const first = await trainedParameters(data, 2, settings);
  const other = await trainedParameters(data, 2, { ...settings, seed: 10 });
  assert.not.ok(first.values.every((value, k) => value === other.values[k]));
});

determinism.run();
