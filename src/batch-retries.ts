// Runs every batch of an evaluation on the pool, and runs again, on fresh threads, any batch
// whose worker threw, exited or ran out of memory. A batch writes only its own range of the
// shared outputs, and each image's result depends on nothing but that image, so a batch run
// again rewrites its range with exactly what an undisturbed run writes there.
//
// The batches go out in rounds. Each round puts the batches still to do on a board in
// shared memory (src/batch-board.ts) and gives each thread one task: claim batches from the
// board until none is left. When a thread fails, the board stops the claiming, the other
// threads finish the batch they are on, and only then is every thread replaced: no old
// thread can still be writing when the next round starts. A batch that fails more than
// `retries` times ends the run with one line naming it and the last cause.

import { createBoard, viewBoard, type Batch, type RoundTask } from './batch-board.js';
import { RunError } from './errors.js';
import { workerFaultFor } from './faults.js';
import type { WorkerPool } from './worker-pool.js';

/** The pool to run on and what to do around each batch. */
export interface BatchRunOptions {
  pool: WorkerPool;
  /** Threads that claim batches side by side. */
  threads: number;
  /** How many times one batch may be run again before the run fails. */
  retries: number;
  /** The task to hand to the pool for one thread's part of a round. */
  taskFor: (round: RoundTask) => unknown;
  onBatchDone?: (images: number) => void;
  onRetry?: (message: string) => void;
}

interface Failure {
  index: number;
  error: unknown;
}

// how often the progress of a round is read off its board
const PROGRESS_INTERVAL_MS = 50;

/** What a successful run leaves behind. */
export interface BatchRun {
  /**
   * Settles once the task of every thread of the last round has returned. A round ends as
   * soon as every batch is done, and a thread still starting then returns only once it has
   * started: the pool must not be stopped before, since Node.js aborts the whole process
   * when a thread is terminated while it loads its module.
   */
  threadsReturned: Promise<void>;
}

/** Runs every batch once successfully, or throws a RunError naming the batch that kept failing. */
export async function runWithRetries(batches: Batch[], options: BatchRunOptions):
  Promise<BatchRun> {
  const failureCounts = new Array<number>(batches.length).fill(0);
  let pending = batches.map((_, index) => index);
  let threadsReturned = Promise.resolve();

  while (pending.length > 0) {
    const round = await runRound(batches, pending, failureCounts, options);
    const { done, failures } = round;
    threadsReturned = round.threadsReturned;
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
  return { threadsReturned };
}

// One round: every pending batch, claimed from a board by each thread in turn, until the
// first failure stops the claiming.
async function runRound(
  batches: readonly Batch[],
  pending: number[],
  failureCounts: number[],
  options: BatchRunOptions,
): Promise<{ done: Set<number>; failures: Failure[]; threadsReturned: Promise<void> }> {
  const threads = Math.max(1, Math.min(options.threads, pending.length));
  const board = createBoard(pending.map((index) => batches[index]!), threads);
  const view = viewBoard(board);
  const faults = pending.map((index) =>
    workerFaultFor('batch', index + 1, failureCounts[index]! + 1));
  const testFaults = faults.some((fault) => fault !== undefined) ? { faults } : {};

  const done = new Set<number>();
  const reportDone = () => pending.forEach((index, onBoard) => {
    if (done.has(index) || !view.isDone(onBoard)) return;
    done.add(index);
    options.onBatchDone?.(batches[index]!.end - batches[index]!.start);
  });
  const progress = options.onBatchDone === undefined ? undefined :
    setInterval(reportDone, PROGRESS_INTERVAL_MS);

  // The round ends once every thread has returned, or as soon as every batch is done: a
  // thread that is still starting (piscina starts those past the cores on demand) would
  // only find the board empty, so it is not waited for.
  const failedThreads: { slot: number; error: unknown }[] = [];
  let everyBatchDone = () => {};
  const batchesDone = new Promise<void>((resolve) => {
    everyBatchDone = resolve;
  });
  const threadsReturned = Promise.all(Array.from({ length: threads }, async (_, slot) => {
    try {
      await options.pool.run(options.taskFor({ board, slot, ...testFaults }));
      if (pending.every((_, onBoard) => view.isDone(onBoard))) everyBatchDone();
    } catch (error) {
      view.stop();
      failedThreads.push({ slot, error });
    }
  }));
  try {
    await Promise.race([threadsReturned, batchesDone]);
  } finally {
    clearInterval(progress);
  }
  reportDone();

  // A thread fails while it runs a batch; one that fails before it claims any (it could not
  // start) is put down to the first batch not done, so that its retries are bounded too.
  // Each batch counts one failure a round, the first thread's.
  const failures = new Map<number, unknown>();
  for (const { slot, error } of failedThreads) {
    const onBoard = view.runningOn(slot);
    const index = onBoard === undefined ? pending.find((candidate) => !done.has(candidate)) :
      pending[onBoard];
    if (index !== undefined && !failures.has(index)) failures.set(index, error);
  }
  return { done, failures: [...failures].map(([index, error]) => ({ index, error })),
    threadsReturned: threadsReturned.then(() => {}) };
}

function finalFailure(batches: Batch[], index: number, attempts: number, error: unknown) {
  const how = attempts === 1 ? 'failed' :
    `failed on all ${attempts} attempts, each on fresh worker threads; the last`;
  return new RunError(`${describeBatch(batches, index)} ${how}: ${reasonOf(error)}`,
    { cause: error });
}

function describeBatch(batches: Batch[], index: number): string {
  const { start, end } = batches[index]!;
  return `batch ${index + 1}/${batches.length} (images ${start}–${end - 1})`;
}

// Errors cross from a worker by structured clone, which keeps the message but drops custom
// fields, so the message is all there is to report.
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
