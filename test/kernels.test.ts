// Every kernel against the reference on the full MNIST test set: the same class for every
// image, and probabilities within 1e-6.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { classify } from '../src/coordinator.js';
import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { defaultKernel, WASM_KERNEL_FILE } from '../src/kernels/kernel-names.js';
import { loadWeights } from '../src/model/load-weights.js';
import { shareNetwork } from '../src/model/network.js';
import { DEFAULT_WEIGHTS } from '../src/project-files.js';
import { randomNetwork } from './helpers/random-network.js';

const BOOK_WEIGHTS = fileURLToPath(
  new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url));
const TOLERANCE = 1e-6;
const dataset = await loadDataset(mnistPaths('test'));

const kernels = suite('the wasm kernel against the js reference, on the 10,000 test images');

async function compareKernels(network: Parameters<typeof shareNetwork>[0]): Promise<void> {
  const shared = shareNetwork(network);
  const options = { workers: 2, batchSize: 500 };
  const reference = await classify(dataset, shared, { ...options, kernel: 'js' });
  const wasm = await classify(dataset, shared, { ...options, kernel: 'wasm' });

  const differing = reference.predictions.filter((label, i) => label !== wasm.predictions[i]);
  assert.is(differing.length, 0, `${differing.length} images are classified differently`);
  let largest = 0;
  reference.probabilities.forEach((p, i) => {
    largest = Math.max(largest, Math.abs(p - wasm.probabilities[i]));
  });
  assert.ok(largest <= TOLERANCE, `largest probability difference ${largest}`);
}

if (defaultKernel() !== 'wasm') {
  console.log(`skipped: the wasm kernel is not built (${WASM_KERNEL_FILE})`);
  kernels.skip('should agree on the shipped network', () => {});
} else {
  kernels('should agree on the shipped network', async () => {
    await compareKernels((await loadWeights(DEFAULT_WEIGHTS.path)).network);
  });

  kernels('should agree on a relu network with odd widths', async () => {
    await compareKernels(randomNetwork([784, 37, 13, 10], 21, 'relu'));
  });

  kernels('should agree on a step network of one hidden layer', async () => {
    await compareKernels(randomNetwork([784, 9, 10], 22, 'step'));
  });

  if (existsSync(BOOK_WEIGHTS)) {
    kernels('should agree on the book\'s network', async () => {
      await compareKernels((await loadWeights(BOOK_WEIGHTS)).network);
    });
  } else {
    console.log(`skipped: the book's weights are not at ${BOOK_WEIGHTS}`);
    kernels.skip('should agree on the book\'s network', () => {});
  }
}

kernels.run();
