// Runs every batch of an evaluation on the pool, and runs again, on fresh threads, any batch
// whose worker threw, exited or ran out of memory. A batch writes only its own range of the
// shared outputs, and each image's result depends on nothing but that image, so a batch run
// again rewrites its range with exactly what an undisturbed run writes there.
//
// The batches go out in rounds. When one fails, the round hands out no more, lets the ones
// already running finish, and only then replaces every thread: no old thread can still be
// writing when the next round starts. A batch that fails more than `retries` times ends the
// run with one line naming it and the last cause.

import PQueue from 'p-queue';

import { RunError } from './errors.js';
import { workerFaultFor } from './faults.js';
import type { WorkerPool } from './worker-pool.js';
import type { BatchTask } from '../workers/evaluate.js';

/** The pool to run on and what to do around each batch. */
export interface BatchRunOptions {
  pool: WorkerPool;
  /** Batches handed out at once. */
  concurrency: number;
  /** How many times one batch may be run again before the run fails. */
  retries: number;
  onBatchDone?: (images: number) => void;
  onRetry?: (message: string) => void;
}

interface Failure {
  index: number;
  error: unknown;
}

/** Runs every batch once successfully, or throws a RunError naming the batch that kept failing. */
export async function runWithRetries<Task extends BatchTask>(
  batches: Task[],
  options: BatchRunOptions,
): Promise<void> {
  const failureCounts = new Array<number>(batches.length).fill(0);
  let pending = batches.map((_, index) => index);

  while (pending.length > 0) {
    const { done, failures } = await runRound(batches, pending, failureCounts, options);
    pending = pending.filter((index) => !done.has(index));
    if (failures.length === 0) continue;

    // a worker that cannot even load will fail the same way every time
    const startFailure = options.pool.startFailure();
    if (startFailure !== undefined) {
      throw new RunError(`a worker failed to start: ${startFailure.message}`,
        { cause: startFailure });
    }

    for (const { index, error } of failures) {
      failureCounts[index]! += 1;
      const attempts = failureCounts[index]!;
      if (attempts > options.retries) throw finalFailure(batches, index, attempts, error);
      options.onRetry?.(`${describeBatch(batches, index)} failed (${reasonOf(error)}); ` +
        `running it again on fresh worker threads (attempt ${attempts + 1} of ` +
        `${options.retries + 1})`);
    }
    await options.pool.restart();
  }
}

// One round: every pending batch, until the first failure stops the handing out.
async function runRound(
  batches: readonly BatchTask[],
  pending: number[],
  failureCounts: number[],
  options: BatchRunOptions,
): Promise<{ done: Set<number>; failures: Failure[] }> {
  const done = new Set<number>();
  const failures: Failure[] = [];
  const queue = new PQueue({ concurrency: options.concurrency });

  for (const index of pending) {
    void queue.add(async () => {
      if (failures.length > 0) return;
      const batch = batches[index]!;
      const fault = workerFaultFor('batch', index + 1, failureCounts[index]! + 1);

      try {
        await options.pool.run(fault === undefined ? batch : { ...batch, fault });
      } catch (error) {
        failures.push({ index, error });
        queue.clear();
        return;
      }
      done.add(index);
      options.onBatchDone?.(batch.end - batch.start);
    });
  }
  await queue.onIdle();
  return { done, failures };
}

function finalFailure(batches: BatchTask[], index: number, attempts: number, error: unknown) {
  const how = attempts === 1 ? 'failed' :
    `failed on all ${attempts} attempts, each on fresh worker threads; the last`;
  return new RunError(`${describeBatch(batches, index)} ${how}: ${reasonOf(error)}`,
    { cause: error });
}

function describeBatch(batches: BatchTask[], index: number): string {
  const { start, end } = batches[index]!;
  return `batch ${index + 1}/${batches.length} (images ${start}–${end - 1})`;
}

// Errors cross from a worker by structured clone, which keeps the message but drops custom
// fields, so the message is all there is to report.
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
