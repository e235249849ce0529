// How every command begins and ends: parsing its command line, a result on stdout and exit
// code 0, or one line on stderr and a documented exit code. Exit codes are set through
// process.exitCode, so that output still flushes.

import { CommanderError, type Command } from 'commander';

import { InputError } from '../errors.js';
import { removeStagedFiles } from '../io/atomic-files.js';

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
  stopQuietlyWhenOutputCloses();
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

/** Parses process.argv; --help and usage errors surface as a CommanderError for runCommand. */
export function parseCommandLine(program: Command): Command {
  return program
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) })
    .parse(process.argv);
}

/**
 * Ends the process at once on Ctrl-C (exit 130) or SIGTERM (exit 143), after `cleanup` and a
 * line on stderr that says what stopped it and, when given, what to do next.
 */
export function exitOnInterrupt(cleanup: () => void, advice: () => string = () => ''): void {
  const signals = { SIGINT: EXIT_CODES.interrupted, SIGTERM: EXIT_CODES.terminated };
  let isStopping = false;
  for (const [signal, code] of Object.entries(signals)) {
    // The handler stays in place: a second signal while the first is handled ends the
    // process at once with the same code, rather than by the signal's default action.
    process.on(signal, () => {
      if (isStopping) process.exit(code);
      isStopping = true;
      cleanup();
      removeStagedFiles();
      const next = advice();
      process.stderr.write(`stopped by ${signal}${next === '' ? '' : `; ${next}`}\n`);
      process.exit(code);
    });
  }
}

// A reader that stops early, like `head -1`, closes the pipe: that is no error of ours, and
// the rest of the output has nowhere to go. Any other failure to write the results, such as
// a full disk, is one line on stderr and exit code 1.
function stopQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_CODES.success);
    process.stderr.write(`error: standard output: cannot write the results ` +
      `(${error.code ?? error.message})\n`);
    process.exit(EXIT_CODES.failure);
  });
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

// commander sometimes adds a second line (a suggestion); keep each error on one line.
function oneLine(text: string): string {
  return `${text.trim().replace(/\s*\n\s*/g, ' ')}\n`;
}
