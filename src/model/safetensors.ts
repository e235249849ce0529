// Reads and writes safetensors, the project's own weights format. We wrote our own because
// the npm `safetensors` package is unmaintained and @huggingface/hub only parses files on
// the Hub over HTTP; the format itself is a few lines of spec (huggingface/safetensors
// README, "Format"). The checks follow the Rust reference (`Metadata::validate`).
import { describeValue, inputError } from '../errors.js';
import { elementCount, type Tensor } from './tensor.js';

/** Bits per element of every dtype the format names; we decode only F32 and F64. */
const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8,
  I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32,
  F64: 64, I64: 64, U64: 64, C64: 64, F6_E2M3: 6, F6_E3M2: 6, F4: 4,
};

// The Rust reader's cap: it keeps a hostile first u64 from making us allocate gigabytes.
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const IS_HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The contents of a safetensors file: its tensors in data order and its string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** Parses and validates a whole safetensors file; `subject` (its path) starts every error. */
export function readSafetensors(bytes: Uint8Array, subject: string): SafetensorsFile {
  const fail = (detail: string) => inputError('ERR_SAFETENSORS_FORMAT', subject, detail);
  if (bytes.length < 8) {
    throw fail(`file is ${bytes.length} bytes, expected at least 8 for the header length`);
  }

  // Compare the header length with the real size before allocating or decoding anything.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  const dataStart = 8 + Number(headerLength);
  if (dataStart > bytes.length) {
    throw fail(`header length ${headerLength} needs ${dataStart} bytes, ` +
      `but the file has ${bytes.length} (truncated?)`);
  }

  const header = parseHeader(bytes.subarray(8, dataStart), fail);
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name !== METADATA_KEY) {
      entries.push(parseEntry(name, value, fail));
      continue;
    }
    if (!isPlainObject(value)) throw fail(`${METADATA_KEY} is ${kind(value)}, expected an object`);
    for (const [key, text] of Object.entries(value)) {
      if (typeof text !== 'string') {
        throw fail(`${METADATA_KEY} value ${label(key)} is ${kind(text)}, expected a string`);
      }
      metadata.push([key, text]);
    }
  }

  // Contiguous from 0 with no hole or overlap: overlapping slices are a known DoS.
  entries.sort((left, right) => left.begin - right.begin || left.end - right.end);
  let expectedBegin = 0;
  let previous = 'the start of the data';
  for (const entry of entries) {
    if (entry.begin !== expectedBegin) {
      const problem = entry.begin > expectedBegin ? 'leaving a hole after' : 'overlapping';
      throw fail(`tensor ${label(entry.name)} starts at data offset ${entry.begin}, ` +
        `expected ${expectedBegin} (${problem} ${previous})`);
    }
    expectedBegin = entry.end;
    previous = `tensor ${label(entry.name)}`;
  }

  // The data must cover the file exactly, which also rules out polyglot files.
  const dataEnd = dataStart + expectedBegin;
  if (dataEnd !== bytes.length) {
    const found = dataEnd < bytes.length ? `${bytes.length - dataEnd} trailing bytes` :
      `only ${bytes.length - dataStart} (truncated?)`;
    throw fail(`tensor data should fill ${expectedBegin} bytes after byte ${dataStart}, ` +
      `found ${found}`);
  }

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) tensors.set(entry.name, decode(entry, bytes, dataStart, subject));
  // fromEntries defines properties, so even a key named "__proto__" survives.
  return { tensors, metadata: Object.fromEntries(metadata) };
}

/** Serialises tensors the way the Rust `prepare` does, so equal input gives identical bytes. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string>,
): Uint8Array {
  // Widest dtype first keeps every tensor aligned once the header is padded to 8 bytes.
  const encoder = new TextEncoder();
  const ordered = [...tensors].sort(([leftName, left], [rightName, right]) =>
    DTYPE_BITS[right.dtype]! - DTYPE_BITS[left.dtype]! ||
    Buffer.compare(encoder.encode(leftName), encoder.encode(rightName)));

  // Sorted metadata keys make the output independent of insertion order.
  const fields: string[] = [];
  const metadataKeys = Object.keys(metadata).sort();
  if (metadataKeys.length > 0) {
    const pair = (key: string) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`;
    const pairs = metadataKeys.map(pair);
    fields.push(`"${METADATA_KEY}":{${pairs.join(',')}}`);
  }

  // Fields are joined by hand: a JS object would move keys like "0" first and drop "__proto__".
  let offset = 0;
  for (const [name, { dtype, shape, values }] of ordered) {
    if (name === METADATA_KEY || values.BYTES_PER_ELEMENT * 8 !== DTYPE_BITS[dtype] ||
      values.length !== elementCount(shape)) {
      throw new RangeError(`tensor ${label(name)}: reserved name, or ${values.length} values of ` +
        `${values.BYTES_PER_ELEMENT} bytes do not fit ${dtype} [${shape.join(', ')}]`);
    }
    const end = offset + values.byteLength;
    const info = { dtype, shape, data_offsets: [offset, end] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }

  const json = encoder.encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const output = new Uint8Array(8 + headerLength + offset);
  new DataView(output.buffer).setBigUint64(0, BigInt(headerLength), true);
  output.set(json, 8);
  output.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const [, { values }] of ordered) {
    const data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    output.set(data, position);
    const size = values.BYTES_PER_ELEMENT;
    if (!IS_HOST_LITTLE_ENDIAN) reverseElements(output.subarray(position), values.length, size);
    position += data.length;
  }
  return output;
}

function parseHeader(raw: Uint8Array, fail: (detail: string) => Error): Record<string, unknown> {
  // ignoreBOM keeps a leading BOM in the text, so it fails the `{` check as in Rust.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw fail('header is not valid utf-8');
  }
  if (!text.startsWith('{')) {
    throw fail(`header starts with ${JSON.stringify(text.slice(0, 8))}, expected "{"`);
  }

  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw fail(`header is not valid json (${String(error).replace(/\s+/g, ' ')})`);
  }
  // JSON.parse keeps the last of duplicate keys silently; the spec forbids duplicates.
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) throw fail(`header has the key ${label(duplicate)} twice`);
  return header as Record<string, unknown>;
}

function parseEntry(name: string, value: unknown, fail: (detail: string) => Error): Entry {
  const subject = `tensor ${label(name)}`;
  if (!isPlainObject(value)) throw fail(`${subject} is ${kind(value)}, expected an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BITS, dtype)) {
    throw fail(`${subject} has dtype ${kind(dtype)}, expected a safetensors dtype such as "F32"`);
  }
  if (!isCountArray(shape)) {
    throw fail(`${subject} has shape ${kind(shape)}, expected an array of non-negative integers`);
  }
  if (!isCountArray(offsets) || offsets.length !== 2 || offsets[0]! > offsets[1]!) {
    throw fail(`${subject} has data_offsets ${kind(offsets)}, expected [begin, end] with ` +
      'non-negative integers and begin <= end');
  }

  // Check each product so an absurd shape cannot overflow into a plausible size.
  let bits = DTYPE_BITS[dtype]!;
  for (const size of shape) {
    bits *= size;
    if (bits > Number.MAX_SAFE_INTEGER) throw fail(`${subject} has a shape too large to address`);
  }
  if (bits % 8 !== 0) throw fail(`${subject} holds ${bits} bits of ${dtype}, not whole bytes`);

  const [begin, end] = offsets as [number, number];
  if (bits / 8 !== end - begin) {
    throw fail(`${subject} has data_offsets [${begin}, ${end}] (${end - begin} bytes), ` +
      `expected ${bits / 8} bytes for ${dtype} [${shape.join(', ')}]`);
  }
  return { name, dtype, shape, begin, end };
}

function decode(entry: Entry, bytes: Uint8Array, dataStart: number, subject: string): Tensor {
  const { name, dtype, shape } = entry;
  if (dtype !== 'F32' && dtype !== 'F64') {
    throw inputError('ERR_UNSUPPORTED', subject, `tensor ${label(name)} has dtype ${dtype}, ` +
      'which is not supported yet (expected F32 or F64)');
  }

  // Copy into a fresh buffer: the data region need not be aligned for a typed-array view.
  const copy = new Uint8Array(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
  const size = dtype === 'F32' ? 4 : 8;
  if (!IS_HOST_LITTLE_ENDIAN) reverseElements(copy, copy.length / size, size);
  const values = dtype === 'F32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  return { dtype, shape, values };
}

// Valid JSON only reaches here, so a scan that tracks strings and nesting finds every key.
function findDuplicateKey(text: string): string | undefined {
  const scopes: (Set<string> | null)[] = [];
  let isKeyNext = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = scopes.at(-1);
      if (isKeyNext && keys) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      isKeyNext = false;
      index = end;
    } else if (char === '{' || char === '[') {
      scopes.push(char === '{' ? new Set() : null);
      isKeyNext = char === '{';
    } else if (char === '}' || char === ']') {
      scopes.pop();
    } else if (char === ',') {
      isKeyNext = scopes.at(-1) != null;
    }
  }
  return undefined;
}

function reverseElements(bytes: Uint8Array, count: number, size: number): void {
  for (let index = 0; index < count; index++) {
    bytes.subarray(index * size, (index + 1) * size).reverse();
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCountArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && item >= 0);
}

// Names come from the file and may hold quotes or newlines; quote those to keep one line.
function label(name: string): string {
  return /^[\w.\-/:]+$/.test(name) ? name : JSON.stringify(name);
}

// Shallow on purpose: stringifying a deeply nested hostile value could overflow the stack.
function kind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (!Array.isArray(value)) return describeValue(value);
  const text = `[${value.slice(0, 8).map(describeValue).join(', ')}`;
  return value.length > 8 ? `${text}, ...]` : `${text}]`;
}
