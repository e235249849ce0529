// Merging shards: read the partial files, check that they are the N shards of one evaluation
// (every index once, the same data, weights and kernel), and join their slices in order into
// the results a whole run would have had. The reports are then written from those results by
// the same code as a whole run's, so they come out the same.

import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { inputError } from '../errors.js';
import { readInputFile } from '../io/input-file.js';
import type { ImageSet } from '../report/image-set.js';
import type { ShardDescription } from '../report/summary.js';
import type { ClassifiedSet } from '../report/write-reports.js';
import { decodePartial, PARTIAL_FILE_PATTERN, type PartialResult } from './partial-file.js';

/** A partial result and the file it came from. */
export interface NamedPartial {
  path: string;
  partial: PartialResult;
}

/** Reads every partial file named, and every shard-*-of-*.json file in each folder named. */
export async function readPartials(inputs: string[]): Promise<NamedPartial[]> {
  const paths: string[] = [];
  for (const input of inputs) {
    const isFolder = await stat(input).then((found) => found.isDirectory(), () => false);
    if (!isFolder) {
      paths.push(input);
      continue;
    }
    const names = (await readdir(input)).filter((name) => PARTIAL_FILE_PATTERN.test(name));
    if (names.length === 0) {
      throw inputError('ERR_SHARD_SET', input, 'expected shard files named ' +
        'shard-I-of-N.json in this folder, found none');
    }
    paths.push(...names.sort().map((name) => join(input, name)));
  }

  // a file named twice, say on its own and inside a folder also named, is read once
  const seen = new Set<string>();
  const distinct = [];
  for (const path of paths) {
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) continue;
    seen.add(real);
    distinct.push(path);
  }

  return Promise.all(distinct.map(async (path) => {
    const file = await readInputFile(path);
    return { path, partial: decodePartial(Buffer.from(file.bytes).toString('utf8'), path) };
  }));
}

/** Checks that the partials are one evaluation's N shards and joins them in shard order. */
export function mergePartials(partials: NamedPartial[]): ClassifiedSet {
  if (partials.length === 0) {
    throw inputError('ERR_SHARD_SET', 'merge', 'expected at least one shard file, got none');
  }
  const [first] = partials;
  const count = first.partial.shard.count;

  const byIndex = new Map<number, NamedPartial>();
  for (const named of partials) {
    checkSameEvaluation(named, first);
    const { index } = named.partial.shard;
    const earlier = byIndex.get(index);
    if (earlier !== undefined) {
      throw inputError('ERR_SHARD_SET', named.path, `expected each shard once, and shard ` +
        `${index} of ${count} was already read from ${earlier.path}`);
    }
    byIndex.set(index, named);
  }

  const missing = Array.from({ length: count }, (_, index) => index)
    .filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw inputError('ERR_SHARD_SET', 'merge', `expected all ${count} shards, and ` +
      `${missing.length === 1 ? 'shard' : 'shards'} ${listOf(missing)} of ${count} ` +
      `${missing.length === 1 ? 'is' : 'are'} missing`);
  }

  const ordered = Array.from({ length: count }, (_, index) => byIndex.get(index)!.partial);
  return joinSlices(ordered);
}

// Two partials belong together when they split the same images, classified by the same
// weights with the same kernel, into the same number of shards. Paths may differ between
// machines; contents are compared by sha256.
function checkSameEvaluation(named: NamedPartial, first: NamedPartial): void {
  const a = named.partial;
  const b = first.partial;
  const differences: [boolean, string, string, string][] = [
    [a.shard.count !== b.shard.count, 'shard count', String(a.shard.count),
      String(b.shard.count)],
    [a.set.data.images.sha256 !== b.set.data.images.sha256, 'images (sha256)',
      a.set.data.images.sha256, b.set.data.images.sha256],
    [a.set.data.labels.sha256 !== b.set.data.labels.sha256, 'labels (sha256)',
      a.set.data.labels.sha256, b.set.data.labels.sha256],
    [a.set.data.count !== b.set.data.count, 'image count', String(a.set.data.count),
      String(b.set.data.count)],
    [a.set.weights.file.sha256 !== b.set.weights.file.sha256, 'weights (sha256)',
      a.set.weights.file.sha256, b.set.weights.file.sha256],
    [a.set.run.kernel !== b.set.run.kernel, 'kernel', a.set.run.kernel, b.set.run.kernel],
    [a.set.weights.widths.join('-') !== b.set.weights.widths.join('-'), 'network widths',
      a.set.weights.widths.join('-'), b.set.weights.widths.join('-')],
    [a.set.data.imageShape.join('×') !== b.set.data.imageShape.join('×'), 'image shape',
      a.set.data.imageShape.join('×'), b.set.data.imageShape.join('×')],
  ];
  const difference = differences.find(([differs]) => differs);
  if (difference === undefined) return;

  const [, what, found, expected] = difference;
  throw inputError('ERR_SHARD_SET', named.path, `expected the ${what} of ${first.path}, ` +
    `${expected}, found ${found}: it is a shard of another evaluation`);
}

function joinSlices(ordered: PartialResult[]): ClassifiedSet {
  const base = ordered[0].set;
  const { classCount } = base.table;
  const total = base.data.count;
  const labels = new Uint8Array(total);
  const predictions = new Uint8Array(total);
  const probabilities = new Float32Array(total * classCount);
  for (const { shard, set } of ordered) {
    labels.set(set.table.labels, shard.images.start);
    predictions.set(set.table.predictions, shard.images.start);
    probabilities.set(set.table.probabilities, shard.images.start * classCount);
  }

  const shards: ShardDescription[] = ordered.map(({ shard, set }) => ({
    index: shard.index,
    count: shard.count,
    indexFrom: shard.indexFrom,
    countFrom: shard.countFrom,
    images: shard.images,
    startedAt: set.run.startedAt,
    classifyMs: Math.round(set.run.classifyMs * 10) / 10,
  }));
  const runs = ordered.map(({ set }) => set.run);
  return {
    data: base.data,
    weights: base.weights,
    run: {
      workers: Math.max(...runs.map((run) => run.workers)),
      batchSize: base.run.batchSize,
      kernel: base.run.kernel,
      startedAt: runs.map((run) => run.startedAt).sort()[0],
      // the shards' own times added up: the work, whatever ran at the same time
      classifyMs: runs.reduce((sum, run) => sum + run.classifyMs, 0),
      wallTimeMs: runs.reduce((sum, run) => sum + run.wallTimeMs, 0),
      retries: Math.max(...runs.map((run) => run.retries)),
      batchesRetried: runs.reduce((sum, run) => sum + run.batchesRetried, 0),
      shards,
    },
    table: { labels, predictions, probabilities, classCount },
    images: joinImages(ordered),
  };
}

// The shards' misclassified images, numbered across the whole set again.
function joinImages(ordered: PartialResult[]): ImageSet {
  const { rows, columns } = ordered[0].set.images;
  const starts = ordered.map(({ shard }) => shard.images.start);
  return {
    rows,
    columns,
    pixelsOf(index) {
      // the last shard starting at or before the image; empty shards share its start
      let shard = starts.length - 1;
      while (starts[shard] > index || ordered[shard].shard.images.end <= index) shard--;
      return ordered[shard].set.images.pixelsOf(index - starts[shard]);
    },
  };
}

// "3", "1 and 3", "1, 2 and 3", or the first ten and how many more
function listOf(numbers: number[]): string {
  const SHOWN = 10;
  if (numbers.length > SHOWN) {
    return `${numbers.slice(0, SHOWN).join(', ')} and ${numbers.length - SHOWN} more`;
  }
  if (numbers.length <= 1) return numbers.join('');
  return `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
}
