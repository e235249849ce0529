// Which shard this process is: from --shard-index and --shard-count where given, otherwise
// from the variables that batch engines set for each task of an array job. The choice
// records where each number came from, so that a report can say how the work was split.

import { inputError } from '../errors.js';

/** This process's shard, and the flag or variable each number was read from. */
export interface ShardChoice {
  index: number;
  count: number;
  indexFrom: string;
  countFrom: string;
}

/** What the command line said about sharding; absent values are undefined. */
export interface ShardFlags {
  /** --shard: take both numbers from the engine's variables. */
  shard: boolean;
  index?: string;
  count?: string;
}

/** Variables holding a task's index, in the order they are looked for. */
export const INDEX_VARIABLES = [
  'JOB_COMPLETION_INDEX', // Kubernetes Indexed Job
  'AWS_BATCH_JOB_ARRAY_INDEX', // AWS Batch array job
  'SLURM_ARRAY_TASK_ID', // Slurm job array
  'CLOUD_RUN_TASK_INDEX', // Cloud Run job
] as const;

/** Variables holding the number of tasks, in the order they are looked for. */
export const COUNT_VARIABLES = ['SLURM_ARRAY_TASK_COUNT', 'CLOUD_RUN_TASK_COUNT'] as const;

// A bound on the shard count, far above any sensible split, that keeps a typing slip from
// asking for millions of partial files.
export const MAX_SHARDS = 100_000;

/**
 * The shard to evaluate, or null for a whole run. Sharding is on when any of the flags is
 * given; a number not given as a flag is read from the first of its variables that is set.
 */
export function chooseShard(
  flags: ShardFlags,
  environment: Record<string, string | undefined>,
): ShardChoice | null {
  if (!flags.shard && flags.index === undefined && flags.count === undefined) return null;

  const count = readNumber(flags.count, '--shard-count', COUNT_VARIABLES, environment, 1);
  const index = readNumber(flags.index, '--shard-index', INDEX_VARIABLES, environment, 0);
  if (index.value >= count.value) {
    throw inputError('ERR_BAD_OPTION', index.from, `expected a shard index from 0 to ` +
      `${count.value - 1} (${count.value} shards, from ${count.from}), got ${index.value}`);
  }
  return { index: index.value, count: count.value, indexFrom: index.from, countFrom: count.from };
}

function readNumber(
  flagValue: string | undefined,
  flag: string,
  variables: readonly string[],
  environment: Record<string, string | undefined>,
  smallest: number,
): { value: number; from: string } {
  if (flagValue !== undefined) return { value: parseWhole(flagValue, flag, smallest), from: flag };

  const variable = variables.find((name) => (environment[name] ?? '') !== '');
  if (variable === undefined) {
    throw inputError('ERR_BAD_OPTION', flag, `expected a value, or one of the variables ` +
      `${variables.join(', ')} set by a batch engine; none is set`);
  }
  return { value: parseWhole(String(environment[variable]), variable, smallest), from: variable };
}

function parseWhole(text: string, subject: string, smallest: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= smallest && value <= MAX_SHARDS) return value;
  throw inputError('ERR_BAD_OPTION', subject, `expected a whole number from ${smallest} to ` +
    `${MAX_SHARDS}, got ${JSON.stringify(text)}`);
}
