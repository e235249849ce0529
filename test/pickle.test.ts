import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { InputError, type InputErrorCode } from '../src/errors.js';
import { readPickleTensors } from '../src/model/pickle.js';
import type { Tensor } from '../src/model/tensor.js';

const SUBJECT = 'weights/test.pkl';
const FIXTURES = new URL('./fixtures/pickles/', import.meta.url);
const BOOK_WEIGHTS = new URL('../../shared/fixtures/sample_weight.pkl', import.meta.url);

// The arrays every fixture holds, row-major, as listed in fixtures/pickles/README.md.
const EXPECTED: Record<string, Pick<Tensor, 'dtype' | 'shape'> & { values: number[] }> = {
  W1: { dtype: 'F32', shape: [2, 3], values: [0.5, -1.25, 2, 3.75, -4.5, 6.125] },
  b1: { dtype: 'F32', shape: [3], values: [0.25, -0.5, 1] },
  W2: { dtype: 'F64', shape: [3, 2], values: [0.1, -0.2, 0.3, 1e-300, -7.5, 1e10] },
  b2: { dtype: 'F32', shape: [2], values: [1.5, -2] },
  cube: {
    dtype: 'F64', shape: [2, 3, 2],
    values: Array.from({ length: 12 }, (_, index) => index * 0.5 - 1),
  },
};

const PROTOCOL_FIXTURES = [2, 3, 4, 5].map((protocol) => `tiny-protocol${protocol}.pkl`);
const NUMPY1_FIXTURES = ['tiny-numpy1-protocol3.pkl', 'tiny-numpy1-protocol5.pkl'];

function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

function readError(bytes: Uint8Array): InputError {
  let caught: unknown;
  try {
    readPickleTensors(bytes, SUBJECT);
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, InputError, 'expected an InputError');
  return caught as InputError;
}

// Error tests match the code, the subject and the parts a reader needs, never whole wording.
function assertRefused(bytes: Uint8Array, code: InputErrorCode, ...fragments: string[]): void {
  const error = readError(bytes);
  assert.is(error.code, code, error.message);
  assert.ok(error.message.startsWith(`${SUBJECT}: `), error.message);
  assert.not.match(error.message, /\n/);
  for (const fragment of fragments) assert.match(error.message, fragment);
}

function largestDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
  assert.is(actual.length, expected.length, 'element count');
  let largest = 0;
  for (let index = 0; index < expected.length; index += 1) {
    largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
  }
  return largest;
}

// Hand-made pickles. Strings are written as latin1, so '\x80' is the single byte 0x80.
function bytesOf(...parts: (string | Uint8Array)[]): Uint8Array {
  return Buffer.concat(parts.map((part) =>
    typeof part === 'string' ? Buffer.from(part, 'latin1') : part));
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function text(value: string): Uint8Array {
  const utf8 = Buffer.from(value, 'utf8');
  return bytesOf('X', uint32(utf8.length), utf8);
}

function float32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return bytes;
}

function binBytes(data: Uint8Array): Uint8Array {
  return bytesOf('B', uint32(data.length), data);
}

// What numpy 1 writes at protocol 3 for one array (compare `python3 -m pickletools`);
// `dataOps` pushes the raw bytes.
function arrayOps(shape: number[], dataOps: Uint8Array, code = 'f4', byteOrder = '<') {
  const sizes = shape.map((size) => `J${Buffer.from(uint32(size)).toString('latin1')}`);
  return bytesOf(
    'cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R',
    '(K\x01(', ...sizes, 't',
    'cnumpy\ndtype\n', text(code), '\x89\x88\x87R',
    '(K\x03', text(byteOrder), 'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb',
    '\x89', dataOps, 'tb',
  );
}

function dictPickle(entries: [string, Uint8Array][]): Uint8Array {
  const items = entries.flatMap(([key, value]) => [text(key), value]);
  return bytesOf('\x80\x03}(', ...items, 'u.');
}

// A small deterministic generator (mulberry32), so a failing mutation can be replayed.
function randomGenerator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

function assertOnlyInputErrors(bytes: Uint8Array, label: string): void {
  try {
    readPickleTensors(bytes, SUBJECT);
  } catch (error) {
    if (!(error instanceof InputError)) {
      assert.unreachable(`${label}: threw ${String(error)} instead of an InputError`);
    }
  }
}

const fixtures = suite('readPickleTensors on numpy fixtures');

fixtures('should read protocols 2 to 5 into the same row-major arrays', () => {
  for (const name of [...PROTOCOL_FIXTURES, ...NUMPY1_FIXTURES]) {
    const tensors = readPickleTensors(readFixture(name), name);
    assert.instance(tensors, Map);
    assert.equal([...tensors.keys()], Object.keys(EXPECTED), `${name}: keys in file order`);
    for (const [key, expected] of Object.entries(EXPECTED)) {
      const tensor = tensors.get(key)!;
      assert.is(tensor.dtype, expected.dtype, `${name} ${key} dtype`);
      assert.equal(tensor.shape, expected.shape, `${name} ${key} shape`);
      assert.instance(tensor.values, expected.dtype === 'F32' ? Float32Array : Float64Array);
      const difference = largestDifference(tensor.values, expected.values);
      assert.is(difference, 0, `${name} ${key}: largest difference ${difference}`);
    }
  }
});

fixtures('should accept the numpy 1 module names as well as the numpy 2 ones', () => {
  for (const name of NUMPY1_FIXTURES) {
    const raw = Buffer.from(readFixture(name)).toString('latin1');
    assert.ok(raw.includes('numpy.core.') && !raw.includes('numpy._core.'), name);
    assert.is(readPickleTensors(readFixture(name), name).size, 5);
  }
});

fixtures('should transpose a Fortran-ordered array rather than read it as row-major', () => {
  const tensors = readPickleTensors(readFixture('tiny-protocol3.pkl'), SUBJECT);
  const W1 = tensors.get('W1')!;
  assert.is(W1.values[1], -1.25, 'W1[0, 1]');
  assert.is(W1.values[3], 3.75, 'W1[1, 0]');
  assert.is(tensors.get('cube')!.values[5], 1.5, 'cube[0, 2, 1]');
});

fixtures('should read array data written as a Python 2 string', () => {
  const data = float32Bytes([1.5, -2, 0.25]);
  const bytes = dictPickle([['b1', arrayOps([3], bytesOf('U\x0c', data))]]);
  assert.equal([...readPickleTensors(bytes, SUBJECT).get('b1')!.values], [1.5, -2, 0.25]);
});

fixtures('should treat a "__proto__" key as data', () => {
  const bytes = dictPickle([['__proto__', arrayOps([1], binBytes(float32Bytes([7])))]]);
  const tensors = readPickleTensors(bytes, SUBJECT);
  assert.equal([...tensors.keys()], ['__proto__']);
  assert.equal([...tensors.get('__proto__')!.values], [7]);
  assert.is(Object.getPrototypeOf(tensors), Map.prototype);
});

fixtures.run();

// ---

const book = suite('readPickleTensors on the book\'s sample_weight.pkl');
const bookPath = fileURLToPath(BOOK_WEIGHTS);
const bookTest = existsSync(bookPath) ? book : book.skip;
if (!existsSync(bookPath)) console.log(`skipping the book's weights: ${bookPath} not found`);

bookTest('should read the six arrays with the book\'s shapes', () => {
  const tensors = readPickleTensors(new Uint8Array(readFileSync(bookPath)), bookPath);
  const shapes = Object.fromEntries([...tensors].map(([key, tensor]) => [key, tensor.shape]));
  assert.equal(shapes, {
    b2: [100], W1: [784, 50], b1: [50], W2: [50, 100], W3: [100, 10], b3: [10],
  });
  for (const tensor of tensors.values()) assert.is(tensor.dtype, 'F32');
});

bookTest('should match numpy\'s W[i, j] exactly after undoing the Fortran order', () => {
  const tensors = readPickleTensors(new Uint8Array(readFileSync(bookPath)), bookPath);
  const W1 = tensors.get('W1')!.values;
  const W2 = tensors.get('W2')!.values;
  const W3 = tensors.get('W3')!.values;

  // Values printed by numpy 2.4.6 as repr(float(W[i, j])), exact for float32.
  const actual = [W1[0]!, W1[1]!, W1[2]!, W1[50]!, W1[783 * 50 + 49]!, W2[3 * 100 + 7]!,
    W3[5 * 10 + 2]!, W3[99 * 10 + 9]!, ...tensors.get('b3')!.values];
  const expected = [
    -0.007412489037960768, -0.007904390804469585, -0.013074991293251514,
    -0.010297450236976147, -0.040211476385593414, -0.002336827339604497,
    -0.7129566669464111, 0.03177173063158989,
    -0.060239847749471664, 0.009326279163360596, -0.0135994553565979, 0.021671278402209282,
    0.010737204924225807, 0.0661969855427742, -0.08397342264652252, -0.009122511371970177,
    0.005769616924226284, 0.053233496844768524,
  ];
  const tolerance = 0;
  const difference = largestDifference(actual, expected);
  assert.ok(difference <= tolerance, `largest difference ${difference}, tolerance ${tolerance}`);
});

book.run();

// ---

const globals = suite('readPickleTensors refusing globals');

globals('should refuse os.system in a protocol 0 pickle before running anything', () => {
  const bytes = bytesOf('cos\nsystem\n(S\'echo pwned\'\ntR.');
  assertRefused(bytes, 'ERR_PICKLE_GLOBAL', 'global os.system at byte 0 is not allowed');
});

globals('should refuse code-running globals named through STACK_GLOBAL', () => {
  const names = [['builtins', 'eval'], ['subprocess', 'Popen'], ['posix', 'system']];
  for (const [module, name] of names) {
    const bytes = bytesOf('\x80\x03', text(module!), text(name!), '\x93',
      text('print(1)'), '\x85R.');
    const global = `global ${module}.${name} at byte ${12 + module!.length + name!.length}`;
    assertRefused(bytes, 'ERR_PICKLE_GLOBAL', global);
  }
});

globals('should refuse a harmless global that is not on the allowlist', () => {
  const bytes = bytesOf('\x80\x02ccollections\nOrderedDict\n)R.');
  assertRefused(bytes, 'ERR_PICKLE_GLOBAL', 'collections.OrderedDict');
});

globals('should refuse a global before looking at the rest of the file', () => {
  const bytes = bytesOf('\x80\x03c__builtin__\neval\n', '\xff\xff garbage');
  assertRefused(bytes, 'ERR_PICKLE_GLOBAL', '__builtin__.eval');
});

globals('should quote a global name that would break the message', () => {
  const bytes = bytesOf('\x80\x04', text('os\nx'), text('system'), '\x93.');
  assertRefused(bytes, 'ERR_PICKLE_GLOBAL', '"os\\nx.system"');
});

globals.run();

// ---

const malformed = suite('readPickleTensors refusing malformed pickles');
const valid = readFixture('tiny-protocol3.pkl');

malformed('should refuse a file truncated at any of several points', () => {
  for (const length of [0, 1, 2, 40, 200, valid.length - 1]) {
    assertRefused(valid.subarray(0, length), 'ERR_PICKLE_FORMAT', 'truncated');
  }
});

malformed('should name an unknown or refused opcode and its offset', () => {
  assertRefused(bytesOf('\x80\x03\xff.'), 'ERR_PICKLE_FORMAT', 'opcode 0xff at byte 2');
  assertRefused(bytesOf('\x80\x03NN2.'), 'ERR_PICKLE_FORMAT', 'opcode DUP (0x32) at byte 4');
  assertRefused(bytesOf('\x80\x06N.'), 'ERR_PICKLE_FORMAT', 'protocol 6');
});

malformed('should check a claimed length against the bytes left before allocating', () => {
  assertRefused(bytesOf('\x80\x03B', uint32(1000), 'abc.'), 'ERR_PICKLE_FORMAT',
    'BINBYTES at byte 2 claims 1000 bytes, but only 4 remain');
  const huge = bytesOf('\x80\x04\x8e\x00\x00\x00\x00\x00\x01\x00\x00.');
  assertRefused(huge, 'ERR_PICKLE_FORMAT', 'BINBYTES8 at byte 2 claims 1099511627776 bytes');
});

malformed('should refuse a top-level object that is not a dict', () => {
  assertRefused(bytesOf('\x80\x03](K\x01e.'), 'ERR_PICKLE_FORMAT', 'top-level object is a list');
});

malformed('should refuse a shape that disagrees with the byte count', () => {
  const short = dictPickle([['W1', arrayOps([2, 3], binBytes(float32Bytes([1, 2, 3, 4, 5])))]]);
  assertRefused(short, 'ERR_PICKLE_FORMAT', 'shape [2, 3]', 'needs 24 bytes, found 20');
  const huge = [2 ** 30, 2 ** 30, 2 ** 30];
  const overflow = dictPickle([['W1', arrayOps(huge, binBytes(float32Bytes([1])))]]);
  assertRefused(overflow, 'ERR_PICKLE_FORMAT', 'found 4');
});

malformed('should refuse keys, values and dtypes that are not a dict of float arrays', () => {
  const numberKey = bytesOf('\x80\x03}K\x01K\x02s.');
  assertRefused(numberKey, 'ERR_PICKLE_FORMAT', 'dict key at byte 7 is the number 1');
  assertRefused(dictPickle([['b1', bytesOf('N')]]), 'ERR_PICKLE_FORMAT',
    'value of "b1" is None, expected a numpy array');
  const integers = dictPickle([['labels', arrayOps([2], binBytes(new Uint8Array(16)), 'i8')]]);
  assertRefused(integers, 'ERR_PICKLE_FORMAT', 'array "labels" has dtype "i8"', 'not supported');
  const objects = dictPickle([['W1', arrayOps([1], binBytes(new Uint8Array(8)), 'O8', '|')]]);
  assertRefused(objects, 'ERR_PICKLE_FORMAT', 'array "W1" has dtype "O8"');
});

malformed('should refuse stack, MARK and memo misuse', () => {
  assertRefused(bytesOf('\x80\x03R.'), 'ERR_PICKLE_FORMAT', 'REDUCE at byte 2 needs 2 values');
  assertRefused(bytesOf('\x80\x03N(\x85.'), 'ERR_PICKLE_FORMAT', 'TUPLE1 at byte 4 needs 1');
  assertRefused(bytesOf('\x80\x03Nt.'), 'ERR_PICKLE_FORMAT', 'TUPLE at byte 3 found no MARK');
  assertRefused(bytesOf('\x80\x03h\x07.'), 'ERR_PICKLE_FORMAT', 'memo entry 7');
  assertRefused(bytesOf('\x80\x03NN.'), 'ERR_PICKLE_FORMAT', 'found 2 values');
});

malformed('should refuse bytes after STOP', () => {
  assertRefused(bytesOf(valid, 'junk'), 'ERR_PICKLE_FORMAT', '4 bytes after the STOP opcode');
});

malformed('should refuse a buffer reused through the memo to inflate memory', () => {
  const data = binBytes(float32Bytes(new Array(1000).fill(1)));
  const entries: [string, Uint8Array][] = [['a0', arrayOps([1000], bytesOf(data, 'q\x00'))]];
  for (let index = 1; index < 10; index += 1) {
    entries.push([`a${index}`, arrayOps([1000], bytesOf('h\x00'))]);
  }
  assertRefused(dictPickle(entries), 'ERR_PICKLE_FORMAT', 'more than twice the file size');
});

malformed.run();

// ---

const hostile = suite('readPickleTensors on random and damaged input');

hostile('should throw only InputError for every truncation of every fixture', () => {
  for (const name of [...PROTOCOL_FIXTURES, ...NUMPY1_FIXTURES]) {
    const bytes = readFixture(name);
    for (let length = 0; length < bytes.length; length += 1) {
      assertRefused(bytes.subarray(0, length), 'ERR_PICKLE_FORMAT');
    }
  }
});

hostile('should throw only InputError for bit-flipped fixtures', () => {
  const random = randomGenerator(20261203);
  for (const name of [...PROTOCOL_FIXTURES, ...NUMPY1_FIXTURES]) {
    for (let run = 0; run < 2000; run += 1) {
      const bytes = readFixture(name);
      const flips = 1 + Math.floor(random() * 4);
      for (let flip = 0; flip < flips; flip += 1) {
        bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
      }
      assertOnlyInputErrors(bytes, `${name} run ${run}`);
    }
  }
});

hostile('should throw only InputError for random bytes', () => {
  const random = randomGenerator(7);
  for (let run = 0; run < 2000; run += 1) {
    const bytes = new Uint8Array(2 + Math.floor(random() * 64));
    for (let index = 0; index < bytes.length; index += 1) {
      bytes[index] = Math.floor(random() * 256);
    }
    if (run % 2 === 0) bytes.set([0x80, 0x03]);
    assertOnlyInputErrors(bytes, `random run ${run}`);
  }
});

hostile.run();
