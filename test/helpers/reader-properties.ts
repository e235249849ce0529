// Properties of every reader of untrusted files, for fast-check: valid files made at random
// read back exactly, and damaged ones (truncated, bit-flipped, bytes inserted or removed,
// headers that claim other sizes) are either read correctly or refused with one InputError
// line naming the file. Never another exception, and never a result larger than the file
// justifies. `npm test` runs each a few hundred times; `npm run fuzz` as often as asked.

import { gzipSync } from 'node:zlib';

import fc from 'fast-check';

import { InputError } from '../../src/errors.js';
import { readIdx } from '../../src/data/idx.js';
import { readPickleTensors } from '../../src/model/pickle.js';
import { encodeSafetensors, readSafetensors } from '../../src/model/safetensors.js';
import type { Tensor } from '../../src/model/tensor.js';
import { encodeIdx } from './idx-bytes.js';
import { encodeArrayPickle, type PickledArray } from './pickle-bytes.js';

/** A named property, and how to check it with fast-check's parameters (numRuns, seed). */
export interface ReaderProperty {
  name: string;
  check(parameters: fc.Parameters<unknown>): void;
}

function named<T extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IPropertyWithHooks<T>,
): ReaderProperty {
  return { name, check: (parameters) => fc.assert(property, parameters as fc.Parameters<T>) };
}

const SUBJECT = 'fuzz/input';
// Deflate packs at most 1032 bytes into one.
const MAX_DEFLATE_RATIO = 1032;

// --- damage

type Damage =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: number[] }
  | { kind: 'write'; at: number; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'remove'; at: number; count: number };

// Header fields sit near the start, so positions there are drawn often; values that are
// classic lies (2^31, 2^32 - 1, 2^60) often too.
const position = fc.oneof(fc.nat({ max: 24 }), fc.nat());
const lyingBytes = fc.oneof(
  fc.constantFrom(
    Uint8Array.of(0x80, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff),
    Uint8Array.of(0, 0, 0, 0x80), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x10),
    Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0)),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const),
    bits: fc.array(fc.oneof(fc.nat({ max: 255 }), fc.nat()), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('write' as const), at: position, bytes: lyingBytes }),
  fc.record({ kind: fc.constant('insert' as const), at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('remove' as const), at: position,
    count: fc.integer({ min: 1, max: 12 }) }),
);

/** Applies damage to a copy of `bytes`; positions wrap around the file's length. */
export function applyDamage(bytes: Uint8Array, change: Damage): Uint8Array {
  const length = bytes.length;
  if (length === 0) return bytes;
  const at = 'at' in change ? change.at % length : 0;

  if (change.kind === 'truncate') return bytes.slice(0, at);
  const [before, after] = [bytes.subarray(0, at), bytes.subarray(at)];
  if (change.kind === 'remove') return concat(before, after.subarray(change.count));
  if (change.kind === 'insert') return concat(before, change.bytes, after);

  const copy = bytes.slice();
  if (change.kind === 'write') {
    copy.set(change.bytes.subarray(0, length - at), at);
  } else {
    for (const bit of change.bits) copy[Math.floor(bit / 8) % length]! ^= 1 << (bit % 8);
  }
  return copy;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// Reads `bytes`; a refusal must be one documented line naming the file, and a result must
// hold no more than `maxBytes(result)` allows. Anything else fails the property.
function readOrRefuse<T>(read: () => T, maxBytes: (result: T) => boolean): void {
  let result: T;
  try {
    result = read();
  } catch (error) {
    if (!(error instanceof InputError)) {
      throw new Error(`expected an InputError or a result, got ${String(error)}`, { cause: error });
    }
    if (!error.message.startsWith(`${SUBJECT}: `) || error.message.includes('\n')) {
      throw new Error(`expected one line naming ${SUBJECT}, got ${JSON.stringify(error.message)}`);
    }
    return;
  }
  if (!maxBytes(result)) throw new Error('the result holds more bytes than the file justifies');
}

// --- IDX

const idxFile = fc.oneof(
  fc.record({ count: fc.nat({ max: 12 }) }).chain(({ count }) =>
    fc.uint8Array({ minLength: count, maxLength: count })
      .map((data) => ({ dimensions: [count], data }))),
  fc.record({ count: fc.nat({ max: 8 }), rows: fc.nat({ max: 6 }), columns: fc.nat({ max: 6 }) })
    .chain(({ count, rows, columns }) => {
      const length = count * rows * columns;
      return fc.uint8Array({ minLength: length, maxLength: length })
        .map((data) => ({ dimensions: [count, rows, columns], data }));
    }),
);

// Labels files have rank 1 and images files rank 3; the reader is told which it expects.
function readAnyIdx(bytes: Uint8Array, rank: number) {
  return readIdx(bytes, SUBJECT, { rank, itemName: rank === 1 ? 'label' : 'image' });
}

// --- safetensors

const tensorName = fc.string({ minLength: 1, maxLength: 8 })
  .filter((name) => name !== '__metadata__');
const tensor: fc.Arbitrary<Tensor> = fc.record({
  dtype: fc.constantFrom('F32' as const, 'F64' as const),
  shape: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }),
}).chain(({ dtype, shape }) => {
  const count = shape.reduce((product, length) => product * length, 1);
  const itemBytes = dtype === 'F32' ? 4 : 8;
  return fc.uint8Array({ minLength: count * itemBytes, maxLength: count * itemBytes })
    .map((raw) => ({ dtype, shape, values: dtype === 'F32' ? new Float32Array(raw.buffer) :
      new Float64Array(raw.buffer) }));
});
const safetensorsFile: fc.Arbitrary<TensorsFile> = fc.record({
  tensors: fc.uniqueArray(fc.tuple(tensorName, tensor), { selector: ([name]) => name,
    maxLength: 4 }),
  metadata: fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 })),
    { maxLength: 3 }),
});

interface TensorsFile {
  tensors: [string, Tensor][];
  metadata: [string, string][];
}

function encodeTensors({ tensors, metadata }: TensorsFile): Uint8Array {
  const record: Record<string, string> = {};
  for (const [key, value] of metadata) {
    Object.defineProperty(record, key, { value, enumerable: true, configurable: true,
      writable: true });
  }
  return encodeSafetensors(new Map(tensors), record);
}

function tensorBytes(tensors: Iterable<Tensor>): number {
  let total = 0;
  for (const { values } of tensors) total += values.byteLength;
  return total;
}

// --- pickle

const pickledArray = (key: string): fc.Arbitrary<PickledArray> => fc.record({
  code: fc.constantFrom('f4' as const, 'f8' as const),
  byteOrder: fc.constantFrom('<' as const, '>' as const),
  shape: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }),
  isFortran: fc.boolean(),
}).chain((array) => {
  const count = array.shape.reduce((product, length) => product * length, 1);
  const value = array.code === 'f4' ? fc.float() : fc.double();
  return fc.array(value, { minLength: count, maxLength: count })
    .map((values) => ({ ...array, key, values }));
});
const pickleFile = fc.record({
  protocol: fc.constantFrom(3 as const, 5 as const),
  arrays: fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 4 })
    .chain((keys) => fc.tuple(...keys.map(pickledArray))),
});

function sameNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>): boolean {
  if (actual.length !== expected.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (!Object.is(actual[index], expected[index])) return false;
  }
  return true;
}

// --- the properties

/** Every reader's properties, in the order they are run. */
export const READER_PROPERTIES: ReaderProperty[] = [
  named('IDX: a valid file, plain or gzip, reads back its dimensions and bytes',
    fc.property(idxFile, fc.boolean(), ({ dimensions, data }, isGzip) => {
      const plain = encodeIdx(dimensions, data);
      const read = readAnyIdx(isGzip ? gzipSync(plain) : plain, dimensions.length);
      return JSON.stringify(read.dimensions) === JSON.stringify(dimensions) &&
        Buffer.compare(read.data, data) === 0;
    })),
  named('IDX: a damaged plain file is read or refused, never more than its own bytes',
    fc.property(idxFile, damage, ({ dimensions, data }, change) => {
      const bytes = applyDamage(encodeIdx(dimensions, data), change);
      readOrRefuse(() => readAnyIdx(bytes, dimensions.length),
        (read) => read.data.length <= bytes.length);
    })),
  named('IDX: a gzip file damaged before or after compressing is read or refused',
    fc.property(idxFile, damage, fc.boolean(), ({ dimensions, data }, change,
      isAfter) => {
      const plain = encodeIdx(dimensions, data);
      const bytes = isAfter ? applyDamage(gzipSync(plain), change) :
        gzipSync(applyDamage(plain, change));
      readOrRefuse(() => readAnyIdx(bytes, dimensions.length),
        (read) => read.data.length <= MAX_DEFLATE_RATIO * bytes.length);
    })),
  named('safetensors: valid tensors and metadata read back, and re-encode to the same bytes',
    fc.property(safetensorsFile, (file) => {
      const bytes = encodeTensors(file);
      const { tensors, metadata } = readSafetensors(bytes, SUBJECT);
      const isSame = file.tensors.every(([name, expected]) => {
        const actual = tensors.get(name);
        return actual !== undefined && actual.dtype === expected.dtype &&
          JSON.stringify(actual.shape) === JSON.stringify(expected.shape) &&
          Buffer.compare(new Uint8Array(actual.values.buffer),
            new Uint8Array(expected.values.buffer)) === 0;
      });
      const expectedMetadata = Object.fromEntries(file.metadata);
      return isSame && tensors.size === file.tensors.length &&
        JSON.stringify(Object.entries(metadata).sort()) ===
          JSON.stringify(Object.entries(expectedMetadata).sort()) &&
        Buffer.compare(encodeSafetensors(tensors, metadata), bytes) === 0;
    })),
  named('safetensors: a damaged file is read or refused, never more than its own bytes',
    fc.property(safetensorsFile, damage, (file, change) => {
      const bytes = applyDamage(encodeTensors(file), change);
      readOrRefuse(() => readSafetensors(bytes, SUBJECT),
        (read) => tensorBytes(read.tensors.values()) <= bytes.length);
    })),
  named('pickle: numpy arrays of any order, byte order and protocol read back row-major',
    fc.property(pickleFile, ({ protocol, arrays }) => {
      const tensors = readPickleTensors(encodeArrayPickle(arrays, protocol), SUBJECT);
      return tensors.size === arrays.length && arrays.every((array) => {
        const actual = tensors.get(array.key);
        const expected = array.code === 'f4' ? Float32Array.from(array.values) :
          Float64Array.from(array.values);
        return actual !== undefined && actual.dtype === (array.code === 'f4' ? 'F32' : 'F64') &&
          JSON.stringify(actual.shape) === JSON.stringify(array.shape) &&
          sameNumbers(actual.values, expected);
      });
    })),
  named('pickle: a damaged file is read or refused, never more than twice its bytes',
    fc.property(pickleFile, damage, ({ protocol, arrays }, change) => {
      const bytes = applyDamage(encodeArrayPickle(arrays, protocol), change);
      readOrRefuse(() => readPickleTensors(bytes, SUBJECT),
        (read) => tensorBytes(read.values()) <= 2 * bytes.length);
    })),
];
