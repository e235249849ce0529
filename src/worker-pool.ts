// Starts a piscina pool the way both pools of the project need it, and replaces all of its
// threads when a task fails, so that a retry never runs on a thread that has already failed.
//
// Why the whole pool: piscina replaces a thread that exits or runs out of memory, but keeps
// one whose task threw, and cannot say which thread ran which task; a thread that threw may
// hold broken state. Destroying the pool stops every thread (their tasks reject) and waits
// until they have exited, so that no old thread can write into shared memory once the caller
// starts repairing it.
//
// A worker that fails to load makes piscina stop starting workers, and tasks still queued
// would then wait forever; destroying the pool on its 'error' event rejects them instead,
// and the first such error is kept so that callers can report the cause rather than the
// rejection it led to. piscina also emits 'error' for a worker that fails with no task in
// flight after it has run tasks; piscina replaces that thread itself, and its error is no
// start failure, so it neither stops the pool nor turns retries off.

import { Piscina } from 'piscina';

import { faultResourceLimits } from './faults.js';

/** A running pool whose threads can all be replaced by fresh ones. */
export interface WorkerPool {
  /** Runs a task on the current threads. */
  run<Result>(task: unknown): Promise<Result>;
  /** Stops every thread at once (their tasks reject) and starts fresh ones. */
  restart(): Promise<void>;
  /** Stops every thread; the pool runs nothing more. */
  destroy(): Promise<void>;
  /** The error of a worker that failed to start, if one did. */
  startFailure(): Error | undefined;
}

/** How to start the threads: `minThreads` at once, and up to `maxThreads` on demand. */
export interface WorkerPoolOptions {
  filename: string;
  workerData: unknown;
  minThreads: number;
  maxThreads: number;
}

/** Starts `minThreads` workers of `filename` at once; piscina adds up to `maxThreads`. */
export function startWorkerPool(options: WorkerPoolOptions): WorkerPool {
  let failure: Error | undefined;
  let isDestroyed = false;

  let hasRunTasks = false;
  const start = (): Piscina => {
    const pool = new Piscina({ ...options, idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: faultResourceLimits() });
    pool.on('error', (error: Error) => {
      if (hasRunTasks) return;
      failure ??= error;
      void pool.destroy();
    });
    return pool;
  };

  let pool = start();
  return {
    run: async (task) => {
      const result = await pool.run(task);
      hasRunTasks = true;
      return result;
    },
    restart: async () => {
      const old = pool;
      await old.destroy();
      if (!isDestroyed) pool = start();
    },
    destroy: () => {
      isDestroyed = true;
      return pool.destroy();
    },
    startFailure: () => failure,
  };
}
