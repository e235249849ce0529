// Every kernel against the reference on the full MNIST test set: the same class for every
// image, and probabilities within 1e-6. A kernel that this Node.js compiles only behind a V8
// flag is checked by this same file in a child process under that flag, told by
// MNIST_EVAL_TEST_KERNEL which kernel to check.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { classify, startClassifierPool, type PixelSet } from '../src/coordinator.js';
import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { KERNELS, type KernelName } from '../src/kernels/kernel-names.js';
import { loadWeights } from '../src/model/load-weights.js';
import { shareNetwork } from '../src/model/network.js';
import { DEFAULT_WEIGHTS } from '../src/project-files.js';
import { kernelRuntime } from './helpers/kernel-runtime.js';
import { commandEnvironment } from './helpers/run-cli.js';
import { randomNetwork, seededRandom } from './helpers/random-network.js';

const BOOK_WEIGHTS = fileURLToPath(
  new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url));
const TOLERANCE = 1e-6;
const ONLY_KERNEL = process.env.MNIST_EVAL_TEST_KERNEL;
const dataset = await loadDataset(mnistPaths('test'));

// Seeded images with about half of their pixels zero, as in MNIST only more scattered.
function smallImages(pixelsPerImage: number, count: number): PixelSet {
  const random = seededRandom(count + pixelsPerImage);
  const pixels = Uint8Array.from({ length: count * pixelsPerImage },
    () => (random() < 0.5 ? 0 : Math.floor(random() * 256)));
  return { count, pixelsPerImage, pixels };
}

async function compareKernels(
  kernel: KernelName,
  network: Parameters<typeof shareNetwork>[0],
  images: PixelSet = dataset,
): Promise<void> {
  const shared = shareNetwork(network);
  const options = { workers: 2, batchSize: 500 };
  const reference = await classify(images, shared, { ...options, kernel: 'js' });
  const result = await classify(images, shared, { ...options, kernel });

  const differing = reference.predictions.filter((label, i) => label !== result.predictions[i]);
  assert.is(differing.length, 0, `${differing.length} images are classified differently`);
  let largest = 0;
  reference.probabilities.forEach((p, i) => {
    largest = Math.max(largest, Math.abs(p - result.probabilities[i]));
  });
  assert.ok(largest <= TOLERANCE, `largest probability difference ${largest}`);
}

// The comparisons, in this process.
function defineComparisons(kernel: KernelName): void {
  const kernels = suite(`the ${kernel} kernel against the js reference, on the 10,000 test ` +
    'images');

  kernels('should agree on the shipped network', async () => {
    await compareKernels(kernel, (await loadWeights(DEFAULT_WEIGHTS.path)).network);
  });

  kernels('should agree on a relu network with odd widths', async () => {
    await compareKernels(kernel, randomNetwork([784, 37, 13, 10], 21, 'relu'));
  });

  kernels('should agree on a step network of one hidden layer', async () => {
    await compareKernels(kernel, randomNetwork([784, 44, 10], 22, 'step'));
  });

  // 25 pixels leave a tail after the kernel's sixteen-pixel scan; a width-1 layer and odd
  // widths leave most of a four-output vector as padding. With the networks above, the
  // widths take every block width the kernel has: 37 (7 + 2 + 1 vectors), 44 (7 + 4) and the
  // shipped 50 (7 + 6) in the first layer, 13 (4), 10 (3), 7 (2) and 3 (1) in the others.
  for (const [activation, widths] of [['sigmoid', [25, 1, 10]], ['relu', [25, 7, 3, 10]],
    ['step', [25, 33, 10]]] as const) {
    kernels(`should agree on 5×5 images through a ${widths.join('-')} ${activation} network`,
      async () => {
        await compareKernels(kernel, randomNetwork([...widths], 23, activation),
          smallImages(25, 300));
      });
  }

  kernels('should classify set after set, of any size, on one pool', async () => {
    const network = shareNetwork(randomNetwork([25, 7, 10], 24, 'relu'));
    const pool = startClassifierPool(network, { workers: 2, batchSize: 64, kernel });
    try {
      for (const count of [300, 50, 0, 1, 301]) {
        const images = smallImages(25, count);
        const alone = await classify(images, network, { workers: 1, batchSize: 64, kernel });
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
      await compareKernels(kernel, (await loadWeights(BOOK_WEIGHTS)).network);
    });
  } else {
    console.log(`skipped: the book's weights are not at ${BOOK_WEIGHTS}`);
    kernels.skip('should agree on the book\'s network', () => {});
  }

  kernels.run();
}

// The same comparisons in a child process under `nodeArgs`; its failures become this test's.
function defineChildRun(kernel: KernelName, nodeArgs: string[]): void {
  const child = suite(`the ${kernel} kernel against the js reference, under ` +
    `node ${nodeArgs.join(' ')}`);

  child('should pass every comparison of this file', async () => {
    const thisFile = fileURLToPath(import.meta.url);
    const { stdout } = await promisify(execFile)(process.execPath,
      [...nodeArgs, '--import', 'tsx', thisFile], {
        env: commandEnvironment({ MNIST_EVAL_TEST_KERNEL: kernel, NO_COLOR: '1' }),
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string }) => {
      assert.unreachable(`the child run failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      throw error;
    });
    const count = (label: string) =>
      Number(new RegExp(`${label}: +(\\d+)`).exec(stdout)?.[1] ?? 0);
    const [passed, total, skipped] = [count('Passed'), count('Total'), count('Skipped')];
    // Every comparison runs: the seven that need no fixture, and the book's network's unless
    // its weights are absent, when the child skips it with a printed reason.
    const expectedSkips = existsSync(BOOK_WEIGHTS) ? 0 : 1;
    assert.ok(passed >= 8 - expectedSkips && passed === total && skipped === expectedSkips,
      `the child run passed ${passed} of ${total} and skipped ${skipped}:\n${stdout}`);
  });

  child.run();
}

for (const kernel of KERNELS) {
  if (kernel === 'js' || (ONLY_KERNEL !== undefined && kernel !== ONLY_KERNEL)) continue;
  const runtime = kernelRuntime(kernel);
  if (runtime.where === 'here') {
    defineComparisons(kernel);
  } else if (runtime.where === 'child' && ONLY_KERNEL === undefined) {
    defineChildRun(kernel, runtime.nodeArgs);
  } else {
    const reason = runtime.where === 'nowhere' ? runtime.reason : 'the child run has no flag';
    console.log(`skipped: the ${kernel} kernel cannot run here (${reason})`);
    const skipped = suite(`the ${kernel} kernel against the js reference`);
    skipped.skip('should agree with the reference', () => {});
    skipped.run();
  }
}
