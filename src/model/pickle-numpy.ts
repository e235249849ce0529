// The numpy half of our unpickler. A pickled float array names a few numpy functions; each
// allowlisted name maps to an inert stand-in here that only records data, so nothing the
// file names is ever imported or called. Any other name is refused before it is used.
import { Buffer } from 'node:buffer';

import { inputError } from '../errors.js';
import { elementCount, type Tensor, type TensorDtype } from './tensor.js';

/** What an allowlisted global stands for once resolved. */
export type GlobalRole = 'reconstruct' | 'frombuffer' | 'ndarray' | 'dtype' | 'encode';

// numpy 2 moved numpy.core to numpy._core, and files from either era are in use.
const ALLOWED_GLOBALS: ReadonlyMap<string, GlobalRole> = new Map([
  ['numpy.core.multiarray._reconstruct', 'reconstruct'],
  ['numpy._core.multiarray._reconstruct', 'reconstruct'],
  ['numpy.core.numeric._frombuffer', 'frombuffer'],
  ['numpy._core.numeric._frombuffer', 'frombuffer'],
  ['numpy.ndarray', 'ndarray'],
  ['numpy.dtype', 'dtype'],
  ['_codecs.encode', 'encode'],
]);

const ITEM_TYPES: ReadonlyMap<string, { dtype: TensorDtype; itemBytes: number }> = new Map([
  ['f4', { dtype: 'F32', itemBytes: 4 }],
  ['f8', { dtype: 'F64', itemBytes: 8 }],
]);

// Whether each byte order is little-endian. '=' is the writer's native order, which we take
// as little-endian like every machine numpy commonly runs on (numpy itself writes '<').
const IS_LITTLE_ENDIAN: ReadonlyMap<string, boolean> = new Map([
  ['<', true], ['|', true], ['=', true], ['>', false],
]);

// numpy's own NPY_MAXDIMS; it also bounds the work a shape reused through the memo can cause.
const MAX_DIMENSIONS = 64;

/** Where the machine is, so a numpy-level error can name the file and the byte offset. */
export interface PickleSite {
  subject: string;
  offset: number;
  // Bytes all arrays may still decode into, so a buffer reused through the memo cannot
  // make a small file allocate gigabytes.
  decodeBudget: number;
}

/** A resolved allowlisted global: a name and a role, never a function. */
export class NumpyGlobal {
  constructor(readonly name: string, readonly role: GlobalRole) {}
}

/** A dtype under construction: `numpy.dtype(code, ...)` then BUILD sets the byte order. */
export class NumpyDtype {
  byteOrder = '=';
  constructor(readonly code: string) {}
}

/** A Python list; tuples are plain arrays, dicts are Maps, bytes are Uint8Arrays. */
export class PickleList {
  readonly items: unknown[] = [];
}

/** An array: a tensor once its state is known, or why its dtype is not supported. */
export class NumpyArray {
  tensor?: Tensor;
  unsupported?: string;
}

/** The allowlisted meaning of `module.name`, or undefined when the name is not allowed. */
export function resolveGlobal(dottedName: string): NumpyGlobal | undefined {
  const role = ALLOWED_GLOBALS.get(dottedName);
  return role === undefined ? undefined : new NumpyGlobal(dottedName, role);
}

/** Carries out REDUCE for an allowlisted global by building inert data from `args`. */
export function callGlobal(callee: NumpyGlobal, args: unknown[], site: PickleSite): unknown {
  const call = `${callee.name}() at byte ${site.offset}`;
  if (callee.role === 'dtype') {
    if (typeof args[0] !== 'string') {
      fail(site, `${call} got ${typeName(args[0])}, expected a dtype code`);
    }
    return new NumpyDtype(args[0]);
  }

  if (callee.role === 'reconstruct') {
    if (!(args[0] instanceof NumpyGlobal) || args[0].role !== 'ndarray') {
      fail(site, `${call} got ${typeName(args[0])}, expected numpy.ndarray`);
    }
    return new NumpyArray();
  }

  if (callee.role === 'frombuffer') {
    const [buffer, dtype, shape, order] = args;
    if (args.length !== 4 || !(buffer instanceof Uint8Array) || !(dtype instanceof NumpyDtype) ||
      (order !== 'C' && order !== 'F')) {
      fail(site, `${call} expected (buffer, dtype, shape, 'C' or 'F')`);
    }
    const array = new NumpyArray();
    fillArray(array, readShape(shape, site), dtype, order === 'F', buffer, site);
    return array;
  }

  // Protocol 2 has no bytes opcode, so it writes bytes as _codecs.encode(text, 'latin1').
  if (callee.role === 'encode' && typeof args[0] === 'string' &&
    (args[1] === 'latin1' || args[1] === 'latin-1')) {
    return encodeLatin1(args[0], site);
  }
  return fail(site, `${call} is not a call we read (only latin1 bytes and numpy arrays are)`);
}

/** Carries out BUILD: sets the state of a dtype or an array made by `_reconstruct`. */
export function buildObject(target: unknown, state: unknown, site: PickleSite): void {
  const where = `BUILD at byte ${site.offset}`;
  if (target instanceof NumpyDtype) {
    if (!Array.isArray(state) || typeof state[1] !== 'string') {
      fail(site, `${where} got dtype state ${typeName(state)}, ` +
        'expected (version, byte order, ...)');
    }
    target.byteOrder = state[1];
    return;
  }
  if (!(target instanceof NumpyArray)) {
    fail(site, `${where} applies to ${typeName(target)}, expected a numpy array or dtype`);
  }
  if (target.tensor !== undefined || target.unsupported !== undefined) {
    fail(site, `${where} sets the state of an array twice`);
  }

  // numpy writes (version, shape, dtype, is_fortran, data); very old files drop the version.
  if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) {
    fail(site, `${where} got array state ${typeName(state)}, ` +
      'expected (version, shape, dtype, is_fortran, data)');
  }
  const [shape, dtype, isFortran, data] = state.length === 5 ? state.slice(1) : state;
  if (!(dtype instanceof NumpyDtype)) {
    fail(site, `${where} got ${typeName(dtype)} as the array dtype, expected a numpy dtype`);
  }
  const raw = typeof data === 'string' ? encodeLatin1(data, site) : data;
  if (!(raw instanceof Uint8Array)) {
    fail(site, `${where} got array data ${typeName(data)}, expected bytes`);
  }
  const isColumnMajor = isFortran === true || isFortran === 1;
  fillArray(target, readShape(shape, site), dtype, isColumnMajor, raw, site);
}

/** Describes a value's type for an error message, without walking into it. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return 'a str';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return 'a bool';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return `a ${value.length}-item tuple`;
  if (value instanceof NumpyGlobal) return `the global ${value.name}`;
  if (value instanceof NumpyDtype) return 'a numpy dtype';
  if (value instanceof NumpyArray) return 'a numpy array';
  if (value instanceof PickleList) return 'a list';
  return value instanceof Map ? 'a dict' : 'an unknown value';
}

function fail(site: PickleSite, detail: string): never {
  throw inputError('ERR_PICKLE_FORMAT', site.subject, detail);
}

function readShape(shape: unknown, site: PickleSite): number[] {
  if (!Array.isArray(shape) || shape.length > MAX_DIMENSIONS) {
    fail(site, `array shape at byte ${site.offset} is ${typeName(shape)}, ` +
      `expected a tuple of at most ${MAX_DIMENSIONS} sizes`);
  }
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) {
      fail(site, `array shape at byte ${site.offset} holds ${typeName(size)}, expected a size`);
    }
  }
  return [...shape];
}

function encodeLatin1(text: string, site: PickleSite): Uint8Array {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0xff) {
      fail(site, `text at byte ${site.offset} has a character above U+00FF, expected latin1`);
    }
  }
  spendBudget(text.length, site);
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

function spendBudget(byteCount: number, site: PickleSite): void {
  site.decodeBudget -= byteCount;
  if (site.decodeBudget < 0) {
    fail(site, `array data at byte ${site.offset} decodes to more than twice the file size ` +
      '(a buffer reused through the memo is not supported)');
  }
}

// Decodes into a fresh row-major array. Reading through a DataView copes with any byte
// order and with data at unaligned offsets, which typed-array views over the file do not.
function fillArray(array: NumpyArray, shape: number[], dtype: NumpyDtype, isFortran: boolean,
  raw: Uint8Array, site: PickleSite): void {
  const itemType = ITEM_TYPES.get(dtype.code);
  const isLittleEndian = IS_LITTLE_ENDIAN.get(dtype.byteOrder);
  if (itemType === undefined) {
    array.unsupported = `has dtype ${JSON.stringify(dtype.code.slice(0, 20))}, which is not ` +
      'supported (only float32 "f4" and float64 "f8" are read)';
    return;
  }
  if (isLittleEndian === undefined) {
    array.unsupported = `has byte order ${JSON.stringify(dtype.byteOrder.slice(0, 20))}, ` +
      'which is not supported (expected "<", ">", "|" or "=")';
    return;
  }

  const count = elementCount(shape);
  if (count * itemType.itemBytes !== raw.length) {
    fail(site, `array at byte ${site.offset} of shape [${shape.join(', ')}] and dtype ` +
      `${dtype.code} needs ${count * itemType.itemBytes} bytes, found ${raw.length}`);
  }
  spendBudget(raw.length, site);

  const values = itemType.dtype === 'F32' ? new Float32Array(count) : new Float64Array(count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const order = isFortran ? fortranToRowMajor(shape) : undefined;
  for (let index = 0; index < count; index += 1) {
    const target = order === undefined ? index : order[index]!;
    values[target] = itemType.itemBytes === 4 ?
      view.getFloat32(index * 4, isLittleEndian) :
      view.getFloat64(index * 8, isLittleEndian);
  }
  array.tensor = { dtype: itemType.dtype, shape, values };
}

// For each element in column-major file order, its row-major index. An odometer over the
// axes (first axis fastest) keeps this to one pass and any number of dimensions.
function fortranToRowMajor(shape: number[]): Uint32Array | Float64Array {
  const count = elementCount(shape);
  const targets = count < 2 ** 32 ? new Uint32Array(count) : new Float64Array(count);
  const strides = shape.map((_, axis) => elementCount(shape.slice(axis + 1)));
  const position = shape.map(() => 0);
  let target = 0;
  for (let index = 0; index < count; index += 1) {
    targets[index] = target;
    for (let axis = 0; axis < shape.length; axis += 1) {
      position[axis]! += 1;
      target += strides[axis]!;
      if (position[axis]! < shape[axis]!) break;
      target -= strides[axis]! * shape[axis]!;
      position[axis] = 0;
    }
  }
  return targets;
}
