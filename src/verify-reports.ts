// Checks a folder of reports against the integrity record its summary.json holds: each file
// the run wrote must be there with the size and sha256 it had when written. Files the record
// does not name (a README, a benchmark) are listed but not judged. Nothing is printed here;
// the command line reports the result.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { inputError } from './errors.js';
import { sha256Of, SUMMARY_FILE, type FileDigest } from './io/file-digests.js';

/** What became of one file of the record, or of a file the record does not name. */
export type FileCheck =
  | { name: string; status: 'ok' }
  | { name: string; status: 'differs'; expected: FileDigest; found: Omit<FileDigest, 'name'> }
  | { name: string; status: 'missing' }
  | { name: string; status: 'unlisted' };

/** Every file's check, recorded files first in the record's order, then the unlisted ones. */
export interface VerifyResult {
  checks: FileCheck[];
  isIntact: boolean;
}

// A name of the record is a plain file name in the folder: never a path out of it.
const PLAIN_NAME = /^(?!\.\.?$)[^/\\\0]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Checks every file summary.json's integrity record names; refuses a folder with none. */
export async function verifyReports(folder: string): Promise<VerifyResult> {
  const record = await readRecord(folder);

  const checks: FileCheck[] = [];
  for (const expected of record) checks.push(await checkFile(folder, expected));

  const named = new Set([SUMMARY_FILE, ...record.map(({ name }) => name)]);
  const others = (await readdir(folder)).filter((name) => !named.has(name)).sort();
  for (const name of others) checks.push({ name, status: 'unlisted' });

  return { checks, isIntact: checks.every(({ status }) => status === 'ok' ||
    status === 'unlisted') };
}

async function readRecord(folder: string): Promise<FileDigest[]> {
  const path = join(folder, SUMMARY_FILE);
  const refuse = (detail: string) => inputError('ERR_BAD_OPTION', path, detail);
  let text: string;
  try {
    if (!(await stat(folder)).isDirectory()) throw new Error('ENOTDIR');
    text = await readFile(path, 'utf8');
  } catch {
    throw inputError('ERR_FILE_UNREADABLE', path, 'cannot be read, expected the summary.json ' +
      'of a report folder written by npm run evaluate');
  }

  let summary: unknown;
  try {
    summary = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON (damaged?), so the folder cannot be checked');
  }
  const files = (summary as { integrity?: { algorithm?: unknown; files?: unknown } })
    ?.integrity;
  if (files?.algorithm !== 'sha256' || !Array.isArray(files.files)) {
    throw refuse('has no integrity section listing sha256 digests (written before reports ' +
      'recorded them, or damaged?): run npm run evaluate again to record one');
  }
  return files.files.map((entry: unknown, index: number) => {
    const { name, bytes, sha256 } = (entry ?? {}) as Partial<FileDigest>;
    if (typeof name !== 'string' || !PLAIN_NAME.test(name) || !Number.isSafeInteger(bytes) ||
      typeof sha256 !== 'string' || !SHA256.test(sha256)) {
      throw refuse(`integrity entry ${index} is not a file name with its bytes and sha256`);
    }
    return { name, bytes: bytes!, sha256 };
  });
}

async function checkFile(folder: string, expected: FileDigest): Promise<FileCheck> {
  let content: Buffer;
  try {
    content = await readFile(join(folder, expected.name));
  } catch {
    return { name: expected.name, status: 'missing' };
  }

  const found = { bytes: content.length, sha256: sha256Of(content) };
  if (found.bytes === expected.bytes && found.sha256 === expected.sha256) {
    return { name: expected.name, status: 'ok' };
  }
  return { name: expected.name, status: 'differs', expected, found };
}
