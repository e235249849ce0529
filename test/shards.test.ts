// Shards: the slices, where a shard learns its place, the partial file, and merging, with
// property tests over random shard counts and data sizes.

import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { InputError } from '../src/errors.js';
import { computeMetrics, confusionMatrix } from '../src/report/metrics.js';
import { consecutiveImages } from '../src/report/image-set.js';
import { computeProbabilityFigures } from '../src/report/probability-figures.js';
import { buildReportFiles } from '../src/report/report-files.js';
import { reportFileNames } from '../src/report/report-names.js';
import { buildSummary } from '../src/report/summary.js';
import type { ClassifiedSet } from '../src/report/write-reports.js';
import { mergePartials, type NamedPartial } from '../src/shards/merge.js';
import { decodePartial, encodePartial, partialFileName } from '../src/shards/partial-file.js';
import { chooseShard } from '../src/shards/shard-choice.js';
import { shardRange } from '../src/shards/shard-range.js';
import { TOOL } from '../src/tool.js';

const CLASSES = 10;

// A made-up classified set of `count` images: labels, predictions and softmax-like rows.
function randomSet(count: number, seed: number, sha = 'a'.repeat(64)): ClassifiedSet {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const probabilities = Float32Array.from({ length: count * CLASSES }, () => next());
  // each prediction the row's most probable class, as the pool makes it; most labels agree
  const predictions = Uint8Array.from({ length: count }, (_, image) => {
    const row = probabilities.subarray(image * CLASSES, (image + 1) * CLASSES);
    return row.indexOf(Math.max(...row));
  });
  const labels = predictions.map((predicted) =>
    (next() < 0.8 ? predicted : Math.floor(next() * CLASSES)));
  const pixels = Uint8Array.from({ length: count * 4 }, () => Math.floor(next() * 256));
  const file = (path: string) => ({ path, sha256: sha, bytes: 100 });
  return {
    data: { split: null, images: file('images.idx'), labels: file('labels.idx'), count,
      imageShape: [2, 2] },
    weights: { file: file('weights.safetensors'), format: 'safetensors', widths: [4, 10],
      hiddenActivation: 'sigmoid', metadata: {} },
    run: { workers: 2, batchSize: 100, kernel: 'wasm', startedAt: '2026-01-01T00:00:00.000Z',
      classifyMs: 10, wallTimeMs: 20, retries: 2, batchesRetried: 0 },
    table: { labels, predictions, probabilities, classCount: CLASSES },
    images: consecutiveImages(2, 2, pixels),
  };
}

// Shard `index` of `count` of a set, through its file's text and back, as merge reads it.
function shardOf(set: ClassifiedSet, index: number, count: number): NamedPartial {
  const images = shardRange(index, count, set.data.count);
  const { start, end } = images;
  const { table } = set;
  const partial = {
    shard: { index, count, indexFrom: '--shard-index', countFrom: '--shard-count', images },
    set: { ...set, table: { ...table, labels: table.labels.slice(start, end),
      predictions: table.predictions.slice(start, end),
      probabilities: table.probabilities.slice(start * CLASSES, end * CLASSES) },
    images: { ...set.images, pixelsOf: (image: number) => set.images.pixelsOf(start + image) } },
  };
  const path = partialFileName(index, count);
  return { path, partial: decodePartial(encodePartial(partial), path) };
}

// The report files of a set, as text, with summary.json's run section and the line of
// report.html that shows it left out.
async function reportsOf(set: ClassifiedSet): Promise<Map<string, string>> {
  const { table, images } = set;
  const metrics = computeMetrics(confusionMatrix(table.labels, table.predictions, CLASSES));
  const summary = buildSummary(metrics, computeProbabilityFigures(table), { tool: TOOL,
    data: set.data, weights: set.weights, run: set.run, files: reportFileNames() });
  const files = new Map([...await buildReportFiles({ summary, metrics, table, images })]
    .map(([name, content]) => [name, Buffer.from(content).toString('latin1')]));
  const { run, ...rest } = summary;
  assert.type(run, 'object');
  files.set('summary.json', JSON.stringify(rest));
  files.set('report.html', files.get('report.html')!.replace(/<p [^>]*id="run-section".*\n/, ''));
  return files;
}

function refusal(action: () => unknown): InputError {
  try {
    action();
  } catch (error) {
    assert.instance(error, InputError);
    return error as InputError;
  }
  assert.unreachable('expected an InputError, nothing was thrown');
  throw new Error('unreachable');
}

// ---

const ranges = suite('shard ranges');

ranges('should be disjoint, in order, and cover every image, for any count and size', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100_000 }),
    (count, total) => {
      let expectedStart = 0;
      for (let index = 0; index < count; index++) {
        const { start, end } = shardRange(index, count, total);
        assert.is(start, expectedStart, `shard ${index} of ${count} starts where the last ended`);
        assert.ok(end >= start);
        assert.ok(end - start <= Math.ceil(total / count), 'sizes differ by at most one');
        expectedStart = end;
      }
      assert.is(expectedStart, total, 'the last shard ends at the last image');
    }), { numRuns: 500 });
});

ranges('should follow floor(I·n/N) exactly', () => {
  assert.equal(shardRange(0, 3, 10000), { start: 0, end: 3333 });
  assert.equal(shardRange(1, 3, 10000), { start: 3333, end: 6666 });
  assert.equal(shardRange(2, 3, 10000), { start: 6666, end: 10000 });
  assert.equal(shardRange(4, 7, 3), { start: 1, end: 2 });
});

ranges.run();

// ---

const choice = suite('where a shard learns its index and count');

choice('should be no shard when no flag asks for one, whatever the environment', () => {
  assert.is(chooseShard({ shard: false }, { JOB_COMPLETION_INDEX: '3' }), null);
});

choice('should read the index from each engine\'s variable, and say which', () => {
  for (const variable of ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX',
    'SLURM_ARRAY_TASK_ID', 'CLOUD_RUN_TASK_INDEX']) {
    const shard = chooseShard({ shard: false, count: '4' }, { [variable]: '2' });
    assert.equal(shard, { index: 2, count: 4, indexFrom: variable, countFrom: '--shard-count' });
  }
});

choice('should read the count from Slurm\'s or Cloud Run\'s variable with --shard', () => {
  assert.equal(chooseShard({ shard: true },
    { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
  { index: 1, count: 3, indexFrom: 'SLURM_ARRAY_TASK_ID', countFrom: 'SLURM_ARRAY_TASK_COUNT' });
  assert.equal(chooseShard({ shard: true },
    { CLOUD_RUN_TASK_INDEX: '0', CLOUD_RUN_TASK_COUNT: '5' }),
  { index: 0, count: 5, indexFrom: 'CLOUD_RUN_TASK_INDEX', countFrom: 'CLOUD_RUN_TASK_COUNT' });
});

choice('should prefer the flags to the variables', () => {
  assert.equal(chooseShard({ shard: false, index: '0', count: '2' },
    { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_COUNT: '9' }),
  { index: 0, count: 2, indexFrom: '--shard-index', countFrom: '--shard-count' });
});

choice('should refuse what cannot be a shard, naming the flag or variable', () => {
  const cases: [Parameters<typeof chooseShard>[0], Record<string, string>, RegExp][] = [
    [{ shard: false, count: '4' }, {},
      /^--shard-index: expected a value, or one of the variables JOB_COMPLETION_INDEX/],
    [{ shard: false, index: '1' }, {}, /^--shard-count: expected a value, or one of/],
    [{ shard: false, index: '4', count: '4' }, {},
      /^--shard-index: expected a shard index from 0 to 3 \(4 shards, from --shard-count\)/],
    [{ shard: false, count: '0' }, { JOB_COMPLETION_INDEX: '0' },
      /^--shard-count: expected a whole number from 1/],
    [{ shard: false, count: '2' }, { JOB_COMPLETION_INDEX: 'two' },
      /^JOB_COMPLETION_INDEX: expected a whole number from 0 to 100000, got "two"$/],
    [{ shard: false, count: '2.5' }, { JOB_COMPLETION_INDEX: '0' },
      /^--shard-count: expected a whole number/],
    [{ shard: true }, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3' },
      /^SLURM_ARRAY_TASK_ID: expected a shard index from 0 to 2/],
  ];
  for (const [flags, environment, message] of cases) {
    const error = refusal(() => chooseShard(flags, environment));
    assert.is(error.code, 'ERR_BAD_OPTION');
    assert.match(error.message, message);
  }
});

choice.run();

// ---

const partials = suite('partial files');

partials('should read back exactly what was written', () => {
  const set = randomSet(257, 1);
  const { partial } = shardOf(set, 1, 3);
  const { start, end } = shardRange(1, 3, 257);
  assert.equal(partial.shard.images, { start, end });
  assert.equal(Array.from(partial.set.table.probabilities),
    Array.from(set.table.probabilities.subarray(start * CLASSES, end * CLASSES)));
  assert.equal(Array.from(partial.set.table.labels), Array.from(set.table.labels.subarray(start,
    end)));
});

partials('should refuse a file with any byte of its payload changed', () => {
  const set = randomSet(40, 2);
  const text = encodePartial(shardOf(set, 0, 2).partial);
  const payloadStart = text.indexOf('"payload":') + 12;
  fc.assert(fc.property(fc.integer({ min: payloadStart, max: text.length - 3 }),
    (position) => {
      const changed = text[position] === 'A' ? 'B' : 'A';
      const corrupted = text.slice(0, position) + changed + text.slice(position + 1);
      const error = refusal(() => decodePartial(corrupted, 'p.json'));
      assert.is(error.code, 'ERR_SHARD_FILE');
      assert.match(error.message, /^p\.json: /);
    }), { numRuns: 200 });
});

partials('should refuse a truncated file, or one that is not a shard file', () => {
  const text = encodePartial(shardOf(randomSet(40, 3), 0, 2).partial);
  for (const [corrupted, message] of [
    [text.slice(0, text.length / 2),
      /expected a shard file \(JSON\), found text that does not parse/],
    ['{"format":"other","version":1}',
      /expected a shard file, format "mnist-batch-eval shard" version 1, found format "other"/],
  ] as const) {
    assert.match(refusal(() => decodePartial(corrupted, 'p.json')).message, message);
  }
});

// A partial file with its payload edited and its sha256 made to match again: what a
// hand-made file could hold.
function tampered(text: string, edit: (payload: any) => void): string {
  const file = JSON.parse(text);
  edit(file.payload);
  file.sha256 = createHash('sha256').update(JSON.stringify(file.payload)).digest('hex');
  return JSON.stringify(file);
}

partials('should refuse a well-sealed file whose fields cannot be right', () => {
  const text = encodePartial(shardOf(randomSet(40, 7), 1, 2).partial);
  const cases: [(payload: any) => void, RegExp][] = [
    [(p) => { p.data.images.sha256 = '<img src=x onerror=alert(1)>'; },
      /data\.images\.sha256: expected 64 hexadecimal digits/],
    [(p) => { p.weights.widths = ['<script>', 10]; }, /weights\.widths\[0\]: expected a whole/],
    [(p) => { p.weights.widths = [4, 3]; },
      /weights\.widths: expected a list of layer widths ending in 10/],
    [(p) => { p.images.classCount = 3; },
      /images\.classCount: expected a whole number from 10 to 10/],
    [(p) => { p.data.imageShape = [1, 1]; },
      /data\.imageShape: expected 4 pixels, the network's inputs, found 1×1/],
    [(p) => { p.shard.count = 1e9; }, /shard\.count: expected a whole number from 1 to 100000/],
    [(p) => { p.data.count = 5e12; }, /data\.count: expected a whole number from 0 to 2147483648/],
    [(p) => { p.run.workers = 'two'; }, /run\.workers: expected a number from 0/],
    [(p) => {
      const bytes = Buffer.from(p.images.probabilities, 'base64');
      bytes.writeFloatLE(Number.NaN, 0);
      p.images.probabilities = bytes.toString('base64');
    }, /image 20: expected a label below 10, probabilities from 0 to 1 and the most probable/],
    [(p) => {
      const bytes = Buffer.from(p.images.predictions, 'base64');
      bytes[0] = (bytes[0] + 1) % 10;
      p.images.predictions = bytes.toString('base64');
    }, /image 20: expected .*the most probable class as the prediction/],
  ];
  for (const [edit, message] of cases) {
    const error = refusal(() => decodePartial(tampered(text, edit), 'p.json'));
    assert.is(error.code, 'ERR_SHARD_FILE');
    assert.match(error.message, message);
  }
});

partials.run();

// ---

const merging = suite('merging shards');

merging('should give the whole set\'s reports for any number of shards and any size', async () => {
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 50 }),
    fc.integer({ min: 0, max: 400 }), fc.integer(), async (count, total, seed) => {
      const whole = randomSet(total, seed);
      const shards = Array.from({ length: count }, (_, index) => shardOf(whole, index, count));
      // the order the files come in does not matter
      const merged = mergePartials(shards.reverse());
      assert.equal(await reportsOf(merged), await reportsOf(whole));
      assert.is(merged.run.shards?.length, count);
    }), { numRuns: 60 });
});

merging('should refuse a missing shard, naming it', () => {
  const set = randomSet(100, 4);
  const error = refusal(() => mergePartials([shardOf(set, 0, 4), shardOf(set, 2, 4)]));
  assert.is(error.code, 'ERR_SHARD_SET');
  assert.is(error.message, 'merge: expected all 4 shards, and shards 1 and 3 of 4 are missing');
});

merging('should refuse a shard given twice', () => {
  const set = randomSet(100, 5);
  const twice = { ...shardOf(set, 1, 2), path: 'elsewhere/shard-1-of-2.json' };
  const error = refusal(() => mergePartials([shardOf(set, 0, 2), shardOf(set, 1, 2), twice]));
  assert.is(error.message, 'elsewhere/shard-1-of-2.json: expected each shard once, and shard ' +
    '1 of 2 was already read from shard-1-of-2.json');
});

merging('should refuse shards of other weights, other data, another count or kernel', () => {
  const set = randomSet(100, 6);
  const otherWeights = { ...set, weights: { ...set.weights,
    file: { ...set.weights.file, sha256: 'b'.repeat(64) } } };
  const otherData = { ...set, data: { ...set.data,
    images: { ...set.data.images, sha256: 'c'.repeat(64) } } };
  const otherKernel = { ...set, run: { ...set.run, kernel: 'js' } };
  const cases: [NamedPartial, RegExp][] = [
    [shardOf(otherWeights, 1, 2), /expected the weights \(sha256\) of shard-0-of-2\.json/],
    [shardOf(otherData, 1, 2), /expected the images \(sha256\) of shard-0-of-2\.json/],
    [shardOf(otherKernel, 1, 2), /expected the kernel of shard-0-of-2\.json, wasm, found js/],
    [shardOf(set, 1, 3), /expected the shard count of shard-0-of-2\.json, 2, found 3/],
  ];
  for (const [odd, message] of cases) {
    const error = refusal(() => mergePartials([shardOf(set, 0, 2), odd]));
    assert.is(error.code, 'ERR_SHARD_SET');
    assert.match(error.message, message);
  }
});

merging.run();
