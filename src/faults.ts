// TEST-ONLY fault injection. The tests prove that a worker that throws, exits or runs out of
// memory, and a report write that fails, never change the reports or leave a partial file;
// to do that they make those faults happen on purpose through the MNIST_EVAL_TEST_FAULTS
// environment variable. Nothing but the tests sets it, and the README does not offer it to
// users: with it unset, which is always the case outside the tests, every function here
// answers "no fault" and the run is untouched.
//
// The variable holds comma-separated entries KIND@TARGET, optionally followed by *TIMES:
//   throw@batch:4      evaluation batch 4 (1-based) throws half-way on its first attempt
//   exit@batch:4*3     its worker thread exits half-way, on each of its first 3 attempts
//   oom@batch:2        its worker thread runs out of memory half-way
//   hang@batch:1       its worker blocks forever half-way (for tests that interrupt a run)
//   exit@task:120      training: the 120th task handed to the pool (retried ones counted)
//   enospc@file:per-class.csv   writing that file fails as on a full disk (also eio)

import { inputError } from './errors.js';

/** How a worker can be made to fail in the middle of its task. */
export type WorkerFault = 'throw' | 'exit' | 'oom' | 'hang';

/** How a file write can be made to fail, as the errno code it then fails with. */
export type WriteFault = 'ENOSPC' | 'EIO';

interface FaultEntry {
  kind: WorkerFault | 'enospc' | 'eio';
  target: 'batch' | 'task' | 'file';
  key: string;
  times: number;
}

const VARIABLE = 'MNIST_EVAL_TEST_FAULTS';
const ENTRY = /^(throw|exit|oom|hang|enospc|eio)@(batch|task|file):([^*,]+)(?:\*(\d+))?$/;

// A small heap for the workers of a run that injects an out-of-memory fault, so that the
// thread dies within milliseconds instead of after filling gigabytes.
const FAULT_HEAP_MB = 64;

let parsed: FaultEntry[] | undefined;

function entries(): FaultEntry[] {
  if (parsed !== undefined) return parsed;
  const text = process.env[VARIABLE] ?? '';
  parsed = text === '' ? [] : text.split(',').map((entry) => {
    const match = ENTRY.exec(entry.trim());
    if (match === null) {
      throw inputError('ERR_BAD_OPTION', VARIABLE, `expected entries such as throw@batch:3*2 ` +
        `(a test-only switch), got ${JSON.stringify(entry)}`);
    }
    const [, kind, target, key, times] = match;
    return { kind, target, key, times: times === undefined ? 1 : Number(times) } as FaultEntry;
  });
  return parsed;
}

/** The fault to inject into attempt `attempt` (1-based) of batch or task `number` (1-based). */
export function workerFaultFor(
  target: 'batch' | 'task',
  number: number,
  attempt: number,
): WorkerFault | undefined {
  const entry = entries().find((candidate) => candidate.target === target &&
    candidate.key === String(number) && attempt <= candidate.times &&
    candidate.kind !== 'enospc' && candidate.kind !== 'eio');
  return entry?.kind as WorkerFault | undefined;
}

/** Resource limits for a pool's workers: a small heap only when a test injects running out. */
export function faultResourceLimits(): { maxOldGenerationSizeMb: number } | undefined {
  return entries().some((entry) => entry.kind === 'oom') ?
    { maxOldGenerationSizeMb: FAULT_HEAP_MB } : undefined;
}

/** The error a write of `name` is to fail with, if a test asked for one. */
export function writeFaultFor(name: string): WriteFault | undefined {
  const entry = entries().find((candidate) => candidate.target === 'file' &&
    candidate.key === name && (candidate.kind === 'enospc' || candidate.kind === 'eio'));
  return entry === undefined ? undefined : entry.kind.toUpperCase() as WriteFault;
}
