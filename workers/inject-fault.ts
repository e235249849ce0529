// TEST-ONLY: makes a worker fail in the middle of a task, the way a real fault would, so that
// the tests can prove the coordinator recovers (see src/faults.ts, the switch that asks for
// it). A task carries a fault only when the tests set that switch.

import type { WorkerFault } from '../src/faults.js';

// A worker thread that exits with this code was told to by a test.
const INJECTED_EXIT_CODE = 70;

/** Fails the current task as `fault` says: an exception, a thread exit, running out of heap,
 * or blocking forever. */
export function injectFault(fault: WorkerFault): never {
  if (fault === 'exit') process.exit(INJECTED_EXIT_CODE);
  if (fault === 'throw') throw new Error('injected test fault: the worker threw');
  if (fault === 'hang') {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    throw new Error('injected test fault: woke from a wait that never ends');
  }

  // Live arrays until the heap limit ends the thread.
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
}
