// Errors the user can act on. Every message is one line: the subject (a file, a flag, a
// tensor), a colon, then what was expected and what was found. Each carries a stable
// `code` so that tests and callers match the kind of failure rather than its wording.

/** The kinds of bad input, each refused before any worker is given a batch. */
export type InputErrorCode =
  | 'ERR_BAD_OPTION'
  | 'ERR_FILE_UNREADABLE'
  | 'ERR_NOT_IDX'
  | 'ERR_BAD_MAGIC'
  | 'ERR_TRUNCATED'
  | 'ERR_BAD_GZIP'
  | 'ERR_CHECKSUM'
  | 'ERR_COUNT_MISMATCH'
  | 'ERR_EMPTY_DATASET'
  | 'ERR_BAD_LABEL'
  | 'ERR_SHAPE_MISMATCH'
  | 'ERR_NON_FINITE'
  | 'ERR_UNSUPPORTED'
  | 'ERR_WEIGHTS_FORMAT'
  | 'ERR_PICKLE_FORMAT'
  | 'ERR_PICKLE_GLOBAL'
  | 'ERR_SAFETENSORS_FORMAT'
  | 'ERR_SHARD_FILE'
  | 'ERR_SHARD_SET';

/** Bad input or usage: the command exits with code 2 and writes no report. */
export class InputError extends Error {
  readonly code: InputErrorCode;

  constructor(code: InputErrorCode, subject: string, detail: string) {
    super(`${subject}: ${detail}`);
    this.name = 'InputError';
    this.code = code;
  }
}

/** A failure while the run was under way (a worker crashed, a report could not be written). */
export class RunError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunError';
  }
}

/** Builds the one-line error for bad input; `subject` names the file, flag or tensor. */
export function inputError(code: InputErrorCode, subject: string, detail: string): InputError {
  return new InputError(code, subject, detail);
}

/** Describes a value for an error message: its JSON form and, where that hides it, its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  return `a value of type ${typeof value}`;
}
