// The integrity record of a report folder: each file's size and sha256, as written. It goes
// into summary.json, which cannot hold its own digest, so summary.json is the one file left
// out. The reports depend only on the data, the weights and the predictions, but for
// report.html's one line about the run, so the record is the same for any worker count,
// batch size or retry but for report.html's digest.

import { createHash } from 'node:crypto';

/** The report that holds the integrity record of the others. */
export const SUMMARY_FILE = 'summary.json';

/** One file as it was written. */
export interface FileDigest {
  name: string;
  bytes: number;
  sha256: string;
}

/** The record summary.json keeps of the other files a run wrote. */
export interface IntegrityRecord {
  algorithm: 'sha256';
  /** Every file the run wrote but summary.json itself, in the order they were written. */
  files: FileDigest[];
}

/** Digests every file of `files` (name to content) but those named in `except`. */
export function integrityRecord(
  files: ReadonlyMap<string, string | Uint8Array>,
  except: readonly string[],
): IntegrityRecord {
  const digests: FileDigest[] = [];
  for (const [name, content] of files) {
    if (except.includes(name)) continue;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    digests.push({ name, bytes: bytes.length, sha256: sha256Of(bytes) });
  }
  return { algorithm: 'sha256', files: digests };
}

/** The sha256 of some bytes, in lowercase hex. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
