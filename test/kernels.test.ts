// Every kernel against the reference on the full MNIST test set: the same class for every
// image, and probabilities within 1e-6.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { classify, startClassifierPool, type PixelSet } from '../src/coordinator.js';
import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { defaultKernel, wasmUnavailable } from '../src/kernels/kernel-names.js';
import { loadWeights } from '../src/model/load-weights.js';
import { shareNetwork } from '../src/model/network.js';
import { DEFAULT_WEIGHTS } from '../src/project-files.js';
import { randomNetwork, seededRandom } from './helpers/random-network.js';

const BOOK_WEIGHTS = fileURLToPath(
  new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url));
const TOLERANCE = 1e-6;
const dataset = await loadDataset(mnistPaths('test'));

// Seeded images with about half of their pixels zero, as in MNIST only more scattered.
function smallImages(pixelsPerImage: number, count: number): PixelSet {
  const random = seededRandom(count + pixelsPerImage);
  const pixels = Uint8Array.from({ length: count * pixelsPerImage },
    () => (random() < 0.5 ? 0 : Math.floor(random() * 256)));
  return { count, pixelsPerImage, pixels };
}

const kernels = suite('the wasm kernel against the js reference, on the 10,000 test images');

async function compareKernels(
  network: Parameters<typeof shareNetwork>[0],
  images: PixelSet = dataset,
): Promise<void> {
  const shared = shareNetwork(network);
  const options = { workers: 2, batchSize: 500 };
  const reference = await classify(images, shared, { ...options, kernel: 'js' });
  const wasm = await classify(images, shared, { ...options, kernel: 'wasm' });

  const differing = reference.predictions.filter((label, i) => label !== wasm.predictions[i]);
  assert.is(differing.length, 0, `${differing.length} images are classified differently`);
  let largest = 0;
  reference.probabilities.forEach((p, i) => {
    largest = Math.max(largest, Math.abs(p - wasm.probabilities[i]));
  });
  assert.ok(largest <= TOLERANCE, `largest probability difference ${largest}`);
}

if (defaultKernel() !== 'wasm') {
  console.log(`skipped: the wasm kernel cannot run here (${wasmUnavailable()})`);
  kernels.skip('should agree on the shipped network', () => {});
} else {
  kernels('should agree on the shipped network', async () => {
    await compareKernels((await loadWeights(DEFAULT_WEIGHTS.path)).network);
  });

  kernels('should agree on a relu network with odd widths', async () => {
    await compareKernels(randomNetwork([784, 37, 13, 10], 21, 'relu'));
  });

  kernels('should agree on a step network of one hidden layer', async () => {
    await compareKernels(randomNetwork([784, 44, 10], 22, 'step'));
  });

  // 25 pixels leave a tail after the kernel's sixteen-pixel scan; a width-1 layer and odd
  // widths leave most of a four-output vector as padding. With the networks above, the
  // widths take every block width the kernel has: 37 (7 + 2 + 1 vectors), 44 (7 + 4) and the
  // shipped 50 (7 + 6) in the first layer, 13 (4), 10 (3), 7 (2) and 3 (1) in the others.
  for (const [activation, widths] of [['sigmoid', [25, 1, 10]], ['relu', [25, 7, 3, 10]],
    ['step', [25, 33, 10]]] as const) {
    kernels(`should agree on 5×5 images through a ${widths.join('-')} ${activation} network`,
      async () => {
        await compareKernels(randomNetwork([...widths], 23, activation), smallImages(25, 300));
      });
  }

  kernels('should classify set after set, of any size, on one pool', async () => {
    const network = shareNetwork(randomNetwork([25, 7, 10], 24, 'relu'));
    const pool = startClassifierPool(network, { workers: 2, batchSize: 64, kernel: 'wasm' });
    try {
      for (const count of [300, 50, 0, 1, 301]) {
        const images = smallImages(25, count);
        const alone = await classify(images, network, { workers: 1, batchSize: 64,
          kernel: 'wasm' });
        const result = await pool.run(images);
        assert.equal(Array.from(result.predictions), Array.from(alone.predictions));
        assert.equal(Array.from(result.probabilities), Array.from(alone.probabilities));
      }
    } finally {
      await pool.close();
    }
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
