// Replaces a set of output files so that a failed run never leaves a partial one. Every file
// is first written in full to a temporary name in the same folder and flushed to disk; only
// when all of them are written are they renamed over the old ones, and a rename within one
// folder is atomic on POSIX file systems. write-file-atomic does this for one file at a time,
// but cannot hold back the first file's rename until the last one is safely written.

import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import {
  access,
  constants,
  mkdir,
  open,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { inputError, RunError } from '../errors.js';
import { writeFaultFor } from '../faults.js';

/**
 * Checks, before any work starts, that `names` can later be written into `folder`: the folder
 * is a folder, or can be created under a writable one, and no name is taken by a folder.
 * Nothing is created yet, so a run that fails later leaves no trace. `subject` names the flag.
 */
export async function checkOutputFolder(
  folder: string,
  names: readonly string[],
  subject: string,
): Promise<void> {
  const refuse = (detail: string) => inputError('ERR_BAD_OPTION', subject, detail);
  if (folder === '') throw refuse('expected a folder, got an empty path');

  let existing = resolve(folder);
  let kind = await kindOf(existing);
  while (kind === 'missing' && dirname(existing) !== existing) {
    existing = dirname(existing);
    kind = await kindOf(existing);
  }
  if (kind !== 'folder') {
    throw refuse(`${existing} is a file, expected a folder to write ${folder} in`);
  }
  try {
    await access(existing, constants.W_OK);
  } catch {
    throw refuse(`cannot write to folder ${existing} (permission denied)`);
  }

  const kinds = await Promise.all(names.map((name) => kindOf(join(folder, name))));
  const folderIndex = kinds.indexOf('folder');
  if (folderIndex !== -1) {
    throw refuse(`${join(folder, names[folderIndex])} is a folder, expected a file or nothing ` +
      'there');
  }
}

// Temporary files being written right now, so that an interrupted process can remove them.
const stagedFiles = new Set<string>();

/** Removes, synchronously, every temporary file a write in progress has made. */
export function removeStagedFiles(): void {
  for (const path of stagedFiles) rmSync(path, { force: true });
  stagedFiles.clear();
}

/** checkOutputFolder for one file: its folder can be made and its path is no folder. */
export function checkOutputFile(path: string, subject: string): Promise<void> {
  return checkOutputFolder(dirname(path), [basename(path)], subject);
}

/** Replaces one file atomically: written in full beside it, then renamed over it. */
export function replaceFile(path: string, content: string | Uint8Array): Promise<void> {
  return replaceFiles(dirname(path), new Map([[basename(path), content]]));
}

/** Writes every file of `files` (name to content) into `folder`, all or none. */
export async function replaceFiles(
  folder: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): Promise<void> {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const staged = [...files.keys()].map((name) => ({
    temporary: join(folder, `.${name}.${suffix}`),
    final: join(folder, name),
  }));
  const removeStaged = () =>
    Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
  for (const { temporary } of staged) stagedFiles.add(temporary);

  const names = [...files.keys()];
  let failedName: string | undefined;
  try {
    await makeFolder(folder);
    // written and flushed side by side: the flushes are most of the time
    const contents = [...files.values()];
    const writes = await Promise.allSettled(staged.map(({ temporary }, index) =>
      writeDurably(temporary, contents[index], names[index])));
    const failed = writes.findIndex((write) => write.status === 'rejected');
    if (failed !== -1) {
      failedName = names[failed];
      throw (writes[failed] as PromiseRejectedResult).reason;
    }
  } catch (error) {
    await removeStaged();
    forget(staged);
    // the one file that failed, when one did; otherwise the folder itself failed
    throw new RunError(`${folder}: cannot write ${failedName ?? names.join(', ')} ` +
      `(${describeError(error)}); nothing was replaced`, { cause: error });
  }

  // The renames run synchronously, one after another, so that no signal handler can run
  // between two of them. Checked beforehand, a rename can still fail if the folder changes
  // under us; then say exactly which files are new.
  const replaced: string[] = [];
  try {
    for (const { temporary, final } of staged) {
      renameSync(temporary, final);
      replaced.push(final);
      stagedFiles.delete(temporary);
    }
    await syncFolder(folder);
  } catch (error) {
    await removeStaged();
    forget(staged);
    throw new RunError(`${folder}: replacing the files failed (${describeError(error)}) after ` +
      `${replaced.length} of ${staged.length}: ${replaced.join(', ') || 'none'}`, { cause: error });
  }
}

// mkdir's own `recursive` option never returns on Node 20 when a parent exists but refuses
// children with ENOENT, as /proc does; making each missing folder in turn fails at once.
async function makeFolder(folder: string): Promise<void> {
  const missing: string[] = [];
  for (let path = resolve(folder); await kindOf(path) === 'missing'; path = dirname(path)) {
    if (dirname(path) === path) break;
    missing.unshift(path);
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function forget(staged: { temporary: string }[]): void {
  for (const { temporary } of staged) stagedFiles.delete(temporary);
}

async function kindOf(path: string): Promise<'missing' | 'folder' | 'file'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

// Makes the renames themselves durable, as a rename is an entry in the folder.
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(
  path: string,
  content: string | Uint8Array,
  name: string,
): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    const fault = writeFaultFor(name);
    if (fault !== undefined) await failMidway(handle, content, fault);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// TEST-ONLY (see src/faults.ts): half the file is written, then the write fails as it
// would on a full disk or a failing one.
async function failMidway(handle: FileHandle, content: string | Uint8Array, fault: string) {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  await handle.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  throw Object.assign(new Error(`${fault}: injected test fault`), { code: fault });
}

function describeError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message ?? String(error);
}
