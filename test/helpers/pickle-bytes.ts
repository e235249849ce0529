// Writes pickles of a dict of numpy arrays the way numpy does, so that tests can make valid
// files at random and hostile ones on purpose without Python. Protocol 3 is numpy's
// `_reconstruct` plus BUILD layout (as in the book's sample_weight.pkl); protocol 5 is numpy
// 2's `_frombuffer` with an out-of-band-style BYTEARRAY8 buffer.

import { Buffer } from 'node:buffer';

/** One array to pickle: its values in row-major order, written in the order it names. */
export interface PickledArray {
  key: string;
  code: 'f4' | 'f8';
  byteOrder: '<' | '>';
  shape: number[];
  values: ArrayLike<number>;
  isFortran: boolean;
}

/** Concatenates opcodes: strings are latin1, so '\x80' is the single byte 0x80. */
export function pickleBytes(...parts: (string | Uint8Array)[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((part) =>
    typeof part === 'string' ? Buffer.from(part, 'latin1') : part)));
}

/** BINUNICODE: a str with a 4-byte length. */
export function pickleText(value: string): Uint8Array {
  const utf8 = Buffer.from(value, 'utf8');
  return pickleBytes('X', uint(utf8.length, 4), utf8);
}

/** A BININT of a size, as numpy writes shapes. */
function size(value: number): Uint8Array {
  return pickleBytes('J', uint(value, 4));
}

function uint(value: number | bigint, width: 4 | 8): Uint8Array {
  const bytes = new Uint8Array(width);
  const view = new DataView(bytes.buffer);
  if (width === 4) view.setUint32(0, Number(value), true);
  else view.setBigUint64(0, BigInt(value), true);
  return bytes;
}

/** The array's raw bytes in its own memory order and byte order. */
export function rawArrayBytes(array: PickledArray): Uint8Array {
  const itemBytes = array.code === 'f4' ? 4 : 8;
  const count = array.values.length;
  const bytes = new Uint8Array(count * itemBytes);
  const view = new DataView(bytes.buffer);
  const order = array.isFortran ? columnMajorOrder(array.shape) : undefined;
  for (let index = 0; index < count; index++) {
    const value = array.values[order === undefined ? index : order[index]!]!;
    if (itemBytes === 4) view.setFloat32(index * 4, value, array.byteOrder === '<');
    else view.setFloat64(index * 8, value, array.byteOrder === '<');
  }
  return bytes;
}

// The row-major index of each element, listed in column-major order.
function columnMajorOrder(shape: number[]): number[] {
  const count = shape.reduce((product, length) => product * length, 1);
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const order: number[] = [];
  for (let index = 0; index < count; index++) {
    let rest = index;
    let target = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      target += (rest % shape[axis]!) * strides[axis]!;
      rest = Math.floor(rest / shape[axis]!);
    }
    order.push(target);
  }
  return order;
}

function dtypeOps(array: PickledArray, global: string | Uint8Array): Uint8Array {
  return pickleBytes(global, pickleText(array.code), '\x89\x88\x87R',
    '(K\x03', pickleText(array.byteOrder), 'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb');
}

/** Protocol 3: `_reconstruct(ndarray, (0,), b'b')`, then BUILD with the array's state. */
export function protocol3Array(array: PickledArray): Uint8Array {
  const data = rawArrayBytes(array);
  return pickleBytes(
    'cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R',
    '(K\x01(', ...array.shape.map(size), 't',
    dtypeOps(array, 'cnumpy\ndtype\n'),
    array.isFortran ? '\x88' : '\x89', 'B', uint(data.length, 4), data, 'tb');
}

/** Protocol 5: `_frombuffer(bytearray, dtype, shape, order)` named through STACK_GLOBAL. */
export function protocol5Array(array: PickledArray): Uint8Array {
  const short = (text: string) => pickleBytes('\x8c', Uint8Array.of(text.length), text);
  const data = rawArrayBytes(array);
  return pickleBytes(
    short('numpy._core.numeric'), short('_frombuffer'), '\x93',
    '(', '\x96', uint(data.length, 8), data,
    dtypeOps(array, pickleBytes(short('numpy'), short('dtype'), '\x93')),
    '(', ...array.shape.map(size), 't',
    short(array.isFortran ? 'F' : 'C'), 'tR');
}

/** A whole pickle of a dict of arrays at protocol 3 or 5. */
export function encodeArrayPickle(arrays: PickledArray[], protocol: 3 | 5): Uint8Array {
  const encode = protocol === 3 ? protocol3Array : protocol5Array;
  const items = arrays.flatMap((array) => [pickleText(array.key), encode(array)]);
  return pickleBytes(`\x80${String.fromCharCode(protocol)}}(`, ...items, 'u.');
}
