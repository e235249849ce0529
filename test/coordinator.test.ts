import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { runWithRetries } from '../src/batch-retries.js';
import { autoBatchSize, classify, splitIntoBatches } from '../src/coordinator.js';
import { loadDataset } from '../src/data/dataset.js';
import { mnistPaths } from '../src/data/mnist-files.js';
import { RunError } from '../src/errors.js';
import { shareNetwork } from '../src/model/network.js';
import { startWorkerPool } from '../src/worker-pool.js';
import { argmaxRows, createScratch, forwardBlock, pixelsToInputs } from '../workers/forward.js';
import { randomNetwork } from './helpers/random-network.js';

// ---

const batches = suite('splitIntoBatches');

batches('should cover every image once, in order, with a short last batch', () => {
  assert.equal(splitIntoBatches(10, 4), [
    { start: 0, end: 4 }, { start: 4, end: 8 }, { start: 8, end: 10 },
  ]);
});

batches('should make one batch when the batch size exceeds the count', () => {
  assert.equal(splitIntoBatches(3, 100), [{ start: 0, end: 3 }]);
});

batches('should make no batch for no images', () => {
  assert.equal(splitIntoBatches(0, 100), []);
});

batches('should size auto batches at 256 images, fewer where a worker would go without', () => {
  assert.is(autoBatchSize(10000, 2), 256);
  assert.is(autoBatchSize(60000, 8), 256);
  assert.is(autoBatchSize(513, 2), 256);
  assert.is(autoBatchSize(511, 2), 256);
  assert.is(autoBatchSize(300, 2), 150);
  assert.is(autoBatchSize(301, 2), 151);
  assert.is(autoBatchSize(5, 8), 1);
  assert.is(autoBatchSize(0, 2), 1);
});

batches.run();

// ---

const pool = suite('classify');

const network = randomNetwork([784, 30, 10], 7);
const dataset = await loadDataset(mnistPaths('test'));
const subset = { ...dataset, count: 1000 };

// The same network run on this thread, one image at a time: the reference for the pool.
function classifyHere(count: number): { predictions: number[]; probabilities: number[] } {
  const scratch = createScratch(network, 1);
  const predictions: number[] = [];
  const probabilities: number[] = [];
  const best = new Uint8Array(1);

  for (let index = 0; index < count; index++) {
    pixelsToInputs(dataset.pixels, index, 1, 784, scratch.input);
    const row = forwardBlock(network, 1, scratch).subarray(0, 10);
    argmaxRows(row, 1, 10, best);
    predictions.push(best[0]);
    probabilities.push(...row);
  }
  return { predictions, probabilities };
}

pool('should return every image\'s row in image order from 2 threads', async () => {
  const expected = classifyHere(subset.count);
  const options = { workers: 2, batchSize: 37, kernel: 'js' } as const;
  const result = await classify(subset, shareNetwork(network), options);

  assert.equal(Array.from(result.predictions), expected.predictions);
  assert.equal(Array.from(result.probabilities), expected.probabilities);
  assert.ok(new Set(expected.predictions).size > 1, 'the network predicts more than one class');
});

pool('should report each finished batch\'s size', async () => {
  const sizes: number[] = [];
  await classify({ ...dataset, count: 250 }, shareNetwork(network), {
    workers: 2,
    batchSize: 100,
    kernel: 'js',
    onBatchDone: (images) => sizes.push(images),
  });
  assert.equal(sizes.sort(), [100, 100, 50]);
});

pool('should give each worker an auto batch of a small set, and say what it used', async () => {
  const sizes: number[] = [];
  const result = await classify({ ...dataset, count: 251 }, shareNetwork(network), {
    workers: 2,
    batchSize: 'auto',
    kernel: 'js',
    onBatchDone: (images) => sizes.push(images),
  });
  assert.equal(sizes.sort(), [125, 126]);
  assert.is(result.batchSize, 126);
});

pool('should say so, and not hang, when a worker fails to start', async () => {
  // A worker module that cannot be loaded: every thread fails before it can take a batch.
  const missing = join(tmpdir(), 'mnist-eval-no-such-worker.js');
  const workers = startWorkerPool({ filename: missing, workerData: null, minThreads: 2,
    maxThreads: 2 });
  try {
    await runWithRetries(splitIntoBatches(1200, 400), { pool: workers, threads: 4,
      retries: 2, taskFor: (round) => round });
    assert.unreachable('batches ran on workers that cannot load');
  } catch (error) {
    assert.instance(error, RunError);
    // piscina reports a worker that fails to load either through the pool or through the
    // batches it had been handed, whichever comes first
    assert.match((error as Error).message,
      /^(a worker failed to start|batch \d\/3 \(images \d+–\d+\) failed): /);
  } finally {
    await workers.destroy();
  }
});

pool.run();
