import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { InputError, RunError } from '../src/errors.js';
import { checkOutputFolder, replaceFiles } from '../src/io/atomic-files.js';
import { temporaryFolder } from './helpers/random-network.js';

const root = await temporaryFolder();

// ---

const replace = suite('replaceFiles');

replace('should create the folder and write every file', async () => {
  const folder = join(root, 'new', 'reports');
  await replaceFiles(folder, new Map<string, string | Uint8Array>([
    ['a.csv', 'one\n'], ['b.bin', Uint8Array.of(1, 2)],
  ]));

  assert.equal((await readdir(folder)).sort(), ['a.csv', 'b.bin']);
  assert.is(await readFile(join(folder, 'a.csv'), 'utf8'), 'one\n');
  assert.equal([...await readFile(join(folder, 'b.bin'))], [1, 2]);
});

replace('should replace old files and leave no temporary file', async () => {
  const folder = join(root, 'again');
  await replaceFiles(folder, new Map([['a.csv', 'old\n']]));
  await replaceFiles(folder, new Map([['a.csv', 'new\n']]));

  assert.equal(await readdir(folder), ['a.csv']);
  assert.is(await readFile(join(folder, 'a.csv'), 'utf8'), 'new\n');
});

replace('should change nothing when a file cannot be written', async () => {
  const folder = join(root, 'blocked');
  await replaceFiles(folder, new Map([['a.csv', 'old a\n'], ['b.csv', 'old b\n']]));
  // A name the folder cannot hold makes the second write fail after the first succeeded.
  const files = new Map([['a.csv', 'new a\n'], ['missing/b.csv', 'new b\n']]);

  try {
    await replaceFiles(folder, files);
    assert.unreachable('the write into a missing subfolder succeeded');
  } catch (error) {
    assert.instance(error, RunError);
    assert.match((error as Error).message, /nothing was replaced$/);
  }
  assert.equal((await readdir(folder)).sort(), ['a.csv', 'b.csv']);
  assert.is(await readFile(join(folder, 'a.csv'), 'utf8'), 'old a\n');
});

replace('should name the files it replaced when a rename fails', async () => {
  const folder = join(root, 'taken');
  await mkdir(join(folder, 'b.csv'), { recursive: true });
  await writeFile(join(folder, 'b.csv', 'inside'), 'kept');

  try {
    await replaceFiles(folder, new Map([['a.csv', 'new\n'], ['b.csv', 'new\n']]));
    assert.unreachable('a file was renamed over a folder');
  } catch (error) {
    assert.instance(error, RunError);
    assert.match((error as Error).message, /after 1 of 2: .*a\.csv$/);
  }
  assert.equal((await readdir(folder)).sort(), ['a.csv', 'b.csv']);
  assert.is(await readFile(join(folder, 'b.csv', 'inside'), 'utf8'), 'kept');
});

replace.run();

// ---

const check = suite('checkOutputFolder');

async function refusal(folder: string, names: string[]): Promise<InputError> {
  try {
    await checkOutputFolder(folder, names, '--out');
  } catch (error) {
    assert.instance(error, InputError);
    assert.is((error as InputError).code, 'ERR_BAD_OPTION');
    return error as InputError;
  }
  assert.unreachable(`${folder} was accepted`);
  throw new Error('unreachable');
}

check('should accept a folder that does not exist yet, and create nothing', async () => {
  const folder = join(root, 'later', 'reports');
  await checkOutputFolder(folder, ['summary.json'], '--out');
  assert.equal((await readdir(root)).includes('later'), false);
});

check('should refuse a file where the folder should be', async () => {
  await writeFile(join(root, 'plain-file'), 'x');
  const error = await refusal(join(root, 'plain-file', 'reports'), ['summary.json']);
  assert.match(error.message, /^--out: .*plain-file is a file, expected a folder/);
});

check('should refuse a report name taken by a folder', async () => {
  await mkdir(join(root, 'with-folder', 'summary.json'), { recursive: true });
  const error = await refusal(join(root, 'with-folder'), ['summary.json']);
  assert.match(error.message, /summary\.json is a folder, expected a file or nothing there$/);
});

check('should refuse an empty path', async () => {
  const error = await refusal('', ['summary.json']);
  assert.is(error.message, '--out: expected a folder, got an empty path');
});

check.run();
