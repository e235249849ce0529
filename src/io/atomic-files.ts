// Replaces a set of report files so that a failed run never leaves a partial one. Every file
// is first written in full to a temporary name in the same folder and flushed to disk; only
// when all of them are written are they renamed over the old ones, and a rename within one
// folder is atomic on POSIX file systems. write-file-atomic does this for one file at a time,
// but cannot hold back the first file's rename until the last one is safely written.

import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { inputError, RunError } from '../errors.js';

/** Creates `folder` if needed and checks that it can be written; `subject` names the flag. */
export async function prepareOutputFolder(folder: string, subject: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (error) {
    throw inputError('ERR_BAD_OPTION', subject,
      `cannot write to folder ${folder} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}

/** Writes every file of `files` (name to content) into `folder`, all or none. */
export async function replaceFiles(
  folder: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): Promise<void> {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const staged: { temporary: string; final: string }[] = [];

  try {
    for (const [name, content] of files) {
      const entry = { temporary: join(folder, `.${name}.${suffix}`), final: join(folder, name) };
      staged.push(entry);
      await writeDurably(entry.temporary, content);
    }
  } catch (error) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RunError(`${folder}: cannot write the reports (${reason}); ` +
      'the previous reports were left as they were', { cause: error });
  }

  for (const { temporary, final } of staged) await rename(temporary, final);
}

async function writeDurably(path: string, content: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
