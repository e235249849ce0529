// Reads a whole input file and fingerprints it. Every reader works on the bytes in memory,
// so that the sha256 recorded in the reports is of exactly the bytes that were used.

import { open, readFile } from 'node:fs/promises';

import { inputError } from '../errors.js';
import { sha256Of } from './file-digests.js';

/** A file as read from disk, with the identity that the reports record. */
export interface InputFile {
  path: string;
  bytes: Uint8Array;
  sha256: string;
}

/** Identity of one file the run read, as the reports record it. */
export interface FileIdentity {
  path: string;
  sha256: string;
  bytes: number;
}

/** The identity of a file that was read: its path, digest and size. */
export function fileIdentity(file: InputFile): FileIdentity {
  return { path: file.path, sha256: file.sha256, bytes: file.bytes.length };
}

/**
 * Reads `path` whole; a missing or unreadable file becomes one line naming it and why. With
 * `isShared`, a regular file is read into a SharedArrayBuffer, which the worker threads can
 * then read in place: the images, which would otherwise be copied there.
 */
export async function readInputFile(path: string, isShared = false): Promise<InputFile> {
  let bytes: Uint8Array;
  try {
    bytes = isShared ? await readShared(path) : await readFile(path);
  } catch (error) {
    throw inputError('ERR_FILE_UNREADABLE', path, `cannot read file (${describeFsError(error)})`);
  }

  const sha256 = sha256Of(bytes);
  return { path, bytes, sha256 };
}

// readFile's own limit, which a file read into shared memory keeps to
const MAX_READ_BYTES = 2 ** 31 - 1;

// Anything but a regular file, whose size is not known in advance, is read as readFile reads
// it and then copied.
async function readShared(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > MAX_READ_BYTES) {
      throw Object.assign(new RangeError(`${size} bytes`), { code: 'ERR_FS_FILE_TOO_LARGE' });
    }
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await file.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled === size && size > 0) return bytes;

    const whole = await file.readFile();
    const shared = new Uint8Array(new SharedArrayBuffer(whole.length));
    shared.set(whole);
    return shared;
  } finally {
    await file.close();
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder, expected a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? String(error);
}
