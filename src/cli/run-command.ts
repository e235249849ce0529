// How every command ends: a result on stdout and exit code 0, or one line on stderr and a
// documented exit code. Exit codes are set through process.exitCode, so output still flushes.

import { CommanderError } from 'commander';

import { InputError } from '../errors.js';

/** Exit codes of every command, as documented in the README. */
export const EXIT_CODES = {
  success: 0,
  failure: 1,
  badInput: 2,
  interrupted: 130,
  terminated: 143,
} as const;

/** Runs a command's body and turns whatever it throws into one stderr line and an exit code. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
    process.exitCode = EXIT_CODES.success;
  } catch (error) {
    process.exitCode = exitCodeFor(error);
    if (process.exitCode !== EXIT_CODES.success && !(error instanceof CommanderError)) {
      process.stderr.write(`${describeError(error)}\n`);
    }
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.badInput;
  }
  return error instanceof InputError ? EXIT_CODES.badInput : EXIT_CODES.failure;
}

// Bad input is the user's to fix and needs no stack; anything else is ours, and its stack
// goes with it when MNIST_EVAL_DEBUG is set.
function describeError(error: unknown): string {
  if (error instanceof InputError) return error.message;
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  return process.env.MNIST_EVAL_DEBUG ? String(error.stack) : `error: ${error.message}`;
}
