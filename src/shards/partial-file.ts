// A shard's partial result: every image of its slice with its label, prediction and
// probabilities, the pixels of its misclassified images (the reports draw them), the
// identities of the data and weights it read, and the confusion counts of its slice, in one
// JSON file that is checked on the way back in. The per-image arrays are
// base64 of their bytes (float32 little-endian for the probabilities): exact, and a quarter
// the size of decimal text. The format is tiny and ours, so no library reads it.

import { CLASS_COUNT } from '../classes.js';
import { inputError } from '../errors.js';
import { sha256Of } from '../io/file-digests.js';
import type { FileIdentity } from '../io/input-file.js';
import type { ImageSet } from '../report/image-set.js';
import { confusionMatrix } from '../report/metrics.js';
import type { DataDescription, RunDescription, WeightsDescription } from '../report/summary.js';
import type { ClassifiedSet } from '../report/write-reports.js';
import { argmaxRows } from '../../workers/forward.js';
import { MAX_SHARDS, type ShardChoice } from './shard-choice.js';
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
// Bounds that keep a hand-made file from sizing allocations: a run holds at most 2 GiB of
// images, and no layer or image side of a network this tool runs comes near 2^16.
const MAX_IMAGES = 2 ** 31;
const MAX_WIDTH = 2 ** 16;
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
    `"sha256":"${sha256Of(Buffer.from(json))}","payload":${json}}\n`;
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
  if (outer.sha256 !== sha256Of(Buffer.from(JSON.stringify(payload)))) {
    throw fail('corrupted: its payload does not match the sha256 it records');
  }

  return readPayload(payload, fail);
}

function readPayload(payload: Record<string, unknown>, fail: (detail: string) => Error):
  PartialResult {
  // everything that sizes an allocation is checked before anything is allocated
  const shardFields = asObject(payload.shard, 'shard', fail);
  const count = wholeNumber(shardFields.count, 'shard.count', 1, fail, MAX_SHARDS);
  const index = wholeNumber(shardFields.index, 'shard.index', 0, fail, count - 1);
  const indexFrom = text(shardFields.indexFrom, 'shard.indexFrom', fail);
  const countFrom = text(shardFields.countFrom, 'shard.countFrom', fail);
  const data = readData(asObject(payload.data, 'data', fail), fail);
  const weights = readWeights(asObject(payload.weights, 'weights', fail), fail);
  const [rows, columns] = data.imageShape;
  if (rows * columns !== weights.widths[0]) {
    throw fail(`data.imageShape: expected ${weights.widths[0]} pixels, the network's inputs, ` +
      `found ${rows}×${columns}`);
  }
  const run = readRun(asObject(payload.run, 'run', fail), fail);

  const range = asObject(shardFields.images, 'shard.images', fail);
  const expected = shardRange(index, count, data.count);
  if (range.start !== expected.start || range.end !== expected.end) {
    throw fail(`expected shard ${index} of ${count} to hold images ${expected.start}–` +
      `${expected.end - 1} of ${data.count}, found ${String(range.start)}–` +
      `${Number(range.end) - 1}`);
  }

  const imagesFields = asObject(payload.images, 'images', fail);
  const table = readImages(imagesFields, expected, fail);
  const confusion = confusionMatrix(table.labels, table.predictions, table.classCount);
  const counts = asObject(payload.counts, 'counts', fail);
  if (JSON.stringify(counts.confusion) !== JSON.stringify(confusion)) {
    throw fail('corrupted: its confusion counts disagree with its predictions');
  }
  const images = readMisclassifiedPixels(imagesFields, table, [rows, columns], fail);

  return {
    shard: { index, count, indexFrom, countFrom, images: expected },
    set: { data, weights, run, table, images },
  };
}

function readData(data: Record<string, unknown>, fail: (detail: string) => Error):
  DataDescription {
  const shape = data.imageShape;
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw fail(`data.imageShape: expected [rows, columns], found ${JSON.stringify(shape)}`);
  }
  return {
    split: data.split === null ? null : text(data.split, 'data.split', fail),
    images: readIdentity(data.images, 'data.images', fail),
    labels: readIdentity(data.labels, 'data.labels', fail),
    count: wholeNumber(data.count, 'data.count', 0, fail, MAX_IMAGES),
    imageShape: [wholeNumber(shape[0], 'data.imageShape[0]', 1, fail, MAX_WIDTH),
      wholeNumber(shape[1], 'data.imageShape[1]', 1, fail, MAX_WIDTH)],
  };
}

function readWeights(weights: Record<string, unknown>, fail: (detail: string) => Error):
  WeightsDescription {
  const widths = weights.widths;
  if (!Array.isArray(widths) || widths.length < 2 || widths.at(-1) !== CLASS_COUNT) {
    throw fail(`weights.widths: expected a list of layer widths ending in ${CLASS_COUNT}, ` +
      `found ${JSON.stringify(widths)}`);
  }
  const metadata = asObject(weights.metadata, 'weights.metadata', fail);
  for (const [key, value] of Object.entries(metadata)) text(value, `weights.metadata.${key}`, fail);
  return {
    file: readIdentity(weights.file, 'weights.file', fail),
    format: text(weights.format, 'weights.format', fail),
    widths: widths.map((width, layer) =>
      wholeNumber(width, `weights.widths[${layer}]`, 1, fail, MAX_WIDTH)),
    hiddenActivation: text(weights.hiddenActivation, 'weights.hiddenActivation', fail),
    metadata: metadata as Record<string, string>,
  };
}

function readRun(run: Record<string, unknown>, fail: (detail: string) => Error):
  RunDescription {
  const number = (name: string) => {
    const value = run[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    throw fail(`run.${name}: expected a number from 0, found ${JSON.stringify(value)}`);
  };
  return {
    workers: number('workers'),
    batchSize: number('batchSize'),
    kernel: text(run.kernel, 'run.kernel', fail),
    startedAt: text(run.startedAt, 'run.startedAt', fail),
    classifyMs: number('classifyMs'),
    wallTimeMs: number('wallTimeMs'),
    retries: number('retries'),
    batchesRetried: number('batchesRetried'),
  };
}

function readIdentity(value: unknown, name: string, fail: (detail: string) => Error):
  FileIdentity {
  const identity = asObject(value, name, fail);
  const digest = text(identity.sha256, `${name}.sha256`, fail);
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    throw fail(`${name}.sha256: expected 64 hexadecimal digits, found ${JSON.stringify(digest)}`);
  }
  return {
    path: text(identity.path, `${name}.path`, fail),
    sha256: digest,
    bytes: wholeNumber(identity.bytes, `${name}.bytes`, 0, fail),
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
  const classCount = wholeNumber(images.classCount, 'images.classCount', CLASS_COUNT, fail,
    CLASS_COUNT);
  const count = range.end - range.start;
  const labels = bytesOf(images.labels, 'images.labels', count, fail);
  const predictions = bytesOf(images.predictions, 'images.predictions', count, fail);
  const probabilityBytes = bytesOf(images.probabilities, 'images.probabilities',
    4 * count * classCount, fail);
  const probabilities = new Float32Array(probabilityBytes.buffer, probabilityBytes.byteOffset,
    count * classCount);

  // each prediction is its row's most probable class, chosen as the workers choose it
  const mostProbable = new Uint8Array(count);
  argmaxRows(probabilities, count, classCount, mostProbable);
  for (let i = 0; i < count; i++) {
    const row = probabilities.subarray(i * classCount, (i + 1) * classCount);
    if (labels[i] >= classCount || !row.every((p) => p >= 0 && p <= 1) ||
      predictions[i] !== mostProbable[i]) {
      throw fail(`image ${range.start + i}: expected a label below ${classCount}, ` +
        'probabilities from 0 to 1 and the most probable class as the prediction, found ' +
        `label ${labels[i]}, prediction ${predictions[i]}, probabilities ${Array.from(row)}`);
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

function asObject(value: unknown, name: string, fail: (detail: string) => Error):
  Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw fail(`${name}: expected an object, found ${value === null ? 'null' : typeof value}`);
}

function wholeNumber(value: unknown, name: string, smallest: number,
  fail: (detail: string) => Error, largest = Number.MAX_SAFE_INTEGER): number {
  if (Number.isSafeInteger(value) && (value as number) >= smallest &&
    (value as number) <= largest) return value as number;
  throw fail(`${name}: expected a whole number from ${smallest} to ${largest}, found ` +
    JSON.stringify(value));
}

function text(value: unknown, name: string, fail: (detail: string) => Error): string {
  if (typeof value === 'string') return value;
  throw fail(`${name}: expected a string, found ${JSON.stringify(value) ?? typeof value}`);
}
