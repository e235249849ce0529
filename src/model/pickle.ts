// Reads a Python pickle holding a dict of numpy arrays, such as the book "Deep Learning from
// Scratch"'s sample_weight.pkl. We wrote our own rather than use a library because the part
// of the format such files need is tiny, and a reader that only builds inert data from an
// allowlist, and so cannot execute anything, is easier to trust and to fuzz than a general
// unpickler. Opcode meanings follow CPython's Lib/pickle.py and Lib/pickletools.py.
import { Buffer } from 'node:buffer';

import { inputError } from '../errors.js';
import {
  buildObject, callGlobal, NumpyArray, NumpyGlobal, PickleList, resolveGlobal, typeName,
  type PickleSite,
} from './pickle-numpy.js';
import type { Tensor } from './tensor.js';

// The opcodes a dict of numpy arrays needs at protocols 2 to 5; every other one is refused.
const OP = {
  MARK: 0x28, STOP: 0x2e, EMPTY_TUPLE: 0x29, BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  BINFLOAT: 0x47, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, NONE: 0x4e, REDUCE: 0x52,
  BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58, EMPTY_LIST: 0x5d, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, APPENDS: 0x65, BINGET: 0x68, LONG_BINGET: 0x6a, BINPUT: 0x71,
  LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, SETITEMS: 0x75, EMPTY_DICT: 0x7d,
  PROTO: 0x80, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89,
  LONG1: 0x8a, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96,
} as const;

// Named only so that an error can say which opcode the file used.
const REFUSED = {
  POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, LONG: 0x4c, PERSID: 0x50,
  BINPERSID: 0x51, STRING: 0x53, UNICODE: 0x56, DICT: 0x64, GET: 0x67, INST: 0x69, LIST: 0x6c,
  OBJ: 0x6f, PUT: 0x70, NEWOBJ: 0x81, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84, LONG4: 0x8b,
  EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92, NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

const OPCODE_NAMES = new Map<number, string>(
  [...Object.entries(OP), ...Object.entries(REFUSED)].map(([name, byte]) => [byte, name]));
const HIGHEST_PROTOCOL = 5;
// Six bytes keep a LONG1 integer exact in a double; larger ones never size an array we read.
const MAX_LONG1_BYTES = 6;
// Keeps a leading U+FEFF as part of the text: it is data in a key, not a byte-order mark.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Reads a pickled dict of float32/float64 numpy arrays into row-major tensors by key. */
export function readPickleTensors(bytes: Uint8Array, subject: string): Map<string, Tensor> {
  const top = new PickleMachine(bytes, subject).run();
  if (!(top instanceof Map)) {
    throw formatError(subject, `top-level object is ${typeName(top)}, expected a dict of arrays`);
  }

  const tensors = new Map<string, Tensor>();
  for (const [key, value] of top as Map<string, unknown>) {
    const label = JSON.stringify(key.slice(0, 60));
    if (!(value instanceof NumpyArray)) {
      throw formatError(subject, `value of ${label} is ${typeName(value)}, ` +
        'expected a numpy array');
    }
    if (value.unsupported !== undefined) {
      throw formatError(subject, `array ${label} ${value.unsupported}`);
    }
    if (value.tensor === undefined) {
      throw formatError(subject, `array ${label} has no data (its BUILD opcode is missing)`);
    }
    tensors.set(key, value.tensor);
  }
  return tensors;
}

function formatError(subject: string, detail: string) {
  return inputError('ERR_PICKLE_FORMAT', subject, detail);
}

// Python 2 strings are bytes; CPython decodes them as latin1 for numpy's sake. TextDecoder's
// 'latin1' is really windows-1252, so Buffer does the decoding.
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

// A stack machine with a memo, like CPython's, minus everything that could run code. It
// loops over the bytes without recursion, so a hostile file cannot drive the JS stack deep.
class PickleMachine {
  private readonly view: DataView;
  private readonly site: PickleSite;
  private position = 0;
  private readonly stack: unknown[] = [];
  // Stack heights at each open MARK; CPython keeps a stack of stacks, which is the same.
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(private readonly bytes: Uint8Array, subject: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.site = { subject, offset: 0, decodeBudget: 2 * bytes.length };
  }

  run(): unknown {
    for (;;) {
      if (this.position >= this.bytes.length) {
        this.fail(`ends at byte ${this.bytes.length} without a STOP opcode (truncated?)`);
      }
      this.site.offset = this.position;
      const opcode = this.bytes[this.position++]!;
      if (opcode === OP.STOP) return this.finish();
      this.step(opcode);
    }
  }

  private step(opcode: number): void {
    switch (opcode) {
      case OP.PROTO: return this.checkProtocol(this.readUint(1));
      case OP.FRAME: this.readLength(8); return;
      case OP.MARK: this.marks.push(this.stack.length); return;
      case OP.EMPTY_DICT: return this.push(new Map<string, unknown>());
      case OP.EMPTY_LIST: return this.push(new PickleList());
      case OP.EMPTY_TUPLE: return this.push([]);
      case OP.TUPLE: return this.push(this.popToMark());
      case OP.TUPLE1: case OP.TUPLE2: case OP.TUPLE3:
        return this.push(this.popCount(opcode - OP.TUPLE1 + 1));
      case OP.APPEND: return this.append(this.popCount(1));
      case OP.APPENDS: return this.append(this.popToMark());
      case OP.SETITEM: return this.setItems(this.popCount(2));
      case OP.SETITEMS: return this.setItems(this.popToMark());
      case OP.SHORT_BINUNICODE: return this.push(utf8.decode(this.take(this.readLength(1))));
      case OP.BINUNICODE: return this.push(utf8.decode(this.take(this.readLength(4))));
      case OP.BINUNICODE8: return this.push(utf8.decode(this.take(this.readLength(8))));
      case OP.SHORT_BINSTRING: return this.push(latin1(this.take(this.readLength(1))));
      case OP.BINSTRING: return this.push(latin1(this.take(this.readLength(4))));
      case OP.SHORT_BINBYTES: return this.push(this.take(this.readLength(1)));
      case OP.BINBYTES: return this.push(this.take(this.readLength(4)));
      case OP.BINBYTES8: case OP.BYTEARRAY8: return this.push(this.take(this.readLength(8)));
      case OP.BININT1: return this.push(this.readUint(1));
      case OP.BININT2: return this.push(this.readUint(2));
      case OP.BININT: return this.push(this.view.getInt32(this.advance(4), true));
      case OP.LONG1: return this.push(this.readLong(this.readUint(1)));
      case OP.BINFLOAT: return this.push(this.view.getFloat64(this.advance(8), false));
      case OP.NONE: return this.push(null);
      case OP.NEWTRUE: return this.push(true);
      case OP.NEWFALSE: return this.push(false);
      case OP.GLOBAL: return this.pushGlobal(this.readLine(), this.readLine());
      case OP.STACK_GLOBAL: return this.stackGlobal();
      case OP.REDUCE: return this.reduce();
      case OP.BUILD: return this.build();
      case OP.BINPUT: this.memo.set(this.readUint(1), this.peek()); return;
      case OP.LONG_BINPUT: this.memo.set(this.readUint(4), this.peek()); return;
      case OP.MEMOIZE: this.memo.set(this.memo.size, this.peek()); return;
      case OP.BINGET: return this.push(this.recall(this.readUint(1)));
      case OP.LONG_BINGET: return this.push(this.recall(this.readUint(4)));
      default: {
        const byte = `0x${opcode.toString(16).padStart(2, '0')}`;
        const name = OPCODE_NAMES.get(opcode);
        const shown = name === undefined ? byte : `${name} (${byte})`;
        this.fail(`opcode ${shown} at byte ${this.site.offset} is not supported ` +
          '(only the opcodes numpy uses for arrays are read)');
      }
    }
  }

  private finish(): unknown {
    const trailing = this.bytes.length - this.position;
    if (trailing > 0) {
      this.fail(`has ${trailing} bytes after the STOP opcode at byte ${this.site.offset}, ` +
        'expected the file to end there');
    }
    if (this.stack.length !== 1 || this.marks.length > 0) {
      this.fail(`STOP at byte ${this.site.offset} found ${this.stack.length} values and ` +
        `${this.marks.length} open MARKs, expected one value`);
    }
    return this.stack[0];
  }

  private checkProtocol(version: number): void {
    if (version > HIGHEST_PROTOCOL) {
      this.fail(`pickle protocol ${version} at byte ${this.site.offset} is not supported ` +
        `(expected at most ${HIGHEST_PROTOCOL})`);
    }
  }

  // Refuses a name off the allowlist before anything else touches it.
  private pushGlobal(module: string, name: string): void {
    const dottedName = `${module}.${name}`;
    const resolved = resolveGlobal(dottedName);
    if (resolved === undefined) {
      const shown = /^[\w.]{1,100}$/.test(dottedName) ? dottedName :
        JSON.stringify(dottedName.slice(0, 100));
      throw inputError('ERR_PICKLE_GLOBAL', this.site.subject, `global ${shown} at byte ` +
        `${this.site.offset} is not allowed (only numpy array reconstruction is read)`);
    }
    this.push(resolved);
  }

  private stackGlobal(): void {
    const [module, name] = this.popCount(2);
    if (typeof module !== 'string' || typeof name !== 'string') {
      this.fail(`STACK_GLOBAL at byte ${this.site.offset} got ${typeName(module)} and ` +
        `${typeName(name)}, expected two strs`);
    }
    this.pushGlobal(module, name);
  }

  private reduce(): void {
    const [callee, args] = this.popCount(2);
    if (!(callee instanceof NumpyGlobal) || !Array.isArray(args)) {
      this.fail(`REDUCE at byte ${this.site.offset} got ${typeName(callee)} with ` +
        `${typeName(args)}, expected an allowed global with a tuple`);
    }
    this.push(callGlobal(callee, args, this.site));
  }

  // BUILD leaves the object it fills on the stack.
  private build(): void {
    const [state] = this.popCount(1);
    buildObject(this.peek(), state, this.site);
  }

  private append(items: unknown[]): void {
    const list = this.peek();
    if (!(list instanceof PickleList)) {
      this.fail(`${this.opcodeName()} at byte ${this.site.offset} applies to ` +
        `${typeName(list)}, expected a list`);
    }
    // A loop, not push(...items): spreading a huge APPENDS would overflow the call stack.
    for (const item of items) list.items.push(item);
  }

  // A Map rather than an object, so that a key such as "__proto__" is only data.
  private setItems(items: unknown[]): void {
    const dict = this.peek();
    if (!(dict instanceof Map) || items.length % 2 !== 0) {
      this.fail(`SETITEM at byte ${this.site.offset} got ${items.length} items for ` +
        `${typeName(dict)}, expected key-value pairs for a dict`);
    }
    for (let index = 0; index < items.length; index += 2) {
      const key = items[index];
      if (typeof key !== 'string') {
        this.fail(`dict key at byte ${this.site.offset} is ${typeName(key)}, expected a str`);
      }
      dict.set(key, items[index + 1]);
    }
  }

  private recall(index: number): unknown {
    if (!this.memo.has(index)) {
      this.fail(`memo entry ${index} read at byte ${this.site.offset} was never stored`);
    }
    return this.memo.get(index);
  }

  private push(value: unknown): void {
    this.stack.push(value);
  }

  private peek(): unknown {
    this.requireValues(1);
    return this.stack.at(-1);
  }

  private popCount(count: number): unknown[] {
    this.requireValues(count);
    return this.stack.splice(this.stack.length - count, count);
  }

  // Only values above the latest MARK count: those below belong to an unfinished container.
  private requireValues(count: number): void {
    const available = this.stack.length - (this.marks.at(-1) ?? 0);
    if (available < count) {
      const values = count === 1 ? 'value' : 'values';
      this.fail(`${this.opcodeName()} at byte ${this.site.offset} needs ${count} ${values} ` +
        `on the stack, found ${available}`);
    }
  }

  private popToMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) {
      this.fail(`${this.opcodeName()} at byte ${this.site.offset} found no MARK before it`);
    }
    return this.stack.splice(mark);
  }

  // Every length is checked against the bytes left before anything is allocated for it.
  private readLength(width: 1 | 4 | 8): number {
    const length = width === 8 ? this.view.getBigUint64(this.advance(8), true) :
      BigInt(this.readUint(width));
    const remaining = this.bytes.length - this.position;
    if (length > BigInt(remaining)) {
      this.fail(`${this.opcodeName()} at byte ${this.site.offset} claims ${length} bytes, ` +
        `but only ${remaining} remain (truncated?)`);
    }
    return Number(length);
  }

  private readUint(width: 1 | 2 | 4): number {
    const start = this.advance(width);
    if (width === 1) return this.view.getUint8(start);
    return width === 2 ? this.view.getUint16(start, true) : this.view.getUint32(start, true);
  }

  // Little-endian two's complement, as CPython's LONG1 writes it.
  private readLong(width: number): number {
    if (width > MAX_LONG1_BYTES) {
      this.fail(`LONG1 at byte ${this.site.offset} holds a ${width}-byte integer, ` +
        `only integers up to ${MAX_LONG1_BYTES} bytes are supported`);
    }
    const digits = this.take(width);
    let value = 0;
    for (let index = width - 1; index >= 0; index -= 1) value = value * 256 + digits[index]!;
    return width > 0 && digits[width - 1]! >= 0x80 ? value - 2 ** (8 * width) : value;
  }

  // GLOBAL's module and name are each a line of text, ended by a newline.
  private readLine(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) {
      this.fail(`GLOBAL at byte ${this.site.offset} has no newline after its name (truncated?)`);
    }
    return utf8.decode(this.take(end - this.position + 1).subarray(0, -1));
  }

  private take(count: number): Uint8Array {
    const start = this.advance(count);
    return this.bytes.subarray(start, start + count);
  }

  private advance(count: number): number {
    const start = this.position;
    if (count > this.bytes.length - start) {
      const unit = count === 1 ? 'byte' : 'bytes';
      this.fail(`${this.opcodeName()} at byte ${this.site.offset} needs ${count} more ${unit}, ` +
        `but only ${this.bytes.length - start} remain (truncated?)`);
    }
    this.position = start + count;
    return start;
  }

  private opcodeName(): string {
    return OPCODE_NAMES.get(this.bytes[this.site.offset]!) ?? 'unknown opcode';
  }

  private fail(detail: string): never {
    throw formatError(this.site.subject, detail);
  }
}
