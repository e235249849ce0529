import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { InputError, type InputErrorCode } from '../src/errors.js';
import { encodeSafetensors, readSafetensors } from '../src/model/safetensors.js';
import type { Tensor } from '../src/model/tensor.js';

const SUBJECT = 'weights/model.safetensors';

function f32(shape: number[], values: number[]): Tensor {
  return { dtype: 'F32', shape, values: Float32Array.from(values) };
}

function f64(shape: number[], values: number[]): Tensor {
  return { dtype: 'F64', shape, values: Float64Array.from(values) };
}

// Builds a file by hand, the way the Python library lays it out, without our writer.
function handMadeFile(header: string, data: number[] = [], padding = ' '): Uint8Array {
  let text = header;
  while (padding !== '' && Buffer.byteLength(text) % 8 !== 0) text += padding;
  const headerBytes = Buffer.from(text, 'utf8');
  const file = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  file.set(data, 8 + headerBytes.length);
  return file;
}

function littleEndian(dtype: 'F32' | 'F64', values: number[]): number[] {
  const size = dtype === 'F32' ? 4 : 8;
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((value, index) => {
    if (dtype === 'F32') view.setFloat32(index * size, value, true);
    else view.setFloat64(index * size, value, true);
  });
  return [...new Uint8Array(view.buffer)];
}

function entry(dtype: string, shape: unknown[], begin: number, end: number): string {
  return JSON.stringify({ dtype, shape, data_offsets: [begin, end] });
}

function refusal(bytes: Uint8Array): InputError {
  try {
    readSafetensors(bytes, SUBJECT);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the file to be refused, but it loaded');
}

function assertRefused(bytes: Uint8Array, code: InputErrorCode, pattern: RegExp): void {
  const error = refusal(bytes);
  assert.is(error.code, code, error.message);
  assert.ok(error.message.startsWith(`${SUBJECT}: `), error.message);
  assert.ok(!error.message.includes('\n'), error.message);
  assert.match(error.message, pattern);
}

const sample = new Map<string, Tensor>([
  ['W1', f32([2, 3], [1, -2.5, 3.25, 0, -0, Infinity])],
  ['b1', f32([3], [0.1, 0.2, 0.3])],
  ['scale', f64([], [Math.PI])],
  ['history', f64([2], [1e-300, -1e300])],
  ['empty', f32([3, 0], [])],
]);
const sampleMetadata = { format: 'mnist-mlp', layers: '784-50-100-10' };

// ---

const roundTrip = suite('encodeSafetensors then readSafetensors');

roundTrip('should read back every tensor with its dtype, shape and exact values', () => {
  const file = readSafetensors(encodeSafetensors(sample, sampleMetadata), SUBJECT);

  assert.equal(file.metadata, sampleMetadata);
  assert.equal([...file.tensors.keys()].sort(), [...sample.keys()].sort());
  for (const [name, expected] of sample) {
    const actual = file.tensors.get(name)!;
    assert.is(actual.dtype, expected.dtype, name);
    assert.equal(actual.shape, expected.shape, name);
    assert.is(actual.values.constructor, expected.values.constructor, name);
    assert.equal([...actual.values], [...expected.values], name);
  }
});

roundTrip('should re-encode what it read to identical bytes', () => {
  const bytes = encodeSafetensors(sample, sampleMetadata);
  const file = readSafetensors(bytes, SUBJECT);

  assert.equal(encodeSafetensors(file.tensors, file.metadata), bytes);
});

roundTrip('should not depend on the insertion order of tensors or metadata', () => {
  const reversed = new Map([...sample].reverse());
  const metadata = { layers: sampleMetadata.layers, format: sampleMetadata.format };

  assert.equal(encodeSafetensors(reversed, metadata), encodeSafetensors(sample, sampleMetadata));
});

roundTrip('should order tensors widest dtype first, then by name, like the Rust writer', () => {
  const bytes = encodeSafetensors(sample, sampleMetadata);
  const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8');

  assert.is(headerLength % 8, 0);
  assert.ok(header.startsWith('{"__metadata__":{"format":"mnist-mlp","layers":'), header);
  const names = [...header.matchAll(/"(\w+)":\{"dtype"/g)].map((match) => match[1]);
  assert.equal(names, ['history', 'scale', 'W1', 'b1', 'empty']);
});

roundTrip('should omit __metadata__ when there is none', () => {
  const bytes = encodeSafetensors(new Map([['b1', f32([1], [2])]]), {});
  const header = Buffer.from(bytes.subarray(8)).toString('utf8');

  assert.ok(header.startsWith('{"b1":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'));
  assert.equal(readSafetensors(bytes, SUBJECT).metadata, {});
});

roundTrip('should keep awkward names such as "__proto__" and "0"', () => {
  const tensors = new Map([
    ['10', f32([1], [1])],
    ['0', f32([1], [2])],
    ['__proto__', f32([], [3])],
  ]);
  const metadata = JSON.parse('{"__proto__":"kept"}') as Record<string, string>;
  const file = readSafetensors(encodeSafetensors(tensors, metadata), SUBJECT);

  assert.equal([...file.tensors.keys()], ['0', '10', '__proto__']);
  assert.equal(Object.keys(file.metadata), ['__proto__']);
  assert.is(file.metadata['__proto__'], 'kept');
});

roundTrip('should refuse to encode values that do not fit the shape', () => {
  assert.throws(() => encodeSafetensors(new Map([['W1', f32([2, 2], [1])]]), {}), RangeError);
});

roundTrip.run();

// ---

const pythonLayout = suite('readSafetensors on a file laid out like the Python library');

pythonLayout('should load tensors and metadata from a hand-built file', () => {
  const header = '{"__metadata__":{"format":"pt"},' +
    `"scale":${entry('F64', [], 0, 8)},` +
    `"W1":${entry('F32', [2, 2], 8, 24)},` +
    `"b1":${entry('F32', [2], 24, 32)}}`;
  const data = [
    ...littleEndian('F64', [0.5]),
    ...littleEndian('F32', [1, 2, 3, 4]),
    ...littleEndian('F32', [-1, 1]),
  ];
  const file = readSafetensors(handMadeFile(header, data), 'python.safetensors');

  assert.equal(file.metadata, { format: 'pt' });
  assert.equal([...file.tensors.keys()], ['scale', 'W1', 'b1']);
  const scale = file.tensors.get('scale');
  assert.equal(scale, { dtype: 'F64', shape: [], values: Float64Array.of(0.5) });
  assert.equal(file.tensors.get('W1')!.shape, [2, 2]);
  assert.equal([...file.tensors.get('W1')!.values], [1, 2, 3, 4]);
  assert.equal([...file.tensors.get('b1')!.values], [-1, 1]);
});

pythonLayout('should copy tensors out of an unaligned buffer into fresh arrays', () => {
  const header = `{"W1":${entry('F32', [2], 0, 8)}}`;
  const file = handMadeFile(header, littleEndian('F32', [1.5, -2]), '');
  const unaligned = new Uint8Array(file.length + 1).subarray(1);
  unaligned.set(file);

  const values = readSafetensors(unaligned, SUBJECT).tensors.get('W1')!.values;
  assert.is(values.byteOffset, 0);
  assert.equal([...values], [1.5, -2]);
});

pythonLayout('should accept a file with no tensors and no padding', () => {
  const file = readSafetensors(handMadeFile('{}', [], ''), SUBJECT);

  assert.is(file.tensors.size, 0);
  assert.equal(file.metadata, {});
});

pythonLayout.run();

// ---

const refusals = suite('readSafetensors refusals');
const oneTensor = (shape: unknown[] = [2], dtype = 'F32', end = 8) =>
  handMadeFile(`{"W1":${entry(dtype, shape, 0, end)}}`, new Array(end).fill(0));

refusals('should refuse a header length of 2^60 without allocating it', () => {
  const file = new Uint8Array(16);
  new DataView(file.buffer).setBigUint64(0, 2n ** 60n, true);

  assertRefused(file, 'ERR_SAFETENSORS_FORMAT', /1152921504606846976 exceeds the limit/);
});

refusals('should refuse a header longer than the file', () => {
  const file = handMadeFile('{}', [], '');
  new DataView(file.buffer).setBigUint64(0, 100n, true);

  assertRefused(file, 'ERR_SAFETENSORS_FORMAT', /needs 108 bytes, but the file has 10/);
});

refusals('should refuse a header that is not json', () => {
  assertRefused(handMadeFile('{"W1": oops}'), 'ERR_SAFETENSORS_FORMAT', /not valid json/);
});

refusals('should refuse a header that does not start with {', () => {
  assertRefused(handMadeFile(' {}'), 'ERR_SAFETENSORS_FORMAT', /starts with " {}/);
  assertRefused(handMadeFile('[]'), 'ERR_SAFETENSORS_FORMAT', /expected "\{"/);
  assertRefused(handMadeFile('\ufeff{}'), 'ERR_SAFETENSORS_FORMAT', /expected "\{"/);
});

refusals('should refuse a header that is not utf-8', () => {
  const file = handMadeFile('{"\u00ff":1}', [], '');
  file[10] = 0xff;

  assertRefused(file, 'ERR_SAFETENSORS_FORMAT', /not valid utf-8/);
});

refusals('should refuse metadata that is not an object of strings', () => {
  const number = handMadeFile('{"__metadata__":{"format":"pt","epochs":3}}');
  const expected = /__metadata__ value epochs is 3, expected a string/;
  assertRefused(number, 'ERR_SAFETENSORS_FORMAT', expected);
  const empty = handMadeFile('{"__metadata__":null}');
  assertRefused(empty, 'ERR_SAFETENSORS_FORMAT', /__metadata__ is null, expected an object/);
});

refusals('should refuse offsets that leave a hole between tensors', () => {
  const header = `{"W1":${entry('F32', [1], 0, 4)},"b1":${entry('F32', [1], 8, 12)}}`;

  assertRefused(handMadeFile(header, new Array(12).fill(0)), 'ERR_SAFETENSORS_FORMAT',
    /tensor b1 starts at data offset 8, expected 4 \(leaving a hole after tensor W1\)/);
});

refusals('should refuse overlapping offsets', () => {
  const header = `{"W1":${entry('F32', [2], 0, 8)},"b1":${entry('F32', [1], 4, 8)}}`;

  assertRefused(handMadeFile(header, new Array(8).fill(0)), 'ERR_SAFETENSORS_FORMAT',
    /tensor b1 starts at data offset 4, expected 8 \(overlapping tensor W1\)/);
});

refusals('should refuse a file with bytes after the last tensor', () => {
  const file = handMadeFile(`{"W1":${entry('F32', [1], 0, 4)}}`, [0, 0, 0, 0, 9, 9]);

  assertRefused(file, 'ERR_SAFETENSORS_FORMAT', /found 2 trailing bytes/);
});

refusals('should refuse a byte count that does not match the shape', () => {
  const header = `{"W2":${entry('F32', [50, 100], 0, 100)}}`;

  const error = refusal(handMadeFile(header, new Array(100).fill(0)));
  assert.is(error.code, 'ERR_SAFETENSORS_FORMAT');
  assert.is(error.message, `${SUBJECT}: tensor W2 has data_offsets [0, 100] (100 bytes), ` +
    'expected 20000 bytes for F32 [50, 100]');
});

refusals('should refuse negative, fractional and absurd shapes', () => {
  assertRefused(oneTensor([-2]), 'ERR_SAFETENSORS_FORMAT', /shape \[-2\], expected an array/);
  assertRefused(oneTensor([1.5]), 'ERR_SAFETENSORS_FORMAT', /shape \[1.5\]/);
  assertRefused(oneTensor(['2']), 'ERR_SAFETENSORS_FORMAT', /shape \["2"\]/);
  assertRefused(oneTensor([2 ** 40, 2 ** 40]), 'ERR_SAFETENSORS_FORMAT', /too large/);
});

refusals('should refuse F16 as unsupported, naming the tensor and dtype', () => {
  const pattern = /tensor W1 has dtype F16, which is not supported/;
  assertRefused(oneTensor([4], 'F16'), 'ERR_UNSUPPORTED', pattern);
});

refusals('should refuse an unknown or missing dtype as a format error', () => {
  assertRefused(oneTensor([2], 'F17'), 'ERR_SAFETENSORS_FORMAT', /dtype "F17", expected a/);
  const missing = handMadeFile('{"W1":{"shape":[],"data_offsets":[0,0]}}');
  assertRefused(missing, 'ERR_SAFETENSORS_FORMAT', /tensor W1 has dtype missing/);
});

refusals('should refuse duplicate keys that json.parse would hide', () => {
  const header = `{"W1":${entry('F32', [1], 0, 4)},"W1":${entry('F32', [1], 0, 4)}}`;

  assertRefused(handMadeFile(header, [0, 0, 0, 0]), 'ERR_SAFETENSORS_FORMAT', /key W1 twice/);
});

refusals('should refuse a file truncated at any point', () => {
  const bytes = encodeSafetensors(sample, sampleMetadata);
  const headerLength = Number(Buffer.from(bytes).readBigUInt64LE(0));

  const cuts = [0, 3, 7, 8, 20, 8 + headerLength - 1, 8 + headerLength + 5, bytes.length - 1];
  for (const cut of cuts) {
    assertRefused(bytes.subarray(0, cut), 'ERR_SAFETENSORS_FORMAT', /./);
  }
});

refusals.run();

// ---

const robustness = suite('readSafetensors on damaged files');

// A fixed-seed generator keeps failures reproducible.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

robustness('should either load or throw InputError after any single bit flip', () => {
  const bytes = encodeSafetensors(sample, sampleMetadata);
  const next = random(7);

  for (let trial = 0; trial < 3000; trial++) {
    const damaged = bytes.slice();
    const bit = Math.floor(next() * damaged.length * 8);
    damaged[bit >> 3] ^= 1 << (bit & 7);
    try {
      readSafetensors(damaged, SUBJECT);
    } catch (error) {
      assert.instance(error, InputError, `bit ${bit}: ${String(error)}`);
    }
  }
});

robustness('should throw only InputError for random bytes behind a plausible length', () => {
  const next = random(11);

  for (let trial = 0; trial < 500; trial++) {
    const file = new Uint8Array(8 + Math.floor(next() * 64));
    for (let index = 0; index < file.length; index++) file[index] = Math.floor(next() * 256);
    if (trial % 2 === 0) file.set([Math.floor(next() * 60), 0, 0, 0, 0, 0, 0, 0]);
    if (trial % 4 === 0 && file.length > 8) file[8] = 0x7b;
    try {
      readSafetensors(file, SUBJECT);
    } catch (error) {
      assert.instance(error, InputError, String(error));
    }
  }
});

robustness.run();
