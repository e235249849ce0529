// Reader for the IDX format in which MNIST is distributed. The whole format is a four-byte
// magic number (two zero bytes, an element type code, the number of dimensions), one
// big-endian u32 per dimension, then the elements in row-major order. That is small enough
// that our own reader is shorter than wrapping a dependency, and lets every check name the
// file, the byte offset and what was found. Gzip-compressed files are recognised by their
// first two bytes and inflated first.

import { constants, gunzipSync } from 'node:zlib';

import { inputError } from '../errors.js';

/** Element type codes from the IDX specification, with their size in bytes. */
const ELEMENT_TYPES = new Map<number, { name: string; bytes: number }>([
  [0x08, { name: 'unsigned byte', bytes: 1 }],
  [0x09, { name: 'signed byte', bytes: 1 }],
  [0x0b, { name: 'short', bytes: 2 }],
  [0x0c, { name: 'int', bytes: 4 }],
  [0x0d, { name: 'float', bytes: 4 }],
  [0x0e, { name: 'double', bytes: 8 }],
]);

const UNSIGNED_BYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b];

// The largest inflated file we accept: the 60,000 training images are 47 MB, so this leaves
// ample room while stopping a small, hostile gzip stream from filling memory.
const MAX_INFLATED_BYTES = 1 << 30;
// Deflate never packs more than 1032 bytes into one (RFC 1951's longest match, 258 bytes, in
// as few as two bits); more than this many bytes out per byte in is a lie.
const MAX_DEFLATE_RATIO = 1032;
// How much of the gzip stream is inflated, at most, to find the IDX header inside it.
const HEADER_SEARCH_BYTES = [64, 1024, 65536];

/** The header and the unsigned-byte payload of one IDX file. */
export interface IdxArray {
  dimensions: number[];
  data: Uint8Array;
}

/** What a caller expects the file to hold: its rank and a word for one item, for messages. */
export interface IdxExpectation {
  rank: number;
  itemName: string;
}

/** True when the bytes start like a gzip stream. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** Parses an IDX file of unsigned bytes, inflating it first when it is gzip-compressed. */
export function readIdx(bytes: Uint8Array, subject: string, expected: IdxExpectation): IdxArray {
  if (subject.endsWith('.gz') && !isGzip(bytes)) {
    throw inputError('ERR_BAD_GZIP', subject, 'expected gzip data (the name ends in .gz), ' +
      `found first bytes ${hexBytes(bytes, 0, 2)}`);
  }

  const plain = isGzip(bytes) ? inflate(bytes, subject) : bytes;
  return parseIdx(plain, subject, expected);
}

// The header inside the stream says how many bytes the file holds once inflated; that size
// is checked against what the compressed bytes could possibly hold before it is inflated,
// and inflating stops one byte past it, so a hostile stream cannot make us allocate more.
function inflate(bytes: Uint8Array, subject: string): Uint8Array {
  const declared = declaredInflatedBytes(bytes, subject);
  if (declared > MAX_INFLATED_BYTES) {
    throw inputError('ERR_UNSUPPORTED', subject, `header declares ${declared} bytes once ` +
      `inflated, more than the ${MAX_INFLATED_BYTES} bytes (1 GiB) supported yet`);
  }
  const possible = bytes.length * MAX_DEFLATE_RATIO;
  if (declared > possible) {
    throw inputError('ERR_TRUNCATED', subject, `header declares ${declared} bytes once ` +
      `inflated, but ${bytes.length} bytes of gzip data hold at most ${possible} (truncated?)`);
  }

  try {
    return gunzipSync(bytes, { maxOutputLength: declared + 1 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw inputError('ERR_NOT_IDX', subject, `inflates to more than the ${declared} bytes ` +
        'its header declares, expected exactly that many');
    }
    throw inputError('ERR_BAD_GZIP', subject, `gzip data is corrupt or truncated ` +
      `(${describeZlibError(error)})`);
  }
}

// Inflates ever longer prefixes of the stream until the IDX header is out, and returns the
// length the header declares (or the bytes inflated, when what is there is no IDX header,
// so that the full parse reports the problem).
function declaredInflatedBytes(bytes: Uint8Array, subject: string): number {
  for (const length of HEADER_SEARCH_BYTES) {
    let head: Uint8Array;
    try {
      head = gunzipSync(bytes.subarray(0, length), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw inputError('ERR_BAD_GZIP', subject, `gzip data is corrupt or truncated ` +
        `(${describeZlibError(error)})`);
    }
    const rank = head[3] ?? 0;
    const headerBytes = 4 + 4 * rank;
    if (head.length >= headerBytes && head[0] === 0 && head[1] === 0) {
      return headerBytes + readDimensions(head, subject, rank)
        .reduce((product, size) => product * size, 1);
    }
    if (head.length >= 4 && (head[0] !== 0 || head[1] !== 0)) return head.length;
    if (length >= bytes.length) return head.length;
  }
  throw inputError('ERR_BAD_GZIP', subject, `no IDX header in the first ` +
    `${HEADER_SEARCH_BYTES.at(-1)} bytes of gzip data`);
}

function describeZlibError(error: unknown): string {
  return (error as Error).message.toLowerCase().replace(/\s*\n\s*/g, ' ');
}

function parseIdx(bytes: Uint8Array, subject: string, expected: IdxExpectation): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw inputError('ERR_NOT_IDX', subject, 'expected an IDX file starting with two zero ' +
      `bytes, found ${hexBytes(bytes, 0, 4) || 'an empty file'}`);
  }

  const typeCode = bytes[2];
  const rank = bytes[3];
  const elementType = ELEMENT_TYPES.get(typeCode);
  if (elementType === undefined) {
    throw inputError('ERR_NOT_IDX', subject,
      `type code 0x${hex(typeCode)} at byte 2 is not an IDX element type`);
  }

  const expectedMagic = (UNSIGNED_BYTE << 8) | expected.rank;
  const magic = (typeCode << 8) | rank;
  if (rank !== expected.rank) {
    throw inputError('ERR_BAD_MAGIC', subject,
      `magic number ${magic}, expected ${expectedMagic} (${rankHint(rank)})`);
  }
  if (typeCode !== UNSIGNED_BYTE) {
    throw inputError('ERR_UNSUPPORTED', subject, `elements of type ${elementType.name} ` +
      `(magic number ${magic}) are not supported yet, expected unsigned bytes (${expectedMagic})`);
  }

  const dimensions = readDimensions(bytes, subject, rank);
  const headerBytes = 4 + 4 * rank;
  checkLength(bytes, subject, dimensions, headerBytes, expected.itemName);

  return { dimensions, data: bytes.subarray(headerBytes) };
}

function readDimensions(bytes: Uint8Array, subject: string, rank: number): number[] {
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw inputError('ERR_TRUNCATED', subject, `header of ${headerBytes} bytes for ${rank} ` +
      `dimensions is truncated (file has ${bytes.length} bytes)`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions: number[] = [];
  for (let axis = 0; axis < rank; axis++) {
    dimensions.push(view.getUint32(4 + 4 * axis, false));
  }
  return dimensions;
}

// Compares the file's length with what its header declares. The product of the dimensions
// is computed in doubles, which stay exact far beyond any length a Buffer can have.
function checkLength(
  bytes: Uint8Array,
  subject: string,
  dimensions: number[],
  headerBytes: number,
  itemName: string,
): void {
  const [count, ...itemShape] = dimensions;
  const itemBytes = itemShape.reduce((product, size) => product * size, 1);
  const declaredBytes = headerBytes + count * itemBytes;
  if (bytes.length === declaredBytes) return;

  if (bytes.length > declaredBytes) {
    throw inputError('ERR_NOT_IDX', subject, `file has ${bytes.length - declaredBytes} bytes ` +
      `after the ${count} ${itemName}s its header declares, expected none`);
  }

  const payloadBytes = bytes.length - headerBytes;
  const completeItems = Math.floor(payloadBytes / itemBytes);
  const partBytes = payloadBytes - completeItems * itemBytes;
  if (partBytes > 0) {
    const offset = headerBytes + completeItems * itemBytes;
    throw inputError('ERR_TRUNCATED', subject, `${itemName} ${completeItems} at byte ${offset} ` +
      `is truncated (${partBytes} of ${itemBytes} bytes)`);
  }
  throw inputError('ERR_TRUNCATED', subject, `file ends after ${completeItems} of the ` +
    `${count} ${itemName}s its header declares (${bytes.length} of ${declaredBytes} bytes)`);
}

function rankHint(rank: number): string {
  if (rank === 1) return 'is this a labels file?';
  if (rank === 3) return 'is this an images file?';
  return `the file has ${rank} dimensions`;
}

function hexBytes(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, end), (byte) => `0x${hex(byte)}`).join(' ');
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
