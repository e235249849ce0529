// runWithRetries on a stand-in pool whose tasks fail when told to: which batches run again,
// how often the threads are replaced, and what the run says when a batch keeps failing.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { claimsOf, type RoundTask } from '../src/batch-board.js';
import { runWithRetries } from '../src/batch-retries.js';
import { splitIntoBatches } from '../src/coordinator.js';
import { RunError } from '../src/errors.js';
import type { WorkerPool } from '../src/worker-pool.js';

// A pool whose threads claim batches from the round's board as the workers do, and fail the
// first `failures.get(start)` runs of the batch starting at `start`.
function flakyPool(failures: Map<number, number>) {
  const runs: number[] = [];
  let restarts = 0;
  let running = 0;
  const pool: WorkerPool = {
    run: async <Result>(task: unknown) => {
      const { board, slot } = task as RoundTask;
      const claims = claimsOf(board, slot);
      running += 1;
      try {
        for (let batch = claims.claim(); batch !== undefined; batch = claims.claim()) {
          // let the other threads claim in between, as threads running side by side do
          await new Promise((resolve) => setImmediate(resolve));
          runs.push(batch.start);
          const left = failures.get(batch.start) ?? 0;
          if (left > 0) {
            failures.set(batch.start, left - 1);
            throw new Error(`batch at ${batch.start} broke`);
          }
          claims.finish();
        }
      } finally {
        running -= 1;
      }
      return undefined as Result;
    },
    restart: async () => {
      // a restart only ever comes once no batch is running
      assert.is(running, 0, 'batches were still running during a restart');
      restarts += 1;
    },
    destroy: async () => {},
    startFailure: () => undefined,
  };
  return { pool, runs, restarts: () => restarts };
}

const taskFor = (round: RoundTask) => round;

// ---

const retries = suite('runWithRetries');

retries('should finish once every batch is done, not waiting for a thread still starting',
  async () => {
    const { pool, runs } = flakyPool(new Map());
    const starting = new Promise<never>(() => {});
    // the thread in slot 1 never starts; the one in slot 0 claims every batch
    const slowPool: WorkerPool = { ...pool,
      run: (task) => ((task as RoundTask).slot === 1 ? starting : pool.run(task)) };
    const done: number[] = [];

    await runWithRetries(splitIntoBatches(500, 100), { pool: slowPool, threads: 2, retries: 0,
      taskFor, onBatchDone: (images) => done.push(images) });

    assert.equal(runs, [0, 100, 200, 300, 400]);
    assert.is(done.length, 5);
  });

retries('should say when a thread that was not waited for has returned', async () => {
  const { pool } = flakyPool(new Map());
  let start = () => {};
  const started = new Promise<void>((resolve) => {
    start = resolve;
  });
  const slowPool: WorkerPool = { ...pool,
    run: async (task) => {
      if ((task as RoundTask).slot === 1) await started;
      return pool.run(task);
    } };

  const { threadsReturned } = await runWithRetries(splitIntoBatches(300, 100),
    { pool: slowPool, threads: 2, retries: 0, taskFor });
  let hasReturned = false;
  void threadsReturned.then(() => {
    hasReturned = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.not.ok(hasReturned, 'settled before the thread still starting returned');

  start();
  await threadsReturned;
  assert.ok(hasReturned);
});

retries('should run each failed batch again and every batch to success once', async () => {
  const batches = splitIntoBatches(1000, 100);
  const { pool, runs, restarts } = flakyPool(new Map([[300, 2], [700, 1]]));
  const done: number[] = [];
  const notices: string[] = [];

  await runWithRetries(batches, { pool, threads: 3, retries: 2, taskFor,
    onBatchDone: (images) => done.push(images), onRetry: (line) => notices.push(line) });

  assert.is(done.length, 10, 'each batch reported done once');
  assert.is(done.reduce((a, b) => a + b, 0), 1000);
  assert.is(runs.filter((start) => start === 300).length, 3);
  assert.is(runs.filter((start) => start === 700).length, 2);
  assert.ok(restarts() >= 2 && restarts() <= 3, `${restarts()} restarts`);
  assert.is(notices.length, 3);
  assert.is(notices[0], 'batch 4/10 (images 300–399) failed (batch at 300 broke); running ' +
    'it again on fresh worker threads (attempt 2 of 3)');
});

retries('should fail with the batch and its last cause after retries + 1 attempts', async () => {
  const batches = splitIntoBatches(500, 100);
  const { pool, runs } = flakyPool(new Map([[200, 5]]));
  try {
    await runWithRetries(batches, { pool, threads: 2, retries: 1, taskFor });
    assert.unreachable('a batch that kept failing was accepted');
  } catch (error) {
    assert.instance(error, RunError);
    assert.is((error as Error).message, 'batch 3/5 (images 200–299) failed on all 2 attempts, ' +
      'each on fresh worker threads; the last: batch at 200 broke');
  }
  assert.is(runs.filter((start) => start === 200).length, 2);
});

retries('should not run a failed batch again with retries 0', async () => {
  const { pool, runs } = flakyPool(new Map([[0, 1]]));
  try {
    await runWithRetries(splitIntoBatches(10, 10), { pool, threads: 1, retries: 0, taskFor });
    assert.unreachable('the failed batch was accepted');
  } catch (error) {
    assert.is((error as Error).message, 'batch 1/1 (images 0–9) failed: batch at 0 broke');
  }
  assert.equal(runs, [0]);
});

retries.run();
