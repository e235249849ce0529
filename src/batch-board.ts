// The batches of one round of an evaluation, on a board in shared memory from which the
// worker threads claim them one at a time: a thread that finishes a batch claims the next
// one left, so a thread that starts late or runs slow simply does fewer. On a machine whose
// cores are shared with other tenants, batches handed to the threads in turn left the whole
// pool waiting on the slowest one, and each cost a message each way; a claim costs one
// atomic add. The coordinator reads the board to report progress, stops the claiming when
// a thread fails, and reads afterwards which batches were done and which one each failed
// thread was running.
//
// The state is one Int32Array:
//   [0]                          the index of the next batch to claim
//   [1]                          1 once the round is stopped: no thread claims another
//   [2, 2 + threads)             the batch each thread is running, or -1
//   [2 + threads, + batches)     each batch's status: pending, running or done
// and `ranges` holds each batch's first image and the one past its last.

import type { WorkerFault } from './faults.js';

/** A range of images: [start, end). */
export interface Batch {
  start: number;
  end: number;
}

/** One round's batches and their claims, in shared memory that every thread views. */
export interface BatchBoard {
  ranges: SharedArrayBuffer;
  state: SharedArrayBuffer;
  threads: number;
  batches: number;
}

/** One thread's task in a round: its slot on the board, and the faults a test asked for. */
export interface RoundTask {
  board: BatchBoard;
  slot: number;
  /** TEST-ONLY: the fault to inject into a batch, by its index on the board. */
  faults?: (WorkerFault | undefined)[];
}

const NEXT = 0;
const STOPPED = 1;
const RUNNING_BY_THREAD = 2;
const NONE = -1;

// a batch's status starts as 0, pending
const RUNNING = 1;
const DONE = 2;

/** A board of `batches` for `threads` threads, none claimed yet. */
export function createBoard(batches: readonly Batch[], threads: number): BatchBoard {
  const board = {
    ranges: new SharedArrayBuffer(8 * batches.length),
    state: new SharedArrayBuffer(4 * (RUNNING_BY_THREAD + threads + batches.length)),
    threads,
    batches: batches.length,
  };
  const ranges = new Int32Array(board.ranges);
  batches.forEach(({ start, end }, index) => ranges.set([start, end], 2 * index));
  new Int32Array(board.state).fill(NONE, RUNNING_BY_THREAD, RUNNING_BY_THREAD + threads);
  return board;
}

/** The claims of one thread on a board: its slot among the round's threads. */
export interface Claims {
  /** Claims the next batch for this thread; undefined once none is left or the round stopped. */
  claim(): { index: number; start: number; end: number } | undefined;
  /** Marks the batch this thread claimed last as done. */
  finish(): void;
}

/** The claims of thread `slot` (0 to threads − 1) on `board`. */
export function claimsOf(board: BatchBoard, slot: number): Claims {
  const state = new Int32Array(board.state);
  const ranges = new Int32Array(board.ranges);
  const statusAt = RUNNING_BY_THREAD + board.threads;
  let current = NONE;

  return {
    claim() {
      if (Atomics.load(state, STOPPED) !== 0) return undefined;
      const index = Atomics.add(state, NEXT, 1);
      if (index >= board.batches) return undefined;
      current = index;
      Atomics.store(state, RUNNING_BY_THREAD + slot, index);
      Atomics.store(state, statusAt + index, RUNNING);
      return { index, start: ranges[2 * index]!, end: ranges[2 * index + 1]! };
    },
    finish() {
      Atomics.store(state, statusAt + current, DONE);
      Atomics.store(state, RUNNING_BY_THREAD + slot, NONE);
      current = NONE;
    },
  };
}

/** What the coordinator reads and does on a board. */
export interface BoardView {
  /** No thread claims another batch; the ones running finish. */
  stop(): void;
  isDone(index: number): boolean;
  /** The batch thread `slot` was running when it stopped, or undefined if none. */
  runningOn(slot: number): number | undefined;
}

/** The coordinator's view of `board`. */
export function viewBoard(board: BatchBoard): BoardView {
  const state = new Int32Array(board.state);
  const statusAt = RUNNING_BY_THREAD + board.threads;
  return {
    stop: () => void Atomics.store(state, STOPPED, 1),
    isDone: (index) => Atomics.load(state, statusAt + index) === DONE,
    runningOn(slot) {
      const index = Atomics.load(state, RUNNING_BY_THREAD + slot);
      return index === NONE || Atomics.load(state, statusAt + index) !== RUNNING ? undefined :
        index;
    },
  };
}

/** Runs `run` on each batch that thread `slot` claims; returns how many it ran. */
export function runClaimedBatches(
  board: BatchBoard,
  slot: number,
  run: (index: number, start: number, end: number) => void,
): number {
  const claims = claimsOf(board, slot);
  let count = 0;
  for (let batch = claims.claim(); batch !== undefined; batch = claims.claim()) {
    run(batch.index, batch.start, batch.end);
    claims.finish();
    count += 1;
  }
  return count;
}
