// A shard's partial result: every image of its slice with its label, prediction and
// probabilities, the pixels of its misclassified images (the reports draw them), the
// identities of the data and weights it read, and the confusion counts of its slice, in one
// JSON file that is checked on the way back in. The per-image arrays are
// base64 of their bytes (float32 little-endian for the probabilities): exact, and a quarter
// the size of decimal text. The format is tiny and ours, so no library reads it.

import { createHash } from 'node:crypto';

import { inputError } from '../errors.js';
import type { ImageSet } from '../report/contact-sheet.js';
import { confusionMatrix } from '../report/metrics.js';
import type { DataDescription, RunDescription, WeightsDescription } from '../report/summary.js';
import type { ClassifiedSet } from '../report/write-reports.js';
import type { ShardChoice } from './shard-choice.js';
import { shardRange, type ShardRange } from './shard-range.js';

/** One shard's result: where it sits among the shards, and its slice's classified images. */
export interface PartialResult {
  shard: ShardChoice & { images: ShardRange };
  /**
   * The slice's images only, numbered from 0 within it; `set.data.count` is the whole set's.
   * Only the misclassified images' pixels are kept.
   */
  set: ClassifiedSet;
}

const FORMAT = 'mnist-batch-eval shard';
const VERSION = 1;

/** The file name of shard `index` of `count`. */
export function partialFileName(index: number, count: number): string {
  return `shard-${index}-of-${count}.json`;
}

/** Names that partialFileName gives, to find partial files in a folder. */
export const PARTIAL_FILE_PATTERN = /^shard-\d+-of-\d+\.json$/;

/** The file's text: the payload, with the sha256 of the payload's own JSON. */
export function encodePartial({ shard, set }: PartialResult): string {
  const { table } = set;
  const misclassified = misclassifiedIndices(table);
  const pixels = Buffer.concat(misclassified.map((index) => set.images.pixelsOf(index)));
  const payload = {
    shard,
    data: set.data,
    weights: set.weights,
    run: set.run,
    counts: { confusion: confusionMatrix(table.labels, table.predictions, table.classCount) },
    images: {
      classCount: table.classCount,
      labels: base64(table.labels),
      predictions: base64(table.predictions),
      probabilities: base64(table.probabilities),
      misclassifiedPixels: base64(pixels),
    },
  };
  const json = JSON.stringify(payload);
  return `{"format":${JSON.stringify(FORMAT)},"version":${VERSION},` +
    `"sha256":"${sha256(json)}","payload":${json}}\n`;
}

/** Reads a partial file's text back, refusing anything this program did not write whole. */
export function decodePartial(text: string, path: string): PartialResult {
  const fail = (detail: string) => inputError('ERR_SHARD_FILE', path, detail);

  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw fail(`expected a shard file (JSON), found text that does not parse ` +
      `(${(error as Error).message})`);
  }
  const outer = asObject(file, 'the file', fail);
  if (outer.format !== FORMAT || outer.version !== VERSION) {
    throw fail(`expected a shard file, format ${JSON.stringify(FORMAT)} version ${VERSION}, ` +
      `found format ${JSON.stringify(outer.format)} version ${JSON.stringify(outer.version)}`);
  }
  const payload = asObject(outer.payload, 'payload', fail);
  if (outer.sha256 !== sha256(JSON.stringify(payload))) {
    throw fail('corrupted: its payload does not match the sha256 it records');
  }

  return readPayload(payload, fail);
}

function readPayload(payload: Record<string, unknown>, fail: (detail: string) => Error):
  PartialResult {
  const shardFields = asObject(payload.shard, 'shard', fail);
  const count = wholeNumber(shardFields.count, 'shard.count', 1, fail);
  const index = wholeNumber(shardFields.index, 'shard.index', 0, fail);
  const data = asObject(payload.data, 'data', fail) as unknown as DataDescription;
  const total = wholeNumber(data.count, 'data.count', 0, fail);
  if (index >= count) throw fail(`shard.index: expected below ${count}, found ${index}`);

  const range = asObject(shardFields.images, 'shard.images', fail);
  const expected = shardRange(index, count, total);
  if (range.start !== expected.start || range.end !== expected.end) {
    throw fail(`expected shard ${index} of ${count} to hold images ${expected.start}–` +
      `${expected.end - 1} of ${total}, found ${String(range.start)}–` +
      `${Number(range.end) - 1}`);
  }

  const imagesFields = asObject(payload.images, 'images', fail);
  const table = readImages(imagesFields, expected, fail);
  const confusion = confusionMatrix(table.labels, table.predictions, table.classCount);
  const counts = asObject(payload.counts, 'counts', fail);
  if (JSON.stringify(counts.confusion) !== JSON.stringify(confusion)) {
    throw fail('corrupted: its confusion counts disagree with its predictions');
  }

  const shape = data.imageShape;
  if (!Array.isArray(shape) || shape.length !== 2 ||
    !shape.every((size) => Number.isSafeInteger(size) && size > 0)) {
    throw fail(`data.imageShape: expected [rows, columns], found ${JSON.stringify(shape)}`);
  }
  const images = readMisclassifiedPixels(imagesFields, table, shape as [number, number], fail);

  const weights = asObject(payload.weights, 'weights', fail) as unknown as WeightsDescription;
  const run = asObject(payload.run, 'run', fail) as unknown as RunDescription;
  for (const [value, name] of [[data.images?.sha256, 'data.images.sha256'],
    [data.labels?.sha256, 'data.labels.sha256'], [weights.file?.sha256, 'weights.file.sha256'],
    [run.kernel, 'run.kernel'], [run.startedAt, 'run.startedAt'],
    [shardFields.indexFrom, 'shard.indexFrom'], [shardFields.countFrom, 'shard.countFrom']]) {
    if (typeof value !== 'string') throw fail(`${name}: expected a string, found ${typeof value}`);
  }
  for (const name of ['workers', 'batchSize', 'classifyMs', 'wallTimeMs', 'retries',
    'batchesRetried'] as const) {
    if (!Number.isFinite(run[name])) throw fail(`run.${name}: expected a number`);
  }

  return {
    shard: { index, count, indexFrom: String(shardFields.indexFrom),
      countFrom: String(shardFields.countFrom), images: expected },
    set: { data, weights, run, table, images },
  };
}

/** The images of a table whose prediction is wrong, in order. */
export function misclassifiedIndices(table: ClassifiedSet['table']): number[] {
  const indices: number[] = [];
  table.labels.forEach((label, index) => {
    if (label !== table.predictions[index]) indices.push(index);
  });
  return indices;
}

function readMisclassifiedPixels(
  images: Record<string, unknown>,
  table: ClassifiedSet['table'],
  [rows, columns]: [number, number],
  fail: (detail: string) => Error,
): ImageSet {
  const size = rows * columns;
  const misclassified = misclassifiedIndices(table);
  const pixels = bytesOf(images.misclassifiedPixels, 'images.misclassifiedPixels',
    misclassified.length * size, fail);
  const positions = new Map(misclassified.map((index, position) => [index, position]));

  return {
    rows,
    columns,
    pixelsOf(index) {
      const position = positions.get(index);
      // the reports draw misclassified images only; anything else is a bug here
      if (position === undefined) throw new Error(`image ${index} is not a misclassified one`);
      return pixels.subarray(position * size, (position + 1) * size);
    },
  };
}

function readImages(
  images: Record<string, unknown>,
  range: ShardRange,
  fail: (detail: string) => Error,
): ClassifiedSet['table'] {
  const classCount = wholeNumber(images.classCount, 'images.classCount', 1, fail);
  const count = range.end - range.start;
  const labels = bytesOf(images.labels, 'images.labels', count, fail);
  const predictions = bytesOf(images.predictions, 'images.predictions', count, fail);
  const probabilityBytes = bytesOf(images.probabilities, 'images.probabilities',
    4 * count * classCount, fail);
  const probabilities = new Float32Array(probabilityBytes.buffer, probabilityBytes.byteOffset,
    count * classCount);

  for (let i = 0; i < count; i++) {
    if (labels[i] >= classCount || predictions[i] >= classCount) {
      throw fail(`image ${range.start + i}: expected a label and prediction below ` +
        `${classCount}, found ${labels[i]} and ${predictions[i]}`);
    }
  }
  return { labels, predictions, probabilities, classCount };
}

// Decodes base64 into a fresh, aligned buffer of exactly `length` bytes.
function bytesOf(value: unknown, name: string, length: number, fail: (detail: string) => Error):
  Uint8Array {
  if (typeof value !== 'string') throw fail(`${name}: expected base64 text, found ${typeof value}`);
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length !== length) {
    throw fail(`${name}: expected ${length} bytes, found ${decoded.length}`);
  }
  return new Uint8Array(decoded);
}

function base64(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function asObject(value: unknown, name: string, fail: (detail: string) => Error):
  Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw fail(`${name}: expected an object, found ${value === null ? 'null' : typeof value}`);
}

function wholeNumber(value: unknown, name: string, smallest: number,
  fail: (detail: string) => Error): number {
  if (Number.isSafeInteger(value) && (value as number) >= smallest) return value as number;
  throw fail(`${name}: expected a whole number from ${smallest}, found ${JSON.stringify(value)}`);
}
