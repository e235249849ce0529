// Starts a piscina pool the way both pools of the project need it. A worker that fails to
// load makes piscina stop starting workers, and tasks still queued would then wait forever;
// destroying the pool on its 'error' event rejects them instead, and the first such error is
// kept so that callers can report the cause rather than the rejection it led to.

import { Piscina } from 'piscina';

/** A started pool, and the error of a worker that failed to start, if one did. */
export interface WorkerPool {
  pool: Piscina;
  startFailure(): Error | undefined;
}

/** Starts `minThreads` workers of `filename` at once; piscina adds up to `maxThreads`. */
export function startWorkerPool(options: {
  filename: string;
  workerData: unknown;
  minThreads: number;
  maxThreads: number;
}): WorkerPool {
  const pool = new Piscina({ ...options, idleTimeout: Number.POSITIVE_INFINITY });

  let failure: Error | undefined;
  pool.on('error', (error: Error) => {
    failure ??= error;
    void pool.destroy();
  });
  return { pool, startFailure: () => failure };
}
